// heat_kernel.hpp -- the 5-point stencil, free of MPI and of argument checks.
//
// Field layout (row-major, nx rows of ny values, row stride ny):
//
//        j = 0   1   2  ...  ny-2  ny-1
//   i=0    B   B   B  ...   B     B      <- fixed boundary row
//   i=1    B   *   *  ...   *     B      <- interior points (*) are updated,
//   ...    B   *   *  ...   *     B         boundary points (B) never change
//   nx-1   B   B   B  ...   B     B
//
// Every path (single step, multi-step, temporal blocking, each MPI rank)
// updates a point through update_row() (or update_row_streaming(), which does
// the same operations in the same order and only stores differently), so all
// of them agree bit for bit.
//
// Multi-step paths (see evolve_steps):
//   plain      one sweep over the field per step (heat_kernel.cpp)
//   streaming  the same with non-temporal stores (heat_streaming.cpp)
//   blocked    row-wavefront temporal blocking, several steps per sweep
//              (heat_blocked.cpp)
#pragma once

#include <cstdint>

namespace hpcffi::heat {

struct Coefficients {
    double a_dt;     // a * dt
    double inv_dx2;  // 1 / dx2: multiplying by a reciprocal keeps divisions
    double inv_dy2;  // out of the inner loop
};

inline Coefficients make_coefficients(double a, double dt, double dx2, double dy2) {
    return {a * dt, 1.0 / dx2, 1.0 / dy2};
}

// out[j] for j in [j_begin, j_end), from the rows above (up, i-1), at (mid, i)
// and below (down, i+1). The pointers are row starts; no two overlap.
inline void update_row(double *__restrict out, const double *__restrict up, const double *__restrict mid,
                       const double *__restrict down, int64_t j_begin, int64_t j_end, const Coefficients &c) {
    const double a_dt = c.a_dt, inv_dx2 = c.inv_dx2, inv_dy2 = c.inv_dy2;
#pragma omp simd
    for (int64_t j = j_begin; j < j_end; ++j) {
        const double centre = mid[j];
        out[j] = centre + a_dt * ((down[j] - 2.0 * centre + up[j]) * inv_dx2 +
                                  (mid[j + 1] - 2.0 * centre + mid[j - 1]) * inv_dy2);
    }
}

// update_row with non-temporal (cache-bypassing) stores for the 64-byte
// aligned part of out; same arithmetic, same order, so the same bits. Callers
// must issue store_fence() before other threads read what it wrote.
void update_row_streaming(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                          int64_t j_end, const Coefficients &c);
void store_fence();

// One step: interior of out from in (both nx x ny); boundaries of out untouched.
// Runs as an orphaned `omp for`: call it inside a parallel region or serially.
void step_interior(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c);
// The same with update_row_streaming, fenced before its closing barrier.
void step_interior_streaming(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c);

// The multi-step implementations. All: nsteps steps of `threads` threads,
// result in field; scratch holds nx*ny doubles whose contents on entry do not
// matter (it is first touched here, in the rows each thread computes).
enum class KernelPath { automatic, plain, streaming, blocked };

// Which path evolve_steps takes for this problem when not forced (see the
// rule in heat_kernel.cpp); never returns automatic.
KernelPath choose_path(int64_t nx, int64_t ny, int64_t nsteps, int threads);

// plain or streaming: one sweep per step, buffers swapped.
void evolve_sweeps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                   int threads, bool streaming);

// Temporal blocking: passes of `depth` steps (the last pass may be shorter)
// as a row wavefront over column strips of `strip` output columns; see
// heat_blocked.cpp. depth <= 1 and strip <= 0 pick default_blocking().
struct Blocking {
    int depth;  // steps per pass
    int strip;  // output columns per strip
};
// The measured defaults for an nx x ny field (rule in heat_kernel.cpp).
Blocking default_blocking(int64_t nx, int64_t ny);
// The deepest halo the MPI field prepares for (its ghost frame).
constexpr int max_halo_depth = 16;
void evolve_blocked(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                    int threads, int depth = 0, int strip = 0);

// One wavefront pass over a window of a larger array: the interior of the
// nx x ny window `out` becomes `depth` (>= 1) steps ahead of the window `in`;
// rows of both are `stride` doubles apart. Nothing is copied and the window's
// outer ring of `out` is not written: the deep-halo MPI path
// (src/mpi/heat_field.cpp) runs it on a block plus `depth` ghost layers, where
// the ring is the outermost ghost layer or a fixed boundary. Points within
// depth-1 of a ghost ring come out wrong (their inputs beyond the ring are
// missing); points `depth` or more away are exact, bit for bit.
void advance_window(double *out, const double *in, int64_t nx, int64_t ny, int64_t stride, const Coefficients &c,
                    int64_t depth, int threads, int strip = 0);

// Runs the given path (automatic: choose_path).
void evolve_steps_with(KernelPath path, double *field, double *scratch, int64_t nx, int64_t ny,
                       const Coefficients &c, int64_t nsteps, int threads, int block_depth = 0,
                       int strip_width = 0);

// An integer tuning setting from the environment, in [low, high]; 0 (the
// default) when unset or not a number in range.
int setting_from_environment(const char *name, long low, long high);

// What hpcffi_heat_evolve_steps calls: the path from choose_path(), unless the
// environment forces one. The variables are read at every call (a getenv
// each), so tests and benchmarks can switch paths within one process:
//   HPCFFI_HEAT_KERNEL       = auto | plain | streaming | blocked
//   HPCFFI_HEAT_BLOCK_DEPTH  = steps per blocked pass (2..64, default: default_blocking())
//   HPCFFI_HEAT_STRIP_WIDTH  = output columns per blocked strip (1..65536, default: default_blocking())
// Unset, empty or unknown values mean the default. All paths and settings
// give identical bits.
void evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                  int threads);

}  // namespace hpcffi::heat
