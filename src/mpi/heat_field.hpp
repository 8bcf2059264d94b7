// heat_field.hpp -- one rank's share of a heat field distributed over a 2D
// Cartesian process grid (see decomposition.hpp for the split, halo.hpp for
// the ghosted block layout).
//
// Built in two stages so that a rank that cannot even allocate its block
// fails before any collective call (the ABI then lets all ranks agree):
//   HeatField(...)   local: checks the split, allocates, no MPI traffic;
//   attach(comm)     collective: Cartesian communicator and halo datatypes.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "decomposition.hpp"
#include "halo.hpp"
#include "heat_isa.hpp"
#include "heat_types.hpp"
#include "mpi_support.hpp"

namespace hpcffi::mpi {

class HeatField {
public:
    // rank and ranks of the communicator that attach() will receive.
    HeatField(int64_t nx, int64_t ny, const heat::Coefficients &c, int rank, int ranks);
    void attach(MPI_Comm comm);

    MPI_Comm comm() const noexcept { return cart_.get(); }
    const Decomposition &decomposition() const noexcept { return d_; }
    int64_t nx() const noexcept { return nx_; }
    int64_t ny() const noexcept { return ny_; }

    // Whole field (nx*ny, row-major) from/to rank root; collective.
    void scatter(const double *global, int root);
    void gather(double *global, int root) const;
    // This rank's block (local_nx*local_ny, row-major); local.
    void set_local(const double *block);
    void get_local(double *block) const;
    // The halo depth evolve() will use for nsteps steps: 1 = one exchange per
    // step, overlapped with the inner update; d >= 2 = d ghost layers
    // exchanged every d steps (deep halos). Default: the serial blocking
    // depth for a field of the block's size, at most 1/8 of the smallest
    // block, or 1 when that is below 2; the environment
    // variable HPCFFI_HEAT_MPI_DEPTH (1..1024) overrides it, capped at what
    // the blocks allow. Local, but every rank must use the same value (the
    // ABI checks that they agree).
    int64_t halo_depth(int64_t nsteps) const;
    // nsteps steps with the kernels `k`, halo depth `depth` and `threads`
    // OpenMP threads; adds this rank's seconds of computation and
    // communication to the counters.
    void evolve(const heat::KernelTable &k, int64_t nsteps, int64_t depth, int threads, double &t_comp, double &t_comm);
    // Mean of the whole field, bitwise equal to hpcffi_heat_mean on it.
    double mean(int threads) const;

private:
    struct FreeDeleter {
        void operator()(double *p) const noexcept { std::free(p); }
    };
    double *current() const noexcept { return buffers_[current_].get(); }
    // The block's own (0, 0) in buffer b, inside the ghost frame.
    double *block_of(int b) const noexcept { return buffers_[b].get() + ghost_ * stride_ + ghost_; }
    void evolve_overlapped(const heat::KernelTable &k, int64_t nsteps, int threads, double &t_comp, double &t_comm);
    void evolve_deep(const heat::KernelTable &k, int64_t nsteps, int64_t depth, int threads, double &t_comp, double &t_comm);
    // Copy the current block's values into the other buffer, so that both
    // hold the fixed boundary points the stencil never writes.
    void mirror_current();

    int64_t nx_, ny_;
    heat::Coefficients c_;
    Decomposition d_;
    int64_t max_depth_ = 1;      // deepest halo the blocks allow (<= heat::max_halo_depth)
    int64_t default_depth_ = 1;  // halo depth when the environment does not choose
    int64_t ghost_ = 1;          // ghost layers on every side: max_depth_ (1 when the field is not split)
    int64_t stride_ = 0;         // local_ny + 2 * ghost_
    std::array<std::unique_ptr<double, FreeDeleter>, 2> buffers_;  // ghosted blocks
    int current_ = 0;  // which buffer holds the field
    Comm cart_;
    HaloExchange halo_;
    Datatype local_block_;  // the lnx x lny block inside the ghost frame
};

}  // namespace hpcffi::mpi
