// heat_tuning.cpp -- which multi-step path and which blocking parameters a
// problem gets, and the environment settings that override them. Compiled
// once (not per ISA variant): nothing here is arithmetic on the field.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include "heat_types.hpp"

namespace hpcffi::heat {

namespace {

// Sizes of cpu0's caches in bytes: the kernel's view first
// (/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}, what lscpu
// shows), then sysconf, then typical values. (On the VM this was tuned on,
// glibc's sysconf reported 384 MiB of L3 where /sys and lscpu said 32 MiB.)
CacheSizes read_cache_sizes() {
    CacheSizes sizes{0, 0, 0};
    for (int index = 0; index < 8; ++index) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
        std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
        int level = 0;
        std::string type, size;
        if (!(level_file >> level) || !(type_file >> type) || !(size_file >> size)) continue;
        if (type == "Instruction") continue;
        char *end = nullptr;
        const long long value = std::strtoll(size.c_str(), &end, 10);
        if (value <= 0) continue;
        const int64_t bytes = value * (*end == 'K' ? 1024 : *end == 'M' ? 1024 * 1024 : *end == 'G' ? 1 << 30 : 1);
        if (level == 1) sizes.l1d = bytes;
        if (level == 2) sizes.l2 = bytes;
        if (level == 3) sizes.l3 = bytes;
    }
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
    if (sizes.l1d <= 0) sizes.l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    if (sizes.l2 <= 0) sizes.l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (sizes.l3 <= 0) sizes.l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    if (sizes.l1d <= 0) sizes.l1d = 32 << 10;
    if (sizes.l2 <= 0) sizes.l2 = 1 << 20;
    if (sizes.l3 <= 0) sizes.l3 = sizes.l2;  // no L3: the L2 is the last level
    return sizes;
}

int64_t two_fields_bytes(int64_t nx, int64_t ny) { return 2 * nx * ny * static_cast<int64_t>(sizeof(double)); }

// A field pair this large makes every pass (blocked) or sweep (plain) a
// trip to DRAM.
bool beyond_cache(int64_t nx, int64_t ny) { return two_fields_bytes(nx, ny) > 2 * cache_sizes().l3; }

}  // namespace

const CacheSizes &cache_sizes() {
    static const CacheSizes sizes = read_cache_sizes();  // read once, at the first kernel call
    return sizes;
}

// The dispatch rule and the blocking parameters. The rule is written in
// terms of cpu0's cache sizes (cache_sizes()), so that another cache
// hierarchy gets parameters of its own; the constants in it reproduce the
// choices `heat_bench --tune` measured best (bench/heat_bench/; depth
// 2-64 x strip 128-2048 at 200^2 to 8192^2, 1 and 2 threads) on 2-core VMs
// with 48 KiB of L1d per core: an Intel Xeon (2 MiB L2, 260 or 480 MiB L3)
// and an AMD EPYC (1 MiB L2, 32 MiB L3); docs/performance.md has the tables.
//  - 2 or more steps on 2 or more threads: blocked, from 20x20 up (one
//    barrier per pass instead of one per step).
//  - 2 or more steps on 1 thread once the two fields exceed the L2 (2 MiB:
//    about 360x360): blocked. Below, plain, whose sweeps run from the L2 at
//    the same speed (on the Xeon with 2 MiB of L2, plain over blocked:
//    1.01x at 200x200, 1.01x at 300x300, 0.74x at 400x400).
//  - A single step on fields beyond the cache (two fields > 2 x L3):
//    streaming, since non-temporal stores save the write-allocate read
//    (24 -> 16 B/point).
//  - Two regimes of blocking depth and strip width (the wavefront keeps
//    depth-1 levels x 4 rows x (strip + 2 x depth) doubles in its rings):
//    * shallow (depth 6) while the two fields fit in 4 L2s (8 MiB with
//      2 MiB of L2, about 700x700): every pass reads its input from a
//      cache, so deeper passes save little and the rings should live in L1.
//      Strip: the widest multiple of 64 columns whose rings fit the L1d:
//      256 columns with 48 KiB (at 200x200 on 2 threads 1.15x the 192 that
//      2/3 of the L1d would give: a second strip costs more than the L1
//      misses).
//    * deep (depth 32) beyond: every pass is a trip to memory (the VMs'
//      L3s, shared with other guests, behave like memory), so a pass should
//      carry as many steps as the rings allow while they stay in L2 (at most
//      a third of it): 640 columns with 2 MiB, 256 with 1 MiB. On the
//      480 MiB-L3 Xeon at 8192^2 on 2 threads: 5,511-5,701 Mpts/s against
//      4,729-4,778 at 1344 columns (rings of 2/3 of the L2) and 4,385 for
//      depth 16 at 256; at 1000^2 deep 5,649 against shallow 5,133.
KernelPath choose_path(int64_t nx, int64_t ny, int64_t nsteps, int threads) {
    if (nsteps >= 2 && (threads > 1 || two_fields_bytes(nx, ny) > cache_sizes().l2)) return KernelPath::blocked;
    if (beyond_cache(nx, ny)) return KernelPath::streaming;
    return KernelPath::plain;
}

namespace {
constexpr int shallow_depth = 6, deep_depth = 32;
}

int strip_for_depth(int depth) {
    constexpr int64_t columns_multiple = 64;
    // Depths beyond the shallow regime's keep their rings in L2 (see above).
    const int64_t ring_budget_bytes = depth > shallow_depth + 2 ? cache_sizes().l2 / 3 : cache_sizes().l1d;
    const int64_t ring_budget_doubles = ring_budget_bytes / static_cast<int64_t>(sizeof(double));
    const int64_t ring_levels = depth > 1 ? depth - 1 : 1;  // depth 1 has no rings: any strip fits
    const int64_t fitting = ring_budget_doubles / (ring_rows_per_level * ring_levels) - 2 * depth;
    const int64_t strip = fitting / columns_multiple * columns_multiple;
    return static_cast<int>(strip < columns_multiple ? columns_multiple : strip > 4096 ? 4096 : strip);
}

Blocking default_blocking(int64_t nx, int64_t ny) {
    const int depth = two_fields_bytes(nx, ny) > 4 * cache_sizes().l2 ? deep_depth : shallow_depth;
    return {depth, strip_for_depth(depth)};
}

Blocking effective_blocking(int64_t nx, int64_t ny, int threads, int depth, int strip) {
    // Each thread recomputes depth-1 rows beyond its band: keep that under an
    // eighth of the band (many threads on a small field).
    const int64_t band_rows = std::max<int64_t>(nx - 2, 0) / std::max(threads, 1);
    const int64_t max_depth =
        depth >= 2 ? depth : std::min<int64_t>(std::max<int64_t>(band_rows / 8, 2), default_blocking(nx, ny).depth);
    return {static_cast<int>(max_depth), strip >= 1 ? strip : strip_for_depth(static_cast<int>(max_depth))};
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
