// environment.cpp -- initialise and finalise MPI only when nobody else does:
// a second MPI_Init aborts the job, and finalising MPI under mpi4py's feet
// would break every later mpi4py call.
#include "environment.hpp"

#include <mutex>

#include "mpi_support.hpp"

namespace hpcffi::mpi {

namespace {
std::mutex state_mutex;        // init/finalize may come from several threads
bool initialized_by_us = false;
}  // namespace

bool initialize() {
    std::lock_guard<std::mutex> lock(state_mutex);
    int initialized = 0, finalized = 0;
    check(MPI_Initialized(&initialized), "MPI_Initialized");
    check(MPI_Finalized(&finalized), "MPI_Finalized");
    if (finalized) fail(HPCFFI_ERR_MPI, "MPI has already been finalised and cannot be initialised again");
    if (initialized) return false;
    int provided = MPI_THREAD_SINGLE;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    initialized_by_us = true;  // even if the level is too low, ours to finalise
    require_funneled();
    return true;
}

void finalize() {
    std::lock_guard<std::mutex> lock(state_mutex);
    if (!initialized_by_us) return;
    int finalized = 0;
    check(MPI_Finalized(&finalized), "MPI_Finalized");
    initialized_by_us = false;
    if (finalized) return;  // somebody else already did; nothing left to do
    check(MPI_Finalize(), "MPI_Finalize");
}

}  // namespace hpcffi::mpi
