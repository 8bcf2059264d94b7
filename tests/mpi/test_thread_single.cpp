// test_thread_single.cpp -- a caller that initialised MPI with
// MPI_THREAD_SINGLE: the hybrid kernels must refuse (HPCFFI_ERR_MPI, a clear
// message, on every rank) rather than call MPI beside OpenMP threads.
#include <mpi.h>

#include <cstdio>
#include <cstring>

#include <hpcffi/hpcffi.h>

int main(int argc, char **argv) {
    int provided = -1;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int failures = 0;
    if (provided >= MPI_THREAD_FUNNELED) {
        // Some MPIs hand out more than asked for; then there is nothing to refuse.
        if (rank == 0) std::printf("MPI provided level %d >= FUNNELED for SINGLE: check not applicable\n", provided);
    } else {
        double dt = 0.0;
        hpcffi_heat_max_stable_dt(0.5, 1e-4, 1e-4, &dt);
        hpcffi_heat_mpi *handle = nullptr;
        const int status =
            hpcffi_heat_mpi_create(MPI_Comm_c2f(MPI_COMM_WORLD), 10, 10, 0.5, dt, 1e-4, 1e-4, &handle);
        int range[2] = {status, -status};
        MPI_Allreduce(MPI_IN_PLACE, range, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (status != HPCFFI_ERR_MPI || range[0] != -range[1] || handle != nullptr ||
            std::strstr(hpcffi_last_error(), "MPI_THREAD_FUNNELED") == nullptr) {
            std::fprintf(stderr, "rank %d: expected HPCFFI_ERR_MPI on all ranks, got %d: %s\n", rank, status,
                         hpcffi_last_error());
            failures = 1;
        } else if (rank == 0) {
            std::printf("refused as expected: %s\n", hpcffi_last_error());
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return failures;
}
