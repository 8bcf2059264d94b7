/*
 * hpcdot_decls.h -- every declaration of the hpcdot C ABI (the "add your own
 * kernel" example of hpcffi, docs/own-kernel.md).
 *
 * Read twice, like hpcffi_decls.h: by C/C++ compilers through <hpcdot/hpcdot.h>
 * and verbatim by cffi's cdef(). So: plain C declarations only, no
 * preprocessor lines, no macros. Conventions are hpcffi's: every function
 * returns a status of enum hpcffi_status (0 = HPCFFI_OK, from <hpcffi/hpcffi.h>),
 * explains a failure in hpcdot_last_error(), and leaves outputs untouched on
 * failure; buffers belong to the caller, lengths are int64_t.
 */

/* Text of the most recent failure in the calling thread ("" if none). */
const char *hpcdot_last_error(void);

/* *result = sum of x[i] * y[i] for i < n (0 for n == 0). Summed in fixed
 * blocks whose partial sums are added in order: the result is bitwise the
 * same for any thread count (hpcffi_set_num_threads governs the threads). */
int hpcdot_dot(const double *x, const double *y, int64_t n, double *result);

/* The dot product of vectors distributed over the ranks of comm (its Fortran
 * handle: MPI_Comm_c2f in C, comm.py2f() in mpi4py); each rank passes its
 * own n_local elements. Every rank gets the same *result, the partial sums
 * added in rank order (bitwise the same on every run). Collective. */
typedef int hpcdot_mpi_comm;
int hpcdot_dot_mpi(hpcdot_mpi_comm comm, const double *x, const double *y, int64_t n_local,
                   double *result);
