// The blocking parameters follow the documented rule in terms of the cache
// sizes, and the cache sizes are those the kernel reports in /sys.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "hpcffi/hpcffi.h"

namespace {

struct Caches {
    int64_t l1d = 0, l2 = 0, l3 = 0;
};

Caches library_caches() {
    Caches c;
    EXPECT_EQ(hpcffi_cache_sizes(&c.l1d, &c.l2, &c.l3), HPCFFI_OK) << hpcffi_last_error();
    return c;
}

// Independent reading of /sys (0 where absent).
int64_t sys_cache(int wanted_level) {
    for (int index = 0; index < 8; ++index) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
        std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
        int level = 0;
        std::string type, size;
        if (!(level_file >> level) || !(type_file >> type) || !(size_file >> size)) continue;
        if (level != wanted_level || type == "Instruction") continue;
        const int64_t value = std::stoll(size);
        const char unit = size.back();
        return value * (unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1);
    }
    return 0;
}

}  // namespace

TEST(HeatTuning, CacheSizesAreTheKernelsView) {
    const Caches c = library_caches();
    EXPECT_GT(c.l1d, 0);
    EXPECT_GE(c.l2, c.l1d);
    EXPECT_GE(c.l3, c.l2);
    if (const int64_t l1d = sys_cache(1)) { EXPECT_EQ(c.l1d, l1d); }
    if (const int64_t l2 = sys_cache(2)) { EXPECT_EQ(c.l2, l2); }
    if (const int64_t l3 = sys_cache(3)) { EXPECT_EQ(c.l3, l3); }
}

TEST(HeatTuning, BlockingFollowsTheCacheRule) {
    const Caches c = library_caches();
    // The shallow regime while two fields fit in 4 L2s (200x200: 640 KB),
    // the deep one beyond (the smallest power-of-two square past 4 L2s).
    int64_t big = 4;
    while (2 * big * big * 8 <= 4 * c.l2) big *= 2;
    struct Regime {
        int64_t n;
        int depth;
        int64_t ring_budget;  // the rings' share of the cache they live in
    };
    for (const Regime r : {Regime{200, 6, c.l1d}, Regime{big, 32, c.l2 / 3}}) {
        int depth = 0, strip = 0;
        ASSERT_EQ(hpcffi_heat_blocking(r.n, r.n, &depth, &strip), HPCFFI_OK) << hpcffi_last_error();
        EXPECT_EQ(depth, r.depth) << r.n;
        EXPECT_EQ(strip % 64, 0) << strip;
        EXPECT_GE(strip, 64);
        // The rings fit the budget, and 64 more columns would not (unless at the floor or the cap).
        const auto ring_bytes = [&](int64_t s) { return (depth - 1) * 4 * (s + 2 * depth) * 8; };
        if (strip > 64) { EXPECT_LE(ring_bytes(strip), r.ring_budget) << r.n; }
        if (strip < 4096) { EXPECT_GT(ring_bytes(strip + 64), r.ring_budget) << r.n; }
    }
}

TEST(HeatTuning, BlockingQueryChecksItsArguments) {
    int depth = -1, strip = -1;
    EXPECT_EQ(hpcffi_heat_blocking(2, 100, &depth, &strip), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(depth, -1);
    EXPECT_EQ(hpcffi_heat_blocking(100, 100, nullptr, &strip), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_heat_blocking(100, 100, &depth, nullptr), HPCFFI_ERR_NULL_POINTER);
    int64_t x = 0;
    EXPECT_EQ(hpcffi_cache_sizes(nullptr, &x, &x), HPCFFI_ERR_NULL_POINTER);
}
