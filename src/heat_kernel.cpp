// heat_kernel.cpp -- plain (one sweep per step) OpenMP evolution, the
// multi-step path switch, and this ISA variant's dispatch table entry.
#include "heat_kernel.hpp"

#include <cstring>

namespace hpcffi::heat {
inline namespace HPCFFI_ISA_NAMESPACE {

void step_interior(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c) {
    // Rows in pairs (update_two_rows); an odd count leaves a single last row.
    const int64_t rows = nx - 2, pairs = (rows + 1) / 2;
#pragma omp for schedule(static)
    for (int64_t k = 0; k < pairs; ++k) {
        const int64_t i = 1 + 2 * k;
        if (i + 1 < nx - 1)
            update_two_rows(out + i * ny, out + (i + 1) * ny, in + (i - 1) * ny, in + i * ny, in + (i + 1) * ny,
                            in + (i + 2) * ny, 1, ny - 1, c);
        else
            update_row(out + i * ny, in + (i - 1) * ny, in + i * ny, in + (i + 1) * ny, 1, ny - 1, c);
    }
}

void step_interior_streaming(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c) {
#pragma omp for schedule(static) nowait
    for (int64_t i = 1; i < nx - 1; ++i)
        update_row_streaming(out + i * ny, in + (i - 1) * ny, in + i * ny, in + (i + 1) * ny, 1, ny - 1, c);
    store_fence();  // our non-temporal stores become visible before the barrier
#pragma omp barrier
}

void evolve_sweeps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                   int threads, bool streaming) {
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
            if (streaming)
                step_interior_streaming(to, from, nx, ny, c);
            else
                step_interior(to, from, nx, ny, c);  // implicit barrier at its end
            swap_pointers(from, to);
        }
        if (from != field) {
#pragma omp for schedule(static)
            for (int64_t i = 1; i < nx - 1; ++i)
                std::memcpy(field + i * ny + 1, from + i * ny + 1, row_bytes - 2 * sizeof(double));
        }
    }
}

void evolve_steps_with(KernelPath path, double *field, double *scratch, int64_t nx, int64_t ny,
                       const Coefficients &c, int64_t nsteps, int threads, int block_depth, int strip_width) {
    if (path == KernelPath::automatic) path = choose_path(nx, ny, nsteps, threads);
    switch (path) {
        case KernelPath::blocked:
            evolve_blocked(field, scratch, nx, ny, c, nsteps, threads, block_depth, strip_width);
            break;
        case KernelPath::streaming:
            evolve_sweeps(field, scratch, nx, ny, c, nsteps, threads, true);
            break;
        default:
            evolve_sweeps(field, scratch, nx, ny, c, nsteps, threads, false);
            break;
    }
}

void update_row_call(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                     int64_t j_end, const Coefficients &c) {
    update_row(out, up, mid, down, j_begin, j_end, c);
}

const KernelTable kernel_table = {HPCFFI_ISA_NAME, &step_interior, &evolve_steps_with, &advance_window,
                                  &update_row_call};

}  // namespace HPCFFI_ISA_NAMESPACE
}  // namespace hpcffi::heat
