// fib_mpi.cpp -- distributed modular Fibonacci sequence and broadcast of an
// exact F(n).
#include "fib_mpi.hpp"

#include <climits>
#include <cstring>
#include <string>

#include "mpi_support.hpp"
#include "status.hpp"

namespace hpcffi::mpi {

static_assert(sizeof(unsigned long long) == sizeof(uint64_t), "MPI_UNSIGNED_LONG_LONG carries uint64_t");

namespace {
void check_root(int root, int ranks) {
    if (root < 0 || root >= ranks)
        fail(HPCFFI_ERR_INVALID_ARGUMENT,
             "root must be a rank of the communicator (0.." + std::to_string(ranks - 1) + "), got " + std::to_string(root));
}

// Block `index` of count values over `parts` ranks, first count % parts one larger.
void block_of(uint64_t count, int parts, int index, uint64_t &begin, uint64_t &length) {
    const uint64_t base = count / static_cast<uint64_t>(parts), extra = count % static_cast<uint64_t>(parts);
    const uint64_t i = static_cast<uint64_t>(index);
    begin = i * base + (i < extra ? i : extra);
    length = base + (i < extra ? 1 : 0);
}

// Call a serial ABI function and turn its failure back into an exception.
void call(int status) {
    if (status != HPCFFI_OK) fail(status, hpcffi_last_error());
}
}  // namespace

FibSequence::FibSequence(uint64_t start, uint64_t count, uint64_t m, uint64_t *out, int root, int rank, int ranks)
    : count_(count), out_(out), root_(root), rank_(rank), ranks_(ranks) {
    check_root(root, ranks);
    if (m == 0) fail(HPCFFI_ERR_INVALID_ARGUMENT, "modulus m must be >= 1");
    if (count > 0 && start > UINT64_MAX - (count - 1))
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "start + count - 1 exceeds 2^64 - 1 (start = " + std::to_string(start) +
                                              ", count = " + std::to_string(count) + ")");
    // MPI_Gatherv counts and displacements are C ints.
    if (count > static_cast<uint64_t>(INT_MAX))
        fail(HPCFFI_ERR_INVALID_ARGUMENT,
             "count = " + std::to_string(count) + " exceeds the distributed limit 2^31 - 1 (MPI counts are C ints)");
    if (rank == root && count > 0) require_non_null(out, "out (on root)");
    uint64_t begin = 0, length = 0;
    block_of(count, ranks, rank, begin, length);
    if (length == 0) return;
    uint64_t *target = out;
    if (rank == root) {
        target = out + begin;  // root's block lands in place
    } else {
        block_.resize(length);
        target = block_.data();
    }
    call(hpcffi_fib_sequence_mod(start + begin, length, m, target));
}

void FibSequence::gather(MPI_Comm comm) const {
    if (count_ == 0) return;
    uint64_t begin = 0, length = 0;
    block_of(count_, ranks_, rank_, begin, length);
    if (rank_ != root_) {
        check(MPI_Gatherv(block_.data(), static_cast<int>(length), MPI_UNSIGNED_LONG_LONG, nullptr, nullptr, nullptr,
                          MPI_UNSIGNED_LONG_LONG, root_, comm),
              "MPI_Gatherv");
        return;
    }
    std::vector<int> counts(static_cast<size_t>(ranks_)), displacements(static_cast<size_t>(ranks_));
    for (int r = 0; r < ranks_; ++r) {
        uint64_t b = 0, l = 0;
        block_of(count_, ranks_, r, b, l);
        counts[static_cast<size_t>(r)] = static_cast<int>(l);
        displacements[static_cast<size_t>(r)] = static_cast<int>(b);
    }
    check(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_UNSIGNED_LONG_LONG, out_, counts.data(), displacements.data(),
                      MPI_UNSIGNED_LONG_LONG, root_, comm),
          "MPI_Gatherv");
}

void check_exact_bcast(uint64_t n, const char *buffer, size_t size, int root, int ranks) {
    check_root(root, ranks);
    require_non_null(buffer, "buffer");
    size_t needed = 0;
    call(hpcffi_fib_exact_size(n, &needed));  // also: n in range, GMP compiled in
    if (size < needed)
        fail(HPCFFI_ERR_BUFFER_TOO_SMALL, "buffer of " + std::to_string(size) + " bytes, F(" + std::to_string(n) +
                                              ") needs " + std::to_string(needed) + " (ask hpcffi_fib_exact_size)");
    if (needed > static_cast<size_t>(INT_MAX))
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "F(" + std::to_string(n) + ") is too long for one MPI broadcast");
}

void exact_bcast(MPI_Comm comm, uint64_t n, char *buffer, size_t size, size_t &ndigits, int root) {
    const bool is_root = rank_of(comm) == root;
    // Root's status (and message) first, so that every rank fails alike if
    // root could not compute, instead of waiting for digits that never come.
    int status = HPCFFI_OK;
    size_t digits = 0;
    std::string message;
    if (is_root) {
        status = hpcffi_fib_exact(n, buffer, size, &digits);
        if (status != HPCFFI_OK) message = hpcffi_last_error();
    }
    check(MPI_Bcast(&status, 1, MPI_INT, root, comm), "MPI_Bcast (status)");
    if (status != HPCFFI_OK) {
        int length = static_cast<int>(message.size());
        check(MPI_Bcast(&length, 1, MPI_INT, root, comm), "MPI_Bcast (message length)");
        message.resize(static_cast<size_t>(length));
        check(MPI_Bcast(message.data(), length, MPI_CHAR, root, comm), "MPI_Bcast (message)");
        fail(status, "on root " + std::to_string(root) + ": " + message);
    }
    unsigned long long count = digits;
    check(MPI_Bcast(&count, 1, MPI_UNSIGNED_LONG_LONG, root, comm), "MPI_Bcast (digit count)");
    // The digits and their terminating NUL.
    check(MPI_Bcast(buffer, static_cast<int>(count + 1), MPI_CHAR, root, comm), "MPI_Bcast (digits)");
    ndigits = static_cast<size_t>(count);
}

}  // namespace hpcffi::mpi
