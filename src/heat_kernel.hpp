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
// updates a point through update_row(), so all of them perform the same
// floating-point operations in the same order and agree bit for bit.
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

// One step: interior of out from in (both nx x ny); boundaries of out untouched.
// Runs as an orphaned `omp for`: call it inside a parallel region or serially.
void step_interior(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c);

// nsteps steps in one parallel region of `threads` threads, swapping field
// and scratch; the result ends in field. scratch needs nx*ny doubles; its
// contents on entry do not matter.
void evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                  int threads);

}  // namespace hpcffi::heat
