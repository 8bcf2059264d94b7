// heat_runs.cpp -- see heat_runs.hpp.
#include "heat_runs.hpp"

#include <cstdlib>
#include <cstring>

#include <hpcffi/hpcffi.h>

namespace heat_bench {
namespace {

// The lesson's C kernel, as the course wrote it but with the row index fixed
// (the lesson used nx as the row stride): a division per term inside the
// loop, then a memcpy of the whole field every step. Serial.
void lesson_evolve(double *u, double *u_previous, int nx, int ny, double a, double dt, double dx2, double dy2) {
    for (int i = 1; i < nx - 1; i++) {
        for (int j = 1; j < ny - 1; j++) {
            int ij = i * ny + j;
            int ip = (i + 1) * ny + j;
            int im = (i - 1) * ny + j;
            int jp = i * ny + j + 1;
            int jm = i * ny + j - 1;
            u[ij] = u_previous[ij] +
                    a * dt *
                        ((u_previous[ip] - 2 * u_previous[ij] + u_previous[im]) / dx2 +
                         (u_previous[jp] - 2 * u_previous[ij] + u_previous[jm]) / dy2);
        }
    }
    memcpy(u_previous, u, nx * ny * sizeof(double));
}

// A plain C++ OpenMP loop, the way a user would write it (the baseline
// column "plain C++ OpenMP loop" of the performance issue): the lesson's
// expression with its divisions, one `omp parallel for` per step, buffers
// swapped instead of copied. Returns the buffer holding the result.
double *openmp_loop_evolve(double *u, double *u_previous, int64_t nx, int64_t ny, double a, double dt, double dx2,
                           double dy2, int64_t steps, int threads) {
    for (int64_t step = 0; step < steps; ++step) {
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t i = 1; i < nx - 1; ++i)
            for (int64_t j = 1; j < ny - 1; ++j) {
                const int64_t ij = i * ny + j;
                u[ij] = u_previous[ij] + a * dt *
                                             ((u_previous[ij + ny] - 2 * u_previous[ij] + u_previous[ij - ny]) / dx2 +
                                              (u_previous[ij + 1] - 2 * u_previous[ij] + u_previous[ij - 1]) / dy2);
            }
        std::swap(u, u_previous);
    }
    return u_previous;
}

// "blocked-d<depth>" and "blocked-d<depth>-w<strip>" are tuning variants.
void set_path(const std::string &name) {
    unsetenv("HPCFFI_HEAT_STRIP_WIDTH");
    if (name.rfind("blocked-d", 0) == 0) {
        setenv("HPCFFI_HEAT_KERNEL", "blocked", 1);
        const size_t w = name.find("-w");
        setenv("HPCFFI_HEAT_BLOCK_DEPTH", name.substr(9, w == std::string::npos ? std::string::npos : w - 9).c_str(), 1);
        if (w != std::string::npos) setenv("HPCFFI_HEAT_STRIP_WIDTH", name.substr(w + 2).c_str(), 1);
    } else {
        unsetenv("HPCFFI_HEAT_BLOCK_DEPTH");
        if (name == "auto")
            unsetenv("HPCFFI_HEAT_KERNEL");
        else
            setenv("HPCFFI_HEAT_KERNEL", name.c_str(), 1);
    }
}

}  // namespace

void initial_field(double *u, int64_t nx, int64_t ny) {
    for (int64_t i = 0; i < nx; ++i)
        for (int64_t j = 0; j < ny; ++j) {
            const double x = (i - nx / 2.0) / nx, y = (j - ny / 2.0) / ny;
            double v = x * x + y * y < 0.09 ? 65.0 : 5.0;
            if (i == 0 || j == 0) v = 85.0;
            u[i * ny + j] = v;
        }
}

double run_heat(HeatSize &s, const HeatConfig &cfg, int64_t steps, double dt) {
    const size_t bytes = static_cast<size_t>(s.nx * s.ny) * sizeof(double);
    std::memcpy(s.field.get(), s.initial.get(), bytes);
    check(hpcffi_set_num_threads(cfg.threads), "hpcffi_set_num_threads");
    if (cfg.name == "lesson") {
        std::memcpy(s.scratch.get(), s.initial.get(), bytes);
        const double t0 = now();
        for (int64_t k = 0; k < steps; ++k)
            lesson_evolve(s.field.get(), s.scratch.get(), static_cast<int>(s.nx), static_cast<int>(s.ny), heat_a, dt,
                          heat_dx2, heat_dy2);
        return now() - t0;
    }
    if (cfg.name == "openmp_loop") {
        std::memcpy(s.scratch.get(), s.initial.get(), bytes);
        const double t0 = now();
        const double *result = openmp_loop_evolve(s.scratch.get(), s.field.get(), s.nx, s.ny, heat_a, dt, heat_dx2,
                                                  heat_dy2, steps, cfg.threads);
        const double seconds = now() - t0;
        if (result != s.field.get()) std::memcpy(s.field.get(), result, bytes);
        return seconds;
    }
    if (cfg.name == "single_step_api") {
        std::memcpy(s.scratch.get(), s.initial.get(), bytes);
        const double t0 = now();
        for (int64_t k = 0; k < steps; ++k)
            check(hpcffi_heat_evolve(s.field.get(), s.scratch.get(), s.nx, s.ny, heat_a, dt, heat_dx2, heat_dy2),
                  "hpcffi_heat_evolve");
        return now() - t0;
    }
    set_path(cfg.name);
    const double t0 = now();
    check(hpcffi_heat_evolve_steps(s.field.get(), s.scratch.get(), s.nx, s.ny, heat_a, dt, heat_dx2, heat_dy2, steps),
          "hpcffi_heat_evolve_steps");
    return now() - t0;
}

}  // namespace heat_bench
