// test_mpi_init.cpp -- hpcffi_mpi_init/finalize in a program that has no MPI
// of its own (a plain C caller): hpcffi initialises MPI with FUNNELED,
// finalises only what it initialised, and refuses to re-initialise.
// Its own main: MPI must NOT be initialised before the test runs.
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include <hpcffi/hpcffi.h>

namespace {
int failures = 0;
void expect(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s (last error: %s)\n", what, hpcffi_last_error());
        ++failures;
    }
}
}  // namespace

int main() {
    int flag = 1;
    MPI_Initialized(&flag);
    expect(flag == 0, "MPI not initialised at start");

    hpcffi_heat_mpi *handle = nullptr;
    expect(hpcffi_heat_mpi_create(0, 10, 10, 0.5, 1e-5, 1e-4, 1e-4, &handle) == HPCFFI_ERR_MPI,
           "create before MPI is initialised fails with HPCFFI_ERR_MPI");
    expect(std::strstr(hpcffi_last_error(), "not initialised") != nullptr, "message says MPI is not initialised");

    int here = -1;
    expect(hpcffi_mpi_init(&here) == HPCFFI_OK && here == 1, "first hpcffi_mpi_init initialises");
    int provided = MPI_THREAD_SINGLE;
    MPI_Query_thread(&provided);
    expect(provided >= MPI_THREAD_FUNNELED, "MPI initialised with at least FUNNELED");
    here = -1;
    expect(hpcffi_mpi_init(&here) == HPCFFI_OK && here == 0, "second hpcffi_mpi_init is a no-op");
    expect(hpcffi_mpi_init(nullptr) == HPCFFI_OK, "initialized_here may be NULL");

    // The library works in between.
    double dt = 0.0;
    hpcffi_heat_max_stable_dt(0.5, 1e-4, 1e-4, &dt);
    expect(hpcffi_heat_mpi_create(MPI_Comm_c2f(MPI_COMM_WORLD), 10, 10, 0.5, dt, 1e-4, 1e-4, &handle) == HPCFFI_OK,
           "create after hpcffi_mpi_init");
    expect(hpcffi_heat_mpi_evolve_steps(handle, 2, nullptr, nullptr) == HPCFFI_OK, "evolve");
    expect(hpcffi_heat_mpi_destroy(handle) == HPCFFI_OK, "destroy");

    expect(hpcffi_mpi_finalize() == HPCFFI_OK, "hpcffi_mpi_finalize");
    MPI_Finalized(&flag);
    expect(flag == 1, "MPI finalised by hpcffi_mpi_finalize");
    expect(hpcffi_mpi_finalize() == HPCFFI_OK, "second hpcffi_mpi_finalize is a no-op");
    expect(hpcffi_mpi_init(&here) == HPCFFI_ERR_MPI, "no re-initialisation after MPI_Finalize");
    std::vector<uint64_t> out(4);
    expect(hpcffi_fib_mpi_sequence_mod(0, 0, 4, 10, out.data(), 0) == HPCFFI_ERR_MPI,
           "collective after finalize fails with HPCFFI_ERR_MPI");
    if (failures == 0) std::puts("hpcffi_mpi_init/finalize: all checks passed");
    return failures == 0 ? 0 : 1;
}
