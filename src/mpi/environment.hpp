// environment.hpp -- MPI start-up and shutdown for callers that have no MPI
// of their own (plain C programs, Python without mpi4py).
#pragma once

namespace hpcffi::mpi {

// MPI_Init_thread(MPI_THREAD_FUNNELED) unless MPI is already initialised;
// returns whether this call initialised it.
bool initialize();
// MPI_Finalize, only if initialize() was the one that initialised MPI.
void finalize();

}  // namespace hpcffi::mpi
