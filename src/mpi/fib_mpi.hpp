// fib_mpi.hpp -- Fibonacci over the ranks of a communicator.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

namespace hpcffi::mpi {

// The modular sequence F(start + k) mod m, k < count, split in contiguous
// blocks over the ranks (first count % ranks blocks one larger), each block
// seeded by fast doubling: the values are exact residues, so the result is
// the same for any rank count.
class FibSequence {
public:
    // Local: checks the arguments and computes this rank's block (into out
    // directly on root). out is only read on root.
    FibSequence(uint64_t start, uint64_t count, uint64_t m, uint64_t *out, int root, int rank, int ranks);
    // Collective: MPI_Gatherv of the blocks into out on root.
    void gather(MPI_Comm comm) const;

private:
    uint64_t count_;
    uint64_t *out_;
    int root_, rank_, ranks_;
    std::vector<uint64_t> block_;  // this rank's values, off root
};

// Local checks for exact_bcast; returns nothing, throws on bad input.
void check_exact_bcast(uint64_t n, const char *buffer, size_t size, int root, int ranks);
// Collective: root computes F(n) with hpcffi_fib_exact and broadcasts its
// status (and message), then the digits.
void exact_bcast(MPI_Comm comm, uint64_t n, char *buffer, size_t size, size_t &ndigits, int root);

}  // namespace hpcffi::mpi
