// mpi_main.cpp -- GoogleTest main for tests run under mpiexec: every rank
// runs every test; MPI is initialised as the library requires (FUNNELED).
#include <mpi.h>

#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char **argv) {
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return 1;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    // Full output from rank 0; the other ranks print their failures only
    // (set before InitGoogleTest, which picks the result printer).
    if (rank != 0) GTEST_FLAG_SET(brief, true);
    ::testing::InitGoogleTest(&argc, argv);
    const int failed = RUN_ALL_TESTS();
    // The exit code must be the same everywhere, or mpiexec may report the
    // first rank to exit rather than the one that failed.
    int any_failed = failed;
    MPI_Allreduce(MPI_IN_PLACE, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any_failed ? 1 : 0;
}
