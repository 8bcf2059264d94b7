# The distributed (MPI) part of libhpcffi, one file per concern. Paths are
# relative to src/; src/CMakeLists.txt appends them when HPCFFI_WITH_MPI is ON.
set(HPCFFI_MPI_SOURCES
  mpi/mpi_support.cpp    # error checks, communicator conversion, status agreement
  mpi/environment.cpp    # MPI_Init_thread / MPI_Finalize on behalf of plain C callers
  mpi/decomposition.cpp  # 2D Cartesian process grid and uneven block sizes
  mpi/halo.cpp           # non-blocking ghost-layer exchange
  mpi/heat_field.cpp     # the distributed field: evolve, scatter/gather, mean
  mpi/fib_mpi.cpp        # distributed Fibonacci sequence, broadcast of exact F(n)
  mpi/abi.cpp            # the extern "C" shims: checks, agreement, then the work
)
