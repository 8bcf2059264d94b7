// Every multi-step heat path (plain, streaming, blocked at several depths,
// automatic choice) gives the same bits as the lesson's step-by-step kernel,
// for any shape, step count and thread count. Paths are forced through the
// documented environment variables HPCFFI_HEAT_KERNEL and
// HPCFFI_HEAT_BLOCK_DEPTH, which hpcffi_heat_evolve_steps reads at every call.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "hpcffi/hpcffi.h"

#include "heat_test_support.hpp"

namespace {
using namespace heat_test;

// The reference: nsteps calls of the lesson's single-step API on one thread.
std::vector<double> lesson_steps(int64_t nx, int64_t ny, int64_t nsteps) {
    ScopedThreads one(1);
    std::vector<double> u = initial_field(nx, ny), previous = u;
    const double dt = stable_dt();
    for (int64_t s = 0; s < nsteps; ++s)
        EXPECT_EQ(hpcffi_heat_evolve(u.data(), previous.data(), nx, ny, a, dt, dx2, dy2), HPCFFI_OK);
    return u;
}

struct PathSetting {
    const char *kernel;         // HPCFFI_HEAT_KERNEL, nullptr: unset (automatic)
    const char *depth;          // HPCFFI_HEAT_BLOCK_DEPTH, nullptr: unset
    const char *strip_width;    // HPCFFI_HEAT_STRIP_WIDTH, nullptr: unset
};

std::optional<std::string> env_value(const char *v) { return v ? std::optional<std::string>(v) : std::nullopt; }

std::string describe(const PathSetting &p) {
    return std::string(p.kernel ? p.kernel : "auto") + (p.depth ? std::string(" depth ") + p.depth : "") +
           (p.strip_width ? std::string(" strip ") + p.strip_width : "");
}

std::vector<double> evolve_with(const PathSetting &path, int threads, int64_t nx, int64_t ny, int64_t nsteps,
                                bool caller_scratch) {
    ScopedEnv kernel("HPCFFI_HEAT_KERNEL", env_value(path.kernel));
    ScopedEnv depth("HPCFFI_HEAT_BLOCK_DEPTH", env_value(path.depth));
    ScopedEnv strip("HPCFFI_HEAT_STRIP_WIDTH", env_value(path.strip_width));
    ScopedThreads team(threads);
    std::vector<double> u = initial_field(nx, ny);
    std::vector<double> scratch(caller_scratch ? u.size() : 0, -1.0);
    EXPECT_EQ(hpcffi_heat_evolve_steps(u.data(), caller_scratch ? scratch.data() : nullptr, nx, ny, a, stable_dt(),
                                       dx2, dy2, nsteps),
              HPCFFI_OK)
        << hpcffi_last_error();
    return u;
}

// Small strips (1, 7, 13 columns) put strip edges, widened halos and the
// boundary columns in every possible relation.
const PathSetting all_paths[] = {
    {"plain", nullptr, nullptr},   {"streaming", nullptr, nullptr}, {"blocked", nullptr, nullptr},
    {"blocked", "2", nullptr},     {"blocked", "3", "7"},           {"blocked", "5", "1"},
    {"blocked", "16", "13"},       {"blocked", "8", "1000"},        {nullptr, nullptr, nullptr},
};

struct Shape {
    int64_t nx, ny;
};

void expect_all_paths_identical(Shape shape, std::initializer_list<int64_t> step_counts,
                                std::initializer_list<int> thread_counts) {
    for (int64_t nsteps : step_counts) {
        const std::vector<double> expected = lesson_steps(shape.nx, shape.ny, nsteps);
        for (const PathSetting &path : all_paths) {
            // One-column strips are slow on large fields and add no new case there.
            const bool one_column = path.strip_width && std::string(path.strip_width) == "1";
            if (one_column && shape.nx * shape.ny > 100000) continue;
            for (int threads : thread_counts)
                for (bool caller_scratch : {false, true}) {
                    if (caller_scratch && threads != thread_counts.begin()[0]) continue;
                    const std::vector<double> got = evolve_with(path, threads, shape.nx, shape.ny, nsteps, caller_scratch);
                    ASSERT_EQ(got.size(), expected.size());
                    EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(double)), 0)
                        << shape.nx << "x" << shape.ny << ", " << nsteps << " steps, " << threads << " threads, "
                        << describe(path) << (caller_scratch ? ", caller scratch" : ", library scratch");
                }
        }
    }
}

}  // namespace

TEST(HeatPaths, TinyAndThinFieldsMatchTheLessonKernel) {
    for (Shape shape : {Shape{3, 3}, Shape{3, 40}, Shape{40, 3}, Shape{4, 4}, Shape{5, 9}, Shape{9, 5}})
        expect_all_paths_identical(shape, {1, 2, 3, 7, 8, 9, 17}, {1, 2, 3, 5});
}

TEST(HeatPaths, OddFieldsMatchTheLessonKernel) {
    for (Shape shape : {Shape{1001, 777}, Shape{37, 1030}, Shape{530, 261}, Shape{3, 1025}, Shape{1025, 3}})
        expect_all_paths_identical(shape, {1, 2, 5, 8, 19}, {1, 2, 3});
}

TEST(HeatPaths, SquareFieldsMatchTheLessonKernel) {
    for (Shape shape : {Shape{200, 200}, Shape{256, 512}})
        expect_all_paths_identical(shape, {4, 16, 33}, {1, 2});
}

TEST(HeatPaths, ZeroStepsLeaveTheFieldUnchanged) {
    for (const PathSetting &path : all_paths) {
        const std::vector<double> got = evolve_with(path, 2, 17, 23, 0, false);
        const std::vector<double> initial = initial_field(17, 23);
        EXPECT_EQ(std::memcmp(got.data(), initial.data(), got.size() * sizeof(double)), 0) << describe(path);
    }
}

TEST(HeatPaths, UnknownPathNameFallsBackToAutomatic) {
    const std::vector<double> expected = lesson_steps(64, 48, 6);
    const std::vector<double> got = evolve_with({"no-such-path", "1", "-5"}, 2, 64, 48, 6, false);
    EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(double)), 0);
}
