// heat_abi.cpp -- the C ABI of the serial heat kernels: checks, then kernels.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "heat_isa.hpp"
#include "heat_params.hpp"
#include "status.hpp"
#include "threads.hpp"

using hpcffi::guarded;
using hpcffi::require_non_null;
namespace heat = hpcffi::heat;

namespace {
struct FreeDeleter {
    void operator()(double *p) const noexcept { std::free(p); }
};

// A scratch field of n doubles, uninitialised (the kernel's first touch places
// the pages), that starts at the same offset within a 64-byte cache line as
// `like`. The kernels align their vector loops to the rows they write; when
// the two buffers a step alternates between share that offset, the rows they
// read are aligned like the rows written. NumPy arrays start 16, 32 or 48
// bytes into a line as often as not: beside such a field, the 64-byte aligned
// scratch this used to allocate ran at 0.79-0.84 of the rate (200x200, 1
// thread, plain path; Intel Xeon VM, 2026-12-06, bench/field_layout.py).
struct Scratch {
    std::unique_ptr<double, FreeDeleter> storage;
    double *data = nullptr;
};
Scratch allocate_scratch_like(const double *like, int64_t n) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(like);
    const size_t shift = address % sizeof(double) == 0 ? address % 64 / sizeof(double) : 0;
    const size_t bytes = ((static_cast<size_t>(n) + shift) * sizeof(double) + 63) / 64 * 64;
    auto *p = static_cast<double *>(std::aligned_alloc(64, bytes));
    if (p == nullptr) throw std::bad_alloc();
    return {std::unique_ptr<double, FreeDeleter>(p), p + shift};
}
}  // namespace

extern "C" int hpcffi_heat_max_stable_dt(double a, double dx2, double dy2, double *dt) {
    return guarded(__func__, [&] {
        require_non_null(dt, "dt");
        heat::check_coefficients(a, dx2, dy2);
        *dt = heat::max_stable_dt(a, dx2, dy2);
    });
}

extern "C" int hpcffi_heat_evolve(double *u, double *u_previous, int64_t nx, int64_t ny, double a, double dt,
                                  double dx2, double dy2) {
    return guarded(__func__, [&] {
        require_non_null(u, "u");
        require_non_null(u_previous, "u_previous");
        heat::check_shape(nx, ny);
        heat::check_parameters(a, dt, dx2, dy2);
        heat::check_no_overlap(u, u_previous, nx * ny, "u", "u_previous");
        const heat::KernelTable &kernels = heat::kernels();
        const heat::Coefficients c = heat::make_coefficients(a, dt, dx2, dy2);
        const size_t row_bytes = static_cast<size_t>(ny) * sizeof(double);
        const int threads = hpcffi::kernel_threads();
#pragma omp parallel num_threads(threads)
        {
            kernels.step_interior(u, u_previous, nx, ny, c);
            // The lesson memcpy'd u over u_previous; copy the interior back and
            // give u the boundary of u_previous, so both hold the new field.
#pragma omp for schedule(static)
            for (int64_t i = 0; i < nx; ++i) {
                if (i == 0 || i == nx - 1) {
                    std::memcpy(u + i * ny, u_previous + i * ny, row_bytes);
                } else {
                    u[i * ny] = u_previous[i * ny];
                    u[i * ny + ny - 1] = u_previous[i * ny + ny - 1];
                    std::memcpy(u_previous + i * ny + 1, u + i * ny + 1, row_bytes - 2 * sizeof(double));
                }
            }
        }
    });
}

extern "C" int hpcffi_heat_evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, double a, double dt,
                                        double dx2, double dy2, int64_t nsteps) {
    return guarded(__func__, [&] {
        require_non_null(field, "field");
        heat::check_shape(nx, ny);
        heat::check_parameters(a, dt, dx2, dy2);
        if (nsteps < 0) hpcffi::fail(HPCFFI_ERR_INVALID_ARGUMENT, "nsteps must be >= 0, got " + std::to_string(nsteps));
        if (scratch != nullptr) heat::check_no_overlap(field, scratch, nx * ny, "field", "scratch");
        heat::kernels();  // a bad HPCFFI_ISA fails every call, even one of 0 steps
        if (nsteps == 0) return;
        Scratch owned;
        if (scratch == nullptr) {
            owned = allocate_scratch_like(field, nx * ny);
            scratch = owned.data;
        }
        heat::evolve_steps(field, scratch, nx, ny, heat::make_coefficients(a, dt, dx2, dy2), nsteps,
                           hpcffi::kernel_threads());
    });
}

extern "C" int hpcffi_heat_blocking(int64_t nx, int64_t ny, int *depth, int *strip_width) {
    return guarded(__func__, [&] {
        require_non_null(depth, "depth");
        require_non_null(strip_width, "strip_width");
        heat::check_shape(nx, ny);
        const heat::Blocking blocking = heat::default_blocking(nx, ny);
        *depth = blocking.depth;
        *strip_width = blocking.strip;
    });
}

extern "C" int hpcffi_cache_sizes(int64_t *l1d, int64_t *l2, int64_t *l3) {
    return guarded(__func__, [&] {
        require_non_null(l1d, "l1d");
        require_non_null(l2, "l2");
        require_non_null(l3, "l3");
        const heat::CacheSizes &sizes = heat::cache_sizes();
        *l1d = sizes.l1d;
        *l2 = sizes.l2;
        *l3 = sizes.l3;
    });
}

extern "C" int hpcffi_heat_mean(const double *field, int64_t nx, int64_t ny, double *mean) {
    return guarded(__func__, [&] {
        require_non_null(field, "field");
        require_non_null(mean, "mean");
        if (nx < 1 || ny < 1)
            hpcffi::fail(HPCFFI_ERR_INVALID_ARGUMENT,
                         "shape must be positive, got " + std::to_string(nx) + " x " + std::to_string(ny));
        if (nx > INT64_MAX / ny) hpcffi::fail(HPCFFI_ERR_INVALID_ARGUMENT, "nx * ny overflows");
        // Row sums in parallel, then added in row order: the result does not
        // depend on the thread count.
        std::vector<double> row_sums(static_cast<size_t>(nx));
        const int threads = hpcffi::kernel_threads();
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t i = 0; i < nx; ++i) {
            double sum = 0.0;
            for (int64_t j = 0; j < ny; ++j) sum += field[i * ny + j];
            row_sums[static_cast<size_t>(i)] = sum;
        }
        double total = 0.0;
        for (double s : row_sums) total += s;
        *mean = total / static_cast<double>(nx * ny);
    });
}
