// heat_tuning.cpp -- which multi-step path and which blocking parameters a
// problem gets, and the environment settings that override them. Compiled
// once (not per ISA variant): nothing here is arithmetic on the field.
#include <cstdlib>
#include <string>

#include "heat_types.hpp"

namespace hpcffi::heat {

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

KernelPath path_from_environment() {
    const char *value = std::getenv("HPCFFI_HEAT_KERNEL");
    if (value == nullptr) return KernelPath::automatic;
    const std::string name(value);
    if (name == "plain") return KernelPath::plain;
    if (name == "streaming") return KernelPath::streaming;
    if (name == "blocked") return KernelPath::blocked;
    return KernelPath::automatic;
}

int setting_from_environment(const char *name, long low, long high) {
    const char *value = std::getenv(name);
    if (value == nullptr) return 0;
    const long v = std::strtol(value, nullptr, 10);
    return v >= low && v <= high ? static_cast<int>(v) : 0;
}

}  // namespace hpcffi::heat
