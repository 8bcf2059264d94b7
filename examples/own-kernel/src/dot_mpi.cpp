// dot_mpi.cpp -- the distributed dot product: local kernel + one MPI_Allgather.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "barrier.hpp"
#include "dot_kernel.hpp"

extern "C" int hpcdot_dot_mpi(hpcdot_mpi_comm comm_f, const double *x, const double *y, int64_t n_local,
                              double *result) {
    return hpcdot::guarded(__func__, [&] {
        int initialized = 0;
        MPI_Initialized(&initialized);
        if (!initialized) hpcdot::fail(HPCFFI_ERR_MPI, "MPI is not initialised (import mpi4py.MPI first)");
        // Under the default handler (MPI_ERRORS_ARE_FATAL) a failing MPI call
        // ends the job before it returns; hpcffi's distributed field duplicates
        // the communicator once with MPI_ERRORS_RETURN, worth it for a
        // long-lived handle, too slow for a single call like this one.
        MPI_Comm comm = MPI_Comm_f2c(comm_f);
        // Check locally, then agree: a bad argument on one rank must fail on
        // every rank (never a hang in the collective below, never MPI_Abort).
        int bad = (n_local < 0 || (n_local > 0 && (x == nullptr || y == nullptr)) || result == nullptr) ? 1 : 0;
        int any_bad = 0;
        if (MPI_Allreduce(&bad, &any_bad, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
            hpcdot::fail(HPCFFI_ERR_MPI, "MPI_Allreduce failed (is comm a valid communicator?)");
        if (any_bad)
            hpcdot::fail(HPCFFI_ERR_INVALID_ARGUMENT,
                         bad ? "n_local < 0, or x, y or result is NULL on this rank"
                             : "a bad argument on another rank (n_local < 0 or a NULL pointer)");
        int threads = 1;
        hpcffi_get_num_threads(&threads);
        const double local = n_local == 0 ? 0.0 : hpcdot::dot(x, y, n_local, threads);
        int size = 0;
        MPI_Comm_size(comm, &size);
        // Allgather + a sum in rank order, not MPI_Allreduce(MPI_SUM): the
        // order of a reduction is up to the MPI library, the bits would be too.
        std::vector<double> partial(static_cast<std::size_t>(size));
        if (MPI_Allgather(&local, 1, MPI_DOUBLE, partial.data(), 1, MPI_DOUBLE, comm) != MPI_SUCCESS)
            hpcdot::fail(HPCFFI_ERR_MPI, "MPI_Allgather failed");
        double total = 0.0;
        for (double sum : partial) total += sum;
        *result = total;
    });
}
