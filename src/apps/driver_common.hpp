// driver_common.hpp -- what hpcffi-heat and hpcffi-heat-mpi share: options,
// the built-in initial field, the report lines. Uses the public C ABI only.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

namespace hpcffi_apps {

struct Options {
    int64_t nx = 2000;
    int64_t ny = 2000;
    int64_t steps = 500;
    double a = 0.5;      // diffusion constant
    double dx = 0.01;
    double dy = 0.01;
    double dt = 0.0;     // 0: the largest stable time step
    int threads = 0;     // 0: the OpenMP default (OMP_NUM_THREADS)
};

enum class Parsed { run, help, bad };

// Parses argv into options; on Parsed::bad, `error` says what was wrong.
// Also fills in the default dt and rejects an unstable one.
Parsed parse_options(int argc, char **argv, Options &options, std::string &error);
std::string usage(const char *program, bool mpi);

// The built-in problem: a cool square plate (20) with a hot disc (90) in the
// middle, its edges held at 85 (top), 5 (bottom), 20 (left) and 70 (right).
// Value at global point (i, j) of an nx x ny field.
double initial_value(int64_t i, int64_t j, int64_t nx, int64_t ny);

// The reference value, printed the same way by both drivers so their
// outputs can be compared as strings: all 17 significant digits.
std::string format_mean(double mean);

// Interior points updated per run: the figure of merit counts these.
double point_updates(const Options &options);

// n doubles starting on a 64-byte (cache line) boundary, uninitialised; null
// when out of memory. The kernels align their vector loops to the rows they
// write, so fields that start on a line boundary read and write whole lines
// (std::vector's storage starts 16 bytes into a line on glibc:
// bench/field_layout.py measures the difference).
struct FreeDeleter {
    void operator()(double *p) const noexcept { std::free(p); }
};
using Field = std::unique_ptr<double[], FreeDeleter>;
Field allocate_field(int64_t n);

}  // namespace hpcffi_apps
