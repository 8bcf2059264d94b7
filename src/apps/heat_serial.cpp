// hpcffi-heat -- the built-in heat problem on one node through the C ABI
// (hpcffi_heat_evolve_steps, OpenMP threads). Prints the mean temperature
// and the figure of merit; see --help.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <hpcffi/hpcffi.h>

#include "driver_common.hpp"

namespace {
int failed(const char *what) {
    std::fprintf(stderr, "hpcffi-heat: %s failed: %s\n", what, hpcffi_last_error());
    return 1;
}
}  // namespace

int main(int argc, char **argv) {
    hpcffi_apps::Options options;
    std::string error;
    switch (hpcffi_apps::parse_options(argc, argv, options, error)) {
        case hpcffi_apps::Parsed::help: std::fputs(hpcffi_apps::usage("hpcffi-heat", false).c_str(), stdout); return 0;
        case hpcffi_apps::Parsed::bad:
            std::fprintf(stderr, "hpcffi-heat: %s\n(try --help)\n", error.c_str());
            return 2;
        case hpcffi_apps::Parsed::run: break;
    }
    if (options.threads > 0 && hpcffi_set_num_threads(options.threads) != HPCFFI_OK) {
        std::fprintf(stderr, "hpcffi-heat: --threads: %s\n", hpcffi_last_error());
        return 2;
    }
    int threads = 1;
    if (hpcffi_get_num_threads(&threads) != HPCFFI_OK) return failed("hpcffi_get_num_threads");

    const int64_t nx = options.nx, ny = options.ny;
    // Both on a cache line boundary (driver_common.hpp), both written here
    // before the clock starts, so the timed run takes no page faults.
    const hpcffi_apps::Field field = hpcffi_apps::allocate_field(nx * ny);
    const hpcffi_apps::Field scratch = hpcffi_apps::allocate_field(nx * ny);
    if (!field || !scratch) {
        std::fprintf(stderr, "hpcffi-heat: cannot allocate two %lld x %lld fields\n", static_cast<long long>(nx),
                     static_cast<long long>(ny));
        return 1;
    }
    for (int64_t i = 0; i < nx; ++i)
        for (int64_t j = 0; j < ny; ++j) field[static_cast<size_t>(i * ny + j)] = hpcffi_apps::initial_value(i, j, nx, ny);
    std::memset(scratch.get(), 0, static_cast<size_t>(nx * ny) * sizeof(double));

    const double dx2 = options.dx * options.dx, dy2 = options.dy * options.dy;
    const auto start = std::chrono::steady_clock::now();
    if (hpcffi_heat_evolve_steps(field.get(), scratch.get(), nx, ny, options.a, options.dt, dx2, dy2,
                                 options.steps) != HPCFFI_OK)
        return failed("hpcffi_heat_evolve_steps");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double mean = 0.0;
    if (hpcffi_heat_mean(field.get(), nx, ny, &mean) != HPCFFI_OK) return failed("hpcffi_heat_mean");

    const char *isa = nullptr;
    if (hpcffi_isa(&isa) != HPCFFI_OK) return failed("hpcffi_isa");

    std::printf("hpcffi-heat %s: %lld x %lld grid, %lld steps, a = %g, dx = %g, dy = %g, dt = %.6g, kernels: %s\n",
                hpcffi_version_string(), static_cast<long long>(nx), static_cast<long long>(ny),
                static_cast<long long>(options.steps), options.a, options.dx, options.dy, options.dt, isa);
    std::printf("threads: %d\n", threads);
    std::printf("mean temperature: %s\n", hpcffi_apps::format_mean(mean).c_str());
    std::printf("time: %.6f s\n", seconds);
    std::printf("figure of merit: %.1f Mpts/s\n",
                seconds > 0.0 ? hpcffi_apps::point_updates(options) / seconds / 1e6 : 0.0);
    return 0;
}
