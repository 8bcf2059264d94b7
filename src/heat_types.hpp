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

// The update with the coefficients folded, 7 floating-point operations per
// point instead of the lesson's 10 (and no division):
//   u' = centre * u + cx * (u_up + u_down) + cy * (u_left + u_right)
// with cx = a*dt/dx2, cy = a*dt/dy2, centre = 1 - 2*cx - 2*cy: the same
// scheme as u + a*dt*((u_down - 2u + u_up)/dx2 + (u_right - 2u + u_left)/dy2),
// rounded differently (a few ulps; the NumPy and pure-Python references in
// python/hpcffi/reference.py keep the lesson's form and agree to ~1e-14).
// Every path of every ISA variant evaluates exactly this expression in this
// order, so they all agree bit for bit.
struct Coefficients {
    double centre;  // 1 - 2*cx - 2*cy
    double cx;      // a*dt/dx2: weight of the rows above and below
    double cy;      // a*dt/dy2: weight of the columns left and right
};

inline Coefficients make_coefficients(double a, double dt, double dx2, double dy2) {
    const double cx = a * dt / dx2, cy = a * dt / dy2;
    return {1.0 - 2.0 * cx - 2.0 * cy, cx, cy};
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
// What the blocked path runs with for requested depth and strip (0: its
// defaults) on `threads` threads (heat_tuning.cpp).
Blocking effective_blocking(int64_t nx, int64_t ny, int threads, int depth, int strip);
// The widest strip whose rings at this depth fit their cache (heat_tuning.cpp).
int strip_for_depth(int depth);
// Rows per level in the blocked path's rings: the wavefront computes rows in
// pairs (i, i+1), from rows i-1 .. i+2 of the level below (heat_blocked.cpp).
constexpr int64_t ring_rows_per_level = 4;

// cpu0's data cache sizes in bytes, read once (heat_tuning.cpp).
struct CacheSizes {
    int64_t l1d, l2, l3;
};
const CacheSizes &cache_sizes();
// The deepest halo the MPI field prepares for (its ghost frame).
constexpr int max_halo_depth = 32;

// An integer tuning setting from the environment, in [low, high]; 0 (the
// default) when unset or not a number in range.
int setting_from_environment(const char *name, long low, long high);

// HPCFFI_HEAT_KERNEL = auto | plain | streaming | blocked (else automatic).
KernelPath path_from_environment();

}  // namespace hpcffi::heat
