/*
 * hpcffi_decls.h -- every function and type of the hpcffi C ABI.
 *
 * THIS FILE IS READ TWICE: by C/C++ compilers through <hpcffi/hpcffi.h> (which
 * adds include guards, <stdint.h>, extern "C" and symbol visibility around it),
 * and verbatim by cffi's ffi.cdef() in the Python package. So it must contain
 * plain C declarations only: no preprocessor lines, no macros, no attributes.
 * Include <hpcffi/hpcffi.h>, never this file directly.
 *
 * Conventions (the manual is docs/c-abi.md, which includes this file):
 *  - Every function returns an int status from enum hpcffi_status; 0 is success.
 *    On failure hpcffi_last_error() gives a message for the calling thread and
 *    output arguments are left untouched. No exception, exit() or MPI_Abort ever
 *    crosses this interface.
 *  - Buffers are owned by the caller; lengths are explicit 64-bit counts.
 *  - Fields are row-major: element (i, j) of an nx x ny field is at [i*ny + j];
 *    rows 0 and nx-1 and columns 0 and ny-1 are fixed (Dirichlet) boundaries.
 */

enum hpcffi_status {
    HPCFFI_OK = 0,
    HPCFFI_ERR_NULL_POINTER = 1,     /* a required pointer argument was NULL            */
    HPCFFI_ERR_INVALID_ARGUMENT = 2, /* a value out of its documented range             */
    HPCFFI_ERR_UNSTABLE = 3,         /* heat: dt above the explicit-scheme limit        */
    HPCFFI_ERR_OVERFLOW = 4,         /* the exact result does not fit the output type   */
    HPCFFI_ERR_BUFFER_TOO_SMALL = 5, /* caller's buffer shorter than the size query said */
    HPCFFI_ERR_UNSUPPORTED = 6,      /* feature not compiled in (OpenMP, MPI, GMP)      */
    HPCFFI_ERR_OUT_OF_MEMORY = 7,
    HPCFFI_ERR_MPI = 8,              /* an MPI call failed or MPI is in a wrong state   */
    HPCFFI_ERR_ALIASING = 9,         /* input and output buffers overlap                */
    HPCFFI_ERR_INTERNAL = 10         /* a bug in hpcffi: please report it               */
};

/* ---- errors ------------------------------------------------------------ */
/* Text of the most recent failure in the calling thread ("" if none). The
 * pointer stays valid until the next failing hpcffi call in this thread. */
const char *hpcffi_last_error(void);
/* Fixed description of a status code ("unknown status" for others). */
const char *hpcffi_strerror(int status);

/* ---- version and capabilities ------------------------------------------ */
/* Run-time version; compare with HPCFFI_VERSION_* from <hpcffi/hpcffi.h>. */
int hpcffi_version(int *major, int *minor, int *patch);
const char *hpcffi_version_string(void);
/* 1 if the feature was compiled in, else 0. */
int hpcffi_has_openmp(void);
int hpcffi_has_mpi(void);
int hpcffi_has_gmp(void);
/* Threads used by every parallel kernel of this library, for every calling
 * thread. n >= 1 sets it; n == 0 restores the OpenMP default (OMP_NUM_THREADS
 * as read when the library was loaded). Without OpenMP only 0 and 1 are valid. */
int hpcffi_set_num_threads(int n);
int hpcffi_get_num_threads(int *n);
/* The instruction-set variant the heat kernels run with: "avx512_intel"
 * (x86-64-v4 scheduled for Intel cores), "avx512" (x86-64-v4), "avx2"
 * (x86-64-v3), "baseline" (x86-64), "native" (a build with HPCFFI_NATIVE=ON)
 * or "generic" (other architectures). The default is the best variant
 * compiled in that this CPU supports (of the two AVX-512 ones, avx512_intel
 * on Intel CPUs); the environment
 * variable HPCFFI_ISA (read at every kernel call) may name another. An
 * unknown, not compiled or unsupported HPCFFI_ISA makes this and every heat
 * kernel call fail (HPCFFI_ERR_INVALID_ARGUMENT / HPCFFI_ERR_UNSUPPORTED).
 * *name points to a static string. All variants give identical bits. */
int hpcffi_isa(const char **name);
/* *available = 1 if the variant `name` is compiled in and runs on this CPU,
 * else 0; a name not in the list above is HPCFFI_ERR_INVALID_ARGUMENT. */
int hpcffi_isa_available(const char *name, int *available);

/* ---- demo: the lesson's add -------------------------------------------- */
/* a[i] += b[i] for i < n. a and b must not overlap unless a == b. */
int hpcffi_add(double *a, const double *b, int64_t n);

/* ---- Fibonacci ------------------------------------------------------------ */
/* The lesson's step: (a, b) <- (a + b, a). Starting from a = 1, b = 0, b walks
 * through F(0), F(1), ... If a + b does not fit an int (past F(46)) it returns
 * HPCFFI_ERR_OVERFLOW and leaves *a and *b unchanged. */
int hpcffi_fibo(int *a, int *b);
/* out[k] = F(start + k) for k < count. F(93) is the largest that fits. */
int hpcffi_fib_sequence_u64(uint64_t start, uint64_t count, uint64_t *out);
/* out[k] = F(start + k) mod m, for any m >= 1 and start + count - 1 < 2^64.
 * Parallel over chunks, each seeded by fast doubling: identical for any
 * thread count. */
int hpcffi_fib_sequence_mod(uint64_t start, uint64_t count, uint64_t m, uint64_t *out);
/* *result = F(n) mod m, m >= 1, any n (fast doubling, O(log n)). */
int hpcffi_fib_mod(uint64_t n, uint64_t m, uint64_t *result);
/* Exact F(n) in decimal (needs GMP). hpcffi_fib_exact_size gives a buffer
 * size in bytes (digits + terminating NUL, possibly one more than needed);
 * hpcffi_fib_exact writes the NUL-terminated digits and, if ndigits is not
 * NULL, their count. n is limited to 2^32 (about 9e8 digits). */
int hpcffi_fib_exact_size(uint64_t n, size_t *size);
int hpcffi_fib_exact(uint64_t n, char *buffer, size_t size, size_t *ndigits);

/* ---- heat equation ------------------------------------------------------- */
/* The explicit 5-point scheme for du/dt = a * laplacian(u):
 *   u[i,j] = p[i,j] + a*dt*( (p[i+1,j] - 2 p[i,j] + p[i-1,j]) / dx2
 *                          + (p[i,j+1] - 2 p[i,j] + p[i,j-1]) / dy2 )
 * with dx2 = dx*dx and dy2 = dy*dy, on an nx x ny field, nx, ny >= 3.
 * The kernels evaluate it with the coefficients folded,
 *   u[i,j] = c*p[i,j] + cx*(p[i-1,j] + p[i+1,j]) + cy*(p[i,j-1] + p[i,j+1]),
 *   cx = a*dt/dx2, cy = a*dt/dy2, c = 1 - 2*cx - 2*cy,
 * which rounds differently from the form above (a few ulps), identically in
 * every function, path, thread count, rank count and ISA variant.
 * Every call checks a > 0, dx2 > 0, dy2 > 0, 0 < dt <= the stability limit
 * dx2*dy2 / (2*a*(dx2 + dy2)) (a few ulps of slack), all finite. */

/* The largest stable dt for these coefficients (the lesson's choice). */
int hpcffi_heat_max_stable_dt(double a, double dx2, double dy2, double *dt);
/* The lesson's single step: computes the new field from u_previous into u
 * and then copies it back, so that after the call both hold the new field
 * (boundaries are taken from u_previous). The buffers must not overlap. */
int hpcffi_heat_evolve(double *u, double *u_previous, int64_t nx, int64_t ny,
                       double a, double dt, double dx2, double dy2);
/* nsteps steps in one call, one OpenMP parallel region, buffers swapped
 * instead of copied; the result is left in field. scratch is NULL (the
 * library allocates nx*ny doubles) or a caller buffer of nx*ny doubles that
 * does not overlap field. Bitwise identical to nsteps single steps, for any
 * thread count. Faster when field and scratch start at the same offset
 * within a 64-byte cache line (the library's own scratch does). */
int hpcffi_heat_evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny,
                             double a, double dt, double dx2, double dy2,
                             int64_t nsteps);
/* The temporal blocking hpcffi_heat_evolve_steps uses by default for an
 * nx x ny field (steps per pass, columns per strip), derived from cpu0's
 * cache sizes (hpcffi_cache_sizes); HPCFFI_HEAT_BLOCK_DEPTH and
 * HPCFFI_HEAT_STRIP_WIDTH override them per call (any choice, same bits). */
int hpcffi_heat_blocking(int64_t nx, int64_t ny, int *depth, int *strip_width);
/* cpu0's L1 data, L2 and L3 cache sizes in bytes as the library read them
 * (from /sys/devices/system/cpu/cpu0/cache, else sysconf; L3 = L2 if none). */
int hpcffi_cache_sizes(int64_t *l1d, int64_t *l2, int64_t *l3);
/* Mean of all nx*ny values (boundaries included), the lesson's reference
 * value. Summed in a fixed order: identical for any thread count. */
int hpcffi_heat_mean(const double *field, int64_t nx, int64_t ny, double *mean);

/* ---- tuning: kernels chosen by measurement, cached per machine ----------- */
/* hpcffi_heat_evolve_steps ("auto") takes its path, ISA variant and blocking
 * from a wisdom file when one exists for this machine, else from the
 * cache-size rule above; either way the field gets the same bits. The file
 * is keyed by CPU model, cache sizes, thread count and library version and
 * is looked for once, at the first heat call: HPCFFI_WISDOM=FILE (or "off"),
 * else $XDG_CACHE_HOME/hpcffi/ (~/.cache/hpcffi/), else
 * <prefix>/share/hpcffi/wisdom/ next to the library. A file for another
 * machine or version, or a damaged one, is ignored with a note on stderr.
 * With HPCFFI_TUNE=lazy and no file, the first heat call tunes for
 * HPCFFI_TUNE_BUDGET seconds (default 10), saying so on stderr. */

/* Times the candidate configurations (plain or blocked path, ISA variant,
 * blocking depth and strip width) for n x n fields, n in sizes[0..nsizes)
 * (nsizes == 0: sizes chosen from the cache regimes), at 1 thread and at
 * the library's thread count: short screening runs, then the finalists in
 * interleaved rounds after a warm-up (sustained rates). Takes about
 * budget_seconds (0.1 to 86400); sizes the budget cannot reach keep the
 * rule's choice. Writes the wisdom file to path: NULL or "" for the
 * per-user cache, an existing directory for the machine's file in it, else
 * that file; the result is in use by this process at once. verbose != 0
 * prints a line per size and thread count on stderr. written (NULL or at
 * least 4096 bytes) receives the path of the file written. */
int hpcffi_tune(double budget_seconds, const int64_t *sizes, int64_t nsizes, const char *path, int verbose,
                char *written, size_t size);
/* Looks for wisdom again: path NULL repeats the search described above,
 * else loads that file. *accepted = 1 if wisdom is now in use, 0 if the file
 * was missing, damaged or for another machine or version (the rule is used;
 * hpcffi_wisdom_info gives the note). */
int hpcffi_wisdom_load(const char *path, int *accepted);
/* *in_use = 1 and path = the file in use, or *in_use = 0 and path = the
 * per-user file the library looks for; note = why the last file looked at
 * was ignored ("" if none). Buffers of path_size and note_size bytes
 * (4096 is enough for both); HPCFFI_ERR_BUFFER_TOO_SMALL if shorter. */
int hpcffi_wisdom_info(int *in_use, char *path, size_t path_size, char *note, size_t note_size);
/* What hpcffi_heat_evolve_steps would run now for nsteps steps of an
 * nx x ny field on the library's thread count: *path "plain", "streaming"
 * or "blocked", *isa the variant (static strings), the blocking depth and
 * strip width (0 unless blocked), *from_wisdom = 1 if a wisdom entry
 * decided it. Environment overrides (HPCFFI_ISA, HPCFFI_HEAT_*) apply. */
int hpcffi_heat_choice(int64_t nx, int64_t ny, int64_t nsteps, const char **path, const char **isa,
                       int *depth, int *strip_width, int *from_wisdom);

/* ---- MPI (return HPCFFI_ERR_UNSUPPORTED when built without MPI) ----------- */
/* A communicator crosses this ABI as its Fortran handle (MPI_Fint, an int in
 * every MPI): MPI_Comm_c2f(comm) in C, comm.py2f() in mpi4py. MPI must be
 * initialised with at least MPI_THREAD_FUNNELED before these calls (mpi4py
 * does so on import; hpcffi_mpi_init does it for plain C callers). Every call
 * below is collective over its communicator and returns the same status on
 * every rank. */
typedef int hpcffi_mpi_comm;

/* Initialise MPI with MPI_THREAD_FUNNELED if nobody has; *initialized_here
 * tells whether this call did it. hpcffi_mpi_finalize finalises only if
 * hpcffi_mpi_init initialised. */
int hpcffi_mpi_init(int *initialized_here);
int hpcffi_mpi_finalize(void);

/* A field distributed over a 2D Cartesian grid of the ranks of comm (the
 * library duplicates comm, so it may be freed after the call). */
typedef struct hpcffi_heat_mpi hpcffi_heat_mpi;
int hpcffi_heat_mpi_create(hpcffi_mpi_comm comm, int64_t nx, int64_t ny,
                           double a, double dt, double dx2, double dy2,
                           hpcffi_heat_mpi **handle);
int hpcffi_heat_mpi_destroy(hpcffi_heat_mpi *handle);
/* This rank's block: global rows [row0, row0 + local_nx), columns
 * [col0, col0 + local_ny), and the process grid dims. */
int hpcffi_heat_mpi_local_block(const hpcffi_heat_mpi *handle, int64_t *row0, int64_t *col0,
                                int64_t *local_nx, int64_t *local_ny,
                                int *dims_x, int *dims_y);
/* The whole nx*ny field from/to rank root (other ranks' pointer is ignored). */
int hpcffi_heat_mpi_scatter(hpcffi_heat_mpi *handle, const double *global, int root);
int hpcffi_heat_mpi_gather(const hpcffi_heat_mpi *handle, double *global, int root);
/* This rank's block only, local_nx*local_ny row-major values. */
int hpcffi_heat_mpi_set_local(hpcffi_heat_mpi *handle, const double *block);
int hpcffi_heat_mpi_get_local(const hpcffi_heat_mpi *handle, double *block);
/* nsteps steps; seconds spent in computation and in communication on this
 * rank are added to *t_comp and *t_comm when those are not NULL. Bitwise
 * identical to hpcffi_heat_evolve_steps on the whole field. */
int hpcffi_heat_mpi_evolve_steps(hpcffi_heat_mpi *handle, int64_t nsteps,
                                 double *t_comp, double *t_comm);
/* Mean of the whole distributed field, the same value on every rank. */
int hpcffi_heat_mpi_mean(const hpcffi_heat_mpi *handle, double *mean);

/* F(start + k) mod m for k < count, split over the ranks of comm in blocks;
 * gathered into out (count values) on rank root, out ignored elsewhere. */
int hpcffi_fib_mpi_sequence_mod(hpcffi_mpi_comm comm, uint64_t start, uint64_t count,
                                uint64_t m, uint64_t *out, int root);
/* Exact F(n) computed on rank root and broadcast: use hpcffi_fib_exact_size
 * for size on every rank. */
int hpcffi_fib_mpi_exact_bcast(hpcffi_mpi_comm comm, uint64_t n, char *buffer, size_t size,
                               size_t *ndigits, int root);
