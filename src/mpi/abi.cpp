// abi.cpp -- the extern "C" MPI functions of hpcffi.h. Each one:
//   - checks that MPI is usable and gets a communicator (its own duplicate or
//     the handle's Cartesian one);
//   - runs hpcffi::mpi::collective(): local checks, agreement of all ranks on
//     one status (and on arguments that must match), the collective work,
//     a final agreement. So every rank returns the same status and no rank is
//     left waiting in a collective because another rank's input was bad.
// Nothing here throws across the ABI (guarded()) and nothing calls MPI_Abort.
#include <memory>
#include <string>

#include "heat_isa.hpp"
#include "heat_params.hpp"
#include "heat_wisdom.hpp"
#include "mpi/environment.hpp"
#include "mpi/fib_mpi.hpp"
#include "mpi/heat_field.hpp"
#include "mpi/mpi_support.hpp"
#include "status.hpp"
#include "threads.hpp"

using hpcffi::fail;
using hpcffi::guarded;
using hpcffi::require_non_null;
using hpcffi::mpi::collective;
using hpcffi::mpi::same;
namespace heat = hpcffi::heat;
namespace mpi = hpcffi::mpi;

// The opaque handle of the ABI.
struct hpcffi_heat_mpi {
    explicit hpcffi_heat_mpi(mpi::HeatField f) : field(std::move(f)) {}
    mpi::HeatField field;
};

namespace {
// A handle is the only way to reach its communicator: a rank passing NULL
// cannot take part in any agreement, so it fails alone (and the others will
// wait for it: passing a NULL handle is a programming error, not bad data).
int require_handle(const char *function, const hpcffi_heat_mpi *handle) {
    if (handle == nullptr)
        return hpcffi::record_error(HPCFFI_ERR_NULL_POINTER,
                                    std::string(function) + ": handle is NULL (every rank must pass its own handle)");
    return guarded(function, [] { mpi::require_ready(); });
}

// Caller's communicator -> a private duplicate with errors returned. Fails
// locally: without a usable communicator there is nobody to agree with.
int duplicate_caller_comm(const char *function, hpcffi_mpi_comm comm, mpi::Comm &dup) {
    return guarded(function, [&] {
        mpi::require_ready();
        dup = mpi::duplicate(mpi::from_fortran(comm));
    });
}
}  // namespace

extern "C" int hpcffi_mpi_init(int *initialized_here) {
    return guarded(__func__, [&] {
        const bool here = mpi::initialize();
        if (initialized_here != nullptr) *initialized_here = here ? 1 : 0;
    });
}

extern "C" int hpcffi_mpi_finalize(void) {
    return guarded(__func__, [] { mpi::finalize(); });
}

extern "C" int hpcffi_heat_mpi_create(hpcffi_mpi_comm comm, int64_t nx, int64_t ny, double a, double dt, double dx2,
                                      double dy2, hpcffi_heat_mpi **handle) {
    mpi::Comm dup;
    if (int status = duplicate_caller_comm(__func__, comm, dup)) return status;
    std::unique_ptr<hpcffi_heat_mpi> created;
    const int status = collective(
        __func__, dup.get(),
        {same("nx", nx), same("ny", ny), same("a", a), same("dt", dt), same("dx2", dx2), same("dy2", dy2)},
        [&] {
            require_non_null(handle, "handle");
            heat::check_shape(nx, ny);
            heat::check_parameters(a, dt, dx2, dy2);
            mpi::require_funneled();
            created = std::make_unique<hpcffi_heat_mpi>(mpi::HeatField(
                nx, ny, heat::make_coefficients(a, dt, dx2, dy2), mpi::rank_of(dup.get()), mpi::size_of(dup.get())));
        },
        [&] { created->field.attach(dup.get()); });
    if (status == HPCFFI_OK) *handle = created.release();
    return status;
}

extern "C" int hpcffi_heat_mpi_destroy(hpcffi_heat_mpi *handle) {
    // NULL is a no-op, like free(): destroying is cleanup and must not fail.
    return guarded(__func__, [&] { delete handle; });
}

extern "C" int hpcffi_heat_mpi_local_block(const hpcffi_heat_mpi *handle, int64_t *row0, int64_t *col0,
                                           int64_t *local_nx, int64_t *local_ny, int *dims_x, int *dims_y) {
    if (int status = require_handle(__func__, handle)) return status;
    const int status = collective(
        __func__, handle->field.comm(), {},
        [&] {
            require_non_null(row0, "row0");
            require_non_null(col0, "col0");
            require_non_null(local_nx, "local_nx");
            require_non_null(local_ny, "local_ny");
            require_non_null(dims_x, "dims_x");
            require_non_null(dims_y, "dims_y");
        },
        [] {});
    if (status != HPCFFI_OK) return status;
    const mpi::Decomposition &d = handle->field.decomposition();
    *row0 = d.rows.begin;
    *col0 = d.cols.begin;
    *local_nx = d.rows.length;
    *local_ny = d.cols.length;
    *dims_x = d.dims[0];
    *dims_y = d.dims[1];
    return HPCFFI_OK;
}

namespace {
void check_root(const hpcffi_heat_mpi *handle, int root) {
    const int ranks = mpi::size_of(handle->field.comm());
    if (root < 0 || root >= ranks)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "root must be a rank of the communicator (0.." + std::to_string(ranks - 1) +
                                              "), got " + std::to_string(root));
}
bool is_root(const hpcffi_heat_mpi *handle, int root) { return mpi::rank_of(handle->field.comm()) == root; }
}  // namespace

extern "C" int hpcffi_heat_mpi_scatter(hpcffi_heat_mpi *handle, const double *global, int root) {
    if (int status = require_handle(__func__, handle)) return status;
    return collective(
        __func__, handle->field.comm(), {same("root", root)},
        [&] {
            check_root(handle, root);
            if (is_root(handle, root)) require_non_null(global, "global (on root)");
        },
        [&] { handle->field.scatter(global, root); });
}

extern "C" int hpcffi_heat_mpi_gather(const hpcffi_heat_mpi *handle, double *global, int root) {
    if (int status = require_handle(__func__, handle)) return status;
    return collective(
        __func__, handle->field.comm(), {same("root", root)},
        [&] {
            check_root(handle, root);
            if (is_root(handle, root)) require_non_null(global, "global (on root)");
        },
        [&] { handle->field.gather(global, root); });
}

extern "C" int hpcffi_heat_mpi_set_local(hpcffi_heat_mpi *handle, const double *block) {
    if (int status = require_handle(__func__, handle)) return status;
    // The copy is local, but the call stays collective: a rank with a bad
    // block makes every rank fail, so no rank steps on a half-set field.
    return collective(
        __func__, handle->field.comm(), {}, [&] { require_non_null(block, "block"); },
        [&] { handle->field.set_local(block); });
}

extern "C" int hpcffi_heat_mpi_get_local(const hpcffi_heat_mpi *handle, double *block) {
    if (int status = require_handle(__func__, handle)) return status;
    return collective(
        __func__, handle->field.comm(), {}, [&] { require_non_null(block, "block"); },
        [&] { handle->field.get_local(block); });
}

extern "C" int hpcffi_heat_mpi_evolve_steps(hpcffi_heat_mpi *handle, int64_t nsteps, double *t_comp,
                                            double *t_comm) {
    if (int status = require_handle(__func__, handle)) return status;
    double comp = 0.0, comm = 0.0;
    const heat::KernelTable *kernels = nullptr;
    // Ranks exchanging halos of different depths would mismatch messages.
    const int64_t depth = handle->field.halo_depth(nsteps);
    const int status = collective(
        __func__, handle->field.comm(), {same("nsteps", nsteps), same("halo depth (HPCFFI_HEAT_MPI_DEPTH)", depth)},
        [&] {
            if (nsteps < 0) fail(HPCFFI_ERR_INVALID_ARGUMENT, "nsteps must be >= 0, got " + std::to_string(nsteps));
            mpi::require_funneled();
            // Each rank may run another variant (all give the same bits):
            // the one its wisdom file chose for a field of its block's size,
            // as a serial call would (heat_wisdom.hpp). A bad HPCFFI_ISA on
            // any rank fails the call on all.
            const mpi::Decomposition &d = handle->field.decomposition();
            kernels = heat::choose(d.rows.length, d.cols.length, nsteps, hpcffi::kernel_threads()).kernels;
        },
        [&] { handle->field.evolve(*kernels, nsteps, depth, hpcffi::kernel_threads(), comp, comm); });
    if (status != HPCFFI_OK) return status;
    if (t_comp != nullptr) *t_comp += comp;
    if (t_comm != nullptr) *t_comm += comm;
    return HPCFFI_OK;
}

extern "C" int hpcffi_heat_mpi_mean(const hpcffi_heat_mpi *handle, double *mean) {
    if (int status = require_handle(__func__, handle)) return status;
    double value = 0.0;
    const int status = collective(
        __func__, handle->field.comm(), {}, [&] { require_non_null(mean, "mean"); },
        [&] { value = handle->field.mean(hpcffi::kernel_threads()); });
    if (status == HPCFFI_OK) *mean = value;
    return status;
}

extern "C" int hpcffi_fib_mpi_sequence_mod(hpcffi_mpi_comm comm, uint64_t start, uint64_t count, uint64_t m,
                                           uint64_t *out, int root) {
    mpi::Comm dup;
    if (int status = duplicate_caller_comm(__func__, comm, dup)) return status;
    std::unique_ptr<mpi::FibSequence> sequence;
    return collective(
        __func__, dup.get(), {same("start", start), same("count", count), same("m", m), same("root", root)},
        [&] {
            sequence = std::make_unique<mpi::FibSequence>(start, count, m, out, root, mpi::rank_of(dup.get()),
                                                          mpi::size_of(dup.get()));
        },
        [&] { sequence->gather(dup.get()); });
}

extern "C" int hpcffi_fib_mpi_exact_bcast(hpcffi_mpi_comm comm, uint64_t n, char *buffer, size_t size,
                                          size_t *ndigits, int root) {
    mpi::Comm dup;
    if (int status = duplicate_caller_comm(__func__, comm, dup)) return status;
    size_t digits = 0;
    const int status = collective(
        __func__, dup.get(), {same("n", n), same("root", root)},
        [&] { mpi::check_exact_bcast(n, buffer, size, root, mpi::size_of(dup.get())); },
        [&] { mpi::exact_bcast(dup.get(), n, buffer, size, digits, root); });
    if (status == HPCFFI_OK && ndigits != nullptr) *ndigits = digits;
    return status;
}
