// Every ISA variant of the kernels that this build compiled and this CPU
// runs (hpcffi_isa_available) gives the same bits as the baseline variant
// (or the only one), on every path and thread count: the lesson's single
// step, plain, streaming and blocked. Variants are switched in one process
// through HPCFFI_ISA, which the kernels read at every call. Bad values of
// HPCFFI_ISA fail every kernel call with a message naming the variable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "hpcffi/hpcffi.h"

#include "heat_test_support.hpp"

namespace {
using namespace heat_test;

// Best first on an Intel CPU (heat_isa.cpp); elsewhere avx512 ranks before
// avx512_intel (best_first_here).
const char *const known_variants[] = {"native", "avx512_intel", "avx512", "avx2", "baseline", "generic"};

bool cpu_is_intel() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return __builtin_cpu_is("intel");
#else
    return false;
#endif
}

std::vector<std::string> available_variants() {
    std::vector<std::string> names;
    for (const char *name : known_variants) {
        int available = -1;
        EXPECT_EQ(hpcffi_isa_available(name, &available), HPCFFI_OK) << hpcffi_last_error();
        if (available == 1) names.emplace_back(name);
    }
    return names;
}

// The available variants in the order the library ranks them on this CPU.
std::vector<std::string> best_first_here() {
    std::vector<std::string> names = available_variants();
    const auto intel = std::find(names.begin(), names.end(), "avx512_intel");
    if (!cpu_is_intel() && intel != names.end() && intel + 1 != names.end() && intel[1] == "avx512")
        std::iter_swap(intel, intel + 1);
    return names;
}

std::string current_isa() {
    const char *name = nullptr;
    EXPECT_EQ(hpcffi_isa(&name), HPCFFI_OK) << hpcffi_last_error();
    return name ? name : "";
}

struct KernelRun {
    const char *kernel;  // HPCFFI_HEAT_KERNEL; "lesson": hpcffi_heat_evolve step by step
    int threads;
};

// n doubles starting `offset` doubles (0..7) past a 64-byte boundary: the
// kernels align their vector loops to cache lines, so every offset takes
// another split between a row's edges and its aligned body.
class OffsetBuffer {
public:
    OffsetBuffer(size_t n, size_t offset) : storage_(n + 16) {
        const auto address = reinterpret_cast<uintptr_t>(storage_.data());
        data_ = storage_.data() + ((64 - address % 64) % 64) / sizeof(double) + offset;
    }
    double *data() const { return data_; }

private:
    std::vector<double> storage_;
    double *data_;
};

// nsteps steps of r on the test field, which lives `offset` doubles past a
// cache line start (the caller's scratch, when given, at `scratch_offset`).
std::vector<double> run(const KernelRun &r, int64_t nx, int64_t ny, int64_t nsteps, size_t offset = 0,
                        int scratch_offset = -1) {
    ScopedThreads team(r.threads);
    const std::vector<double> initial = initial_field(nx, ny);
    const OffsetBuffer u(initial.size(), offset);
    const OffsetBuffer other(initial.size(), scratch_offset < 0 ? 0 : static_cast<size_t>(scratch_offset));
    std::memcpy(u.data(), initial.data(), initial.size() * sizeof(double));
    const double dt = stable_dt();
    if (std::string(r.kernel) == "lesson") {
        std::memcpy(other.data(), initial.data(), initial.size() * sizeof(double));
        for (int64_t s = 0; s < nsteps; ++s)
            EXPECT_EQ(hpcffi_heat_evolve(u.data(), other.data(), nx, ny, a, dt, dx2, dy2), HPCFFI_OK)
                << hpcffi_last_error();
    } else {
        ScopedEnv kernel("HPCFFI_HEAT_KERNEL", std::string(r.kernel));
        double *scratch = scratch_offset < 0 ? nullptr : other.data();
        EXPECT_EQ(hpcffi_heat_evolve_steps(u.data(), scratch, nx, ny, a, dt, dx2, dy2, nsteps), HPCFFI_OK)
            << hpcffi_last_error();
    }
    return std::vector<double>(u.data(), u.data() + initial.size());
}

}  // namespace

TEST(HeatIsa, DefaultIsTheBestAvailableVariant) {
    ScopedEnv unset("HPCFFI_ISA", std::nullopt);
    const std::vector<std::string> names = best_first_here();
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(current_isa(), names.front());
    ScopedEnv automatic("HPCFFI_ISA", std::string("auto"));
    EXPECT_EQ(current_isa(), names.front());
}

// Whether src/CMakeLists.txt compiled the variant into this build.
bool compiled(const std::string &name) {
    return ("," + std::string(HPCFFI_TEST_COMPILED_VARIANTS) + ",").find("," + name + ",") != std::string::npos;
}

TEST(HeatIsa, EveryCompiledVariantIsKnownAndAvailableWhereTheCpuRunsIt) {
    for (const char *name : known_variants) {
        int available = -1;
        ASSERT_EQ(hpcffi_isa_available(name, &available), HPCFFI_OK);
        if (!compiled(name)) {
            EXPECT_EQ(available, 0) << name << " is not compiled into this build";
        }
    }
    // baseline, native and generic run on every CPU their build runs on;
    // avx2 on every CPU that runs avx512.
    int v4 = -1;
    ASSERT_EQ(hpcffi_isa_available("avx512", &v4), HPCFFI_OK);
    std::vector<std::string> must_run = {"baseline", "native", "generic"};
    if (v4 == 1) must_run.emplace_back("avx2");
    for (const std::string &name : must_run) {
        int available = -1;
        ASSERT_EQ(hpcffi_isa_available(name.c_str(), &available), HPCFFI_OK);
        if (compiled(name)) {
            EXPECT_EQ(available, 1) << name << " is compiled in";
        }
    }
}

TEST(HeatIsa, BothAvx512VariantsRunWhereEitherDoes) {
    // They differ in scheduling only (-mtune), so a CPU that runs one runs
    // the other (the compiler may lack -mtune=sapphirerapids: then only avx512).
    if (!compiled("avx512") || !compiled("avx512_intel")) GTEST_SKIP() << "built without both AVX-512 variants";
    int generic = -1, intel = -1;
    ASSERT_EQ(hpcffi_isa_available("avx512", &generic), HPCFFI_OK);
    ASSERT_EQ(hpcffi_isa_available("avx512_intel", &intel), HPCFFI_OK);
    EXPECT_EQ(generic, intel);
    if (generic == 1) {
        ScopedEnv unset("HPCFFI_ISA", std::nullopt);
        EXPECT_EQ(current_isa(), cpu_is_intel() ? "avx512_intel" : "avx512");
    }
}

TEST(HeatIsa, OverrideSelectsTheVariant) {
    for (const std::string &name : available_variants()) {
        ScopedEnv isa("HPCFFI_ISA", name);
        EXPECT_EQ(current_isa(), name);
    }
}

TEST(HeatIsa, EveryVariantGivesTheSameBitsOnEveryPath) {
    const std::vector<std::string> names = available_variants();
    // Widths 8k+1..8k+7 leave every vector remainder length; odd heights
    // split unevenly over threads.
    struct Shape {
        int64_t nx, ny, nsteps;
    };
    const KernelRun runs[] = {{"lesson", 1}, {"plain", 1}, {"plain", 2},     {"streaming", 1},
                        {"streaming", 2}, {"blocked", 1}, {"blocked", 2}};
    for (Shape s : {Shape{37, 45, 9}, Shape{130, 203, 17}, Shape{5, 1031, 6}}) {
        std::vector<double> reference;
        {
            ScopedEnv isa("HPCFFI_ISA", names.back());  // the plainest variant compiled
            reference = run({"lesson", 1}, s.nx, s.ny, s.nsteps);
        }
        for (const std::string &name : names) {
            ScopedEnv isa("HPCFFI_ISA", name);
            for (const KernelRun &r : runs) {
                const std::vector<double> got = run(r, s.nx, s.ny, s.nsteps);
                ASSERT_EQ(got.size(), reference.size());
                EXPECT_EQ(std::memcmp(got.data(), reference.data(), got.size() * sizeof(double)), 0)
                    << name << ", " << r.kernel << ", " << r.threads << " threads, " << s.nx << "x" << s.ny << ", "
                    << s.nsteps << " steps";
            }
        }
    }
}

TEST(HeatIsa, EveryVariantGivesTheSameBitsAtEveryAlignment) {
    // Rows shorter than one line, one line and a bit, and rows a multiple of
    // 8 doubles apart (all aligned alike) or not; the field at every offset
    // from a cache line, the caller's scratch at another one.
    const std::vector<std::string> names = available_variants();
    const KernelRun runs[] = {{"lesson", 1}, {"plain", 1}, {"streaming", 1}, {"blocked", 1}, {"blocked", 2}};
    for (int64_t ny : {3, 6, 10, 16, 27, 40}) {
        const int64_t nx = 11, nsteps = 5;
        for (size_t offset = 0; offset < 8; ++offset) {
            std::vector<double> reference;
            {
                ScopedEnv isa("HPCFFI_ISA", names.back());  // the plainest variant compiled
                reference = run({"lesson", 1}, nx, ny, nsteps, offset);
            }
            for (const std::string &name : names) {
                ScopedEnv isa("HPCFFI_ISA", name);
                for (const KernelRun &r : runs) {
                    const int scratch_offset = static_cast<int>((offset * 3 + 1) % 8);
                    const std::vector<double> got = run(r, nx, ny, nsteps, offset, scratch_offset);
                    EXPECT_EQ(std::memcmp(got.data(), reference.data(), got.size() * sizeof(double)), 0)
                        << name << ", " << r.kernel << ", " << r.threads << " threads, " << nx << "x" << ny
                        << ", field at offset " << offset << ", scratch at " << scratch_offset;
                }
            }
        }
    }
}

TEST(HeatIsa, UnknownVariantFailsEveryKernelCall) {
    ScopedEnv isa("HPCFFI_ISA", std::string("avx1024"));
    const char *name = nullptr;
    EXPECT_EQ(hpcffi_isa(&name), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(name, nullptr);
    EXPECT_NE(std::string(hpcffi_last_error()).find("HPCFFI_ISA=avx1024"), std::string::npos) << hpcffi_last_error();
    std::vector<double> u = initial_field(8, 8), previous = u;
    const std::vector<double> before = u;
    EXPECT_EQ(hpcffi_heat_evolve_steps(u.data(), nullptr, 8, 8, a, stable_dt(), dx2, dy2, 3),
              HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_heat_evolve_steps(u.data(), nullptr, 8, 8, a, stable_dt(), dx2, dy2, 0),
              HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_heat_evolve(u.data(), previous.data(), 8, 8, a, stable_dt(), dx2, dy2),
              HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(u, before);  // nothing computed
}

TEST(HeatIsa, VariantNotInThisBuildOrCpuIsUnsupported) {
    for (const char *name : known_variants) {
        int available = -1;
        ASSERT_EQ(hpcffi_isa_available(name, &available), HPCFFI_OK);
        if (available == 1) continue;
        ScopedEnv isa("HPCFFI_ISA", std::string(name));
        const char *current = nullptr;
        EXPECT_EQ(hpcffi_isa(&current), HPCFFI_ERR_UNSUPPORTED) << name;
        EXPECT_NE(std::string(hpcffi_last_error()).find(name), std::string::npos) << hpcffi_last_error();
        std::vector<double> u = initial_field(8, 8);
        EXPECT_EQ(hpcffi_heat_evolve_steps(u.data(), nullptr, 8, 8, a, stable_dt(), dx2, dy2, 2),
                  HPCFFI_ERR_UNSUPPORTED);
    }
}

TEST(HeatIsa, AvailabilityQueryChecksItsArguments) {
    int available = -1;
    EXPECT_EQ(hpcffi_isa_available("sse5", &available), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(available, -1);
    EXPECT_EQ(hpcffi_isa_available(nullptr, &available), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_isa_available("baseline", nullptr), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_isa(nullptr), HPCFFI_ERR_NULL_POINTER);
}
