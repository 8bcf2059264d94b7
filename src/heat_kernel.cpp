// heat_kernel.cpp -- plain (one sweep per step) OpenMP evolution and the
// choice between the multi-step paths.
#include "heat_kernel.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace hpcffi::heat {

void step_interior(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c) {
#pragma omp for schedule(static)
    for (int64_t i = 1; i < nx - 1; ++i)
        update_row(out + i * ny, in + (i - 1) * ny, in + i * ny, in + (i + 1) * ny, 1, ny - 1, c);
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
            std::swap(from, to);
        }
        if (from != field) {
#pragma omp for schedule(static)
            for (int64_t i = 1; i < nx - 1; ++i)
                std::memcpy(field + i * ny + 1, from + i * ny + 1, row_bytes - 2 * sizeof(double));
        }
    }
}

// The dispatch rule and the blocking parameters, from `heat_bench --tune`
// (bench/heat_bench.cpp; depth 2-16 x strip 128-2048 at 20^2 to 8192^2) on
// a 2-core Intel Xeon VM (Sapphire Rapids class: 48 KiB L1d, 2 MiB L2 per
// core, 260 MiB shared L3); the README's "Performance" section has the table.
//  - 2 or more steps on 2 or more threads: blocked, from 20x20 up (one
//    barrier per pass instead of one per step).
//  - 2 or more steps on 1 thread once the two fields outgrow L1 and L2's
//    sweet spot (> 128 KiB, from about 90x90): blocked, 1.1x the plain sweep
//    at 200x200, 1.8x at 2000x2000 and 8192x8192. Below, plain.
//  - A single step on fields far beyond the cache (two fields > 64 MiB):
//    streaming, since non-temporal stores save the write-allocate read
//    (24 -> 16 B/point). (Multi-step runs finish a remainder of one step
//    with the plain sweep.)
//  - Blocking depth and strip: depth 6 over 256-column strips while the two
//    fields fit in 64 MiB (the pass runs from cache; 5 ring levels x 3 rows x
//    268 doubles = 32 KiB stay in L1); beyond, where every pass is a trip to
//    DRAM, depth 8 over 128-column strips (24 KiB of rings). Depth 16 with
//    2048-column strips, the earlier default, was 0.70x at 200x200, 0.85x at
//    2000x2000 and 0.89x at 8192x8192 with 2 threads.
namespace {
constexpr int64_t blocked_min_bytes = int64_t{128} << 10;   // two fields above L1 + a bit of L2
constexpr int64_t streaming_min_bytes = int64_t{64} << 20;  // two fields well above a typical L3
}  // namespace

KernelPath choose_path(int64_t nx, int64_t ny, int64_t nsteps, int threads) {
    const int64_t two_fields_bytes = 2 * nx * ny * static_cast<int64_t>(sizeof(double));
    if (nsteps >= 2 && (threads > 1 || two_fields_bytes > blocked_min_bytes)) return KernelPath::blocked;
    if (two_fields_bytes > streaming_min_bytes) return KernelPath::streaming;
    return KernelPath::plain;
}

Blocking default_blocking(int64_t nx, int64_t ny) {
    const int64_t two_fields_bytes = 2 * nx * ny * static_cast<int64_t>(sizeof(double));
    return two_fields_bytes > streaming_min_bytes ? Blocking{8, 128} : Blocking{6, 256};
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

namespace {
KernelPath path_from_environment() {
    const char *value = std::getenv("HPCFFI_HEAT_KERNEL");
    if (value == nullptr) return KernelPath::automatic;
    const std::string name(value);
    if (name == "plain") return KernelPath::plain;
    if (name == "streaming") return KernelPath::streaming;
    if (name == "blocked") return KernelPath::blocked;
    return KernelPath::automatic;
}

}  // namespace

int setting_from_environment(const char *name, long low, long high) {
    const char *value = std::getenv(name);
    if (value == nullptr) return 0;
    const long v = std::strtol(value, nullptr, 10);
    return v >= low && v <= high ? static_cast<int>(v) : 0;
}

void evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                  int threads) {
    if (nsteps <= 0) return;
    evolve_steps_with(path_from_environment(), field, scratch, nx, ny, c, nsteps, threads,
                      setting_from_environment("HPCFFI_HEAT_BLOCK_DEPTH", 2, 64),
                      setting_from_environment("HPCFFI_HEAT_STRIP_WIDTH", 1, 65536));
}

}  // namespace hpcffi::heat
