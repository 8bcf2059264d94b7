// heat_types.hpp -- what every heat file shares, independent of the ISA
// variant a kernel translation unit is compiled for: the coefficients, the
// path and blocking choices, the environment settings.
//
// The kernels themselves (heat_kernel.hpp) are compiled once per ISA variant
// (src/CMakeLists.txt) into separate namespaces; code outside the kernels
// reaches them through heat_isa.hpp, never by including heat_kernel.hpp.
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

// The multi-step implementations (heat_kernel.hpp has what each does).
enum class KernelPath { automatic, plain, streaming, blocked };

// Which path evolve_steps takes for this problem when not forced (see the
// rule in heat_tuning.cpp); never returns automatic.
KernelPath choose_path(int64_t nx, int64_t ny, int64_t nsteps, int threads);

struct Blocking {
    int depth;  // steps per pass
    int strip;  // output columns per strip
};
// The defaults for an nx x ny field (rule in heat_tuning.cpp).
Blocking default_blocking(int64_t nx, int64_t ny);
// The deepest halo the MPI field prepares for (its ghost frame).
constexpr int max_halo_depth = 16;

// An integer tuning setting from the environment, in [low, high]; 0 (the
// default) when unset or not a number in range.
int setting_from_environment(const char *name, long low, long high);

// HPCFFI_HEAT_KERNEL = auto | plain | streaming | blocked (else automatic).
KernelPath path_from_environment();

}  // namespace hpcffi::heat
