// heat_kernel.cpp -- plain (one sweep per step) OpenMP evolution.
#include "heat_kernel.hpp"

#include <cstring>
#include <utility>

namespace hpcffi::heat {

void step_interior(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c) {
#pragma omp for schedule(static)
    for (int64_t i = 1; i < nx - 1; ++i)
        update_row(out + i * ny, in + (i - 1) * ny, in + i * ny, in + (i + 1) * ny, 1, ny - 1, c);
}

void evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                  int threads) {
    if (nsteps <= 0) return;
    const size_t row_bytes = static_cast<size_t>(ny) * sizeof(double);
#pragma omp parallel num_threads(threads)
    {
        // Scratch needs the boundary values; copying whole rows with the same
        // static row schedule as the stencil also places each page
        // (first touch) near the thread that will update it.
#pragma omp for schedule(static)
        for (int64_t i = 0; i < nx; ++i) std::memcpy(scratch + i * ny, field + i * ny, row_bytes);

        double *from = field;
        double *to = scratch;
        for (int64_t step = 0; step < nsteps; ++step) {
            step_interior(to, from, nx, ny, c);  // implicit barrier at its end
            std::swap(from, to);
        }
        if (from != field) {
#pragma omp for schedule(static)
            for (int64_t i = 1; i < nx - 1; ++i)
                std::memcpy(field + i * ny + 1, from + i * ny + 1, row_bytes - 2 * sizeof(double));
        }
    }
}

}  // namespace hpcffi::heat
