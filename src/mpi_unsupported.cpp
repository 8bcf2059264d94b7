// mpi_unsupported.cpp -- the MPI part of the ABI in a build without MPI:
// the symbols exist (one ABI for every build) and say why they cannot work.
#include "status.hpp"

namespace {
int unsupported(const char *function) {
    return hpcffi::record_error(HPCFFI_ERR_UNSUPPORTED,
                                std::string(function) + ": this hpcffi was built without MPI (HPCFFI_WITH_MPI=OFF)");
}
}  // namespace

extern "C" {
int hpcffi_mpi_init(int *) { return unsupported(__func__); }
int hpcffi_mpi_finalize(void) { return unsupported(__func__); }
int hpcffi_heat_mpi_create(hpcffi_mpi_comm, int64_t, int64_t, double, double, double, double, hpcffi_heat_mpi **) {
    return unsupported(__func__);
}
int hpcffi_heat_mpi_destroy(hpcffi_heat_mpi *) { return unsupported(__func__); }
int hpcffi_heat_mpi_local_block(const hpcffi_heat_mpi *, int64_t *, int64_t *, int64_t *, int64_t *, int *, int *) {
    return unsupported(__func__);
}
int hpcffi_heat_mpi_scatter(hpcffi_heat_mpi *, const double *, int) { return unsupported(__func__); }
int hpcffi_heat_mpi_gather(const hpcffi_heat_mpi *, double *, int) { return unsupported(__func__); }
int hpcffi_heat_mpi_set_local(hpcffi_heat_mpi *, const double *) { return unsupported(__func__); }
int hpcffi_heat_mpi_get_local(const hpcffi_heat_mpi *, double *) { return unsupported(__func__); }
int hpcffi_heat_mpi_evolve_steps(hpcffi_heat_mpi *, int64_t, double *, double *) { return unsupported(__func__); }
int hpcffi_heat_mpi_mean(const hpcffi_heat_mpi *, double *) { return unsupported(__func__); }
int hpcffi_fib_mpi_sequence_mod(hpcffi_mpi_comm, uint64_t, uint64_t, uint64_t, uint64_t *, int) {
    return unsupported(__func__);
}
int hpcffi_fib_mpi_exact_bcast(hpcffi_mpi_comm, uint64_t, char *, size_t, size_t *, int) {
    return unsupported(__func__);
}
}
