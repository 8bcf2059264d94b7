// Heat-equation kernels: against an independent reference, lesson semantics,
// thread-count invariance, the lesson's bottle.dat, and every rejected input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hpcffi/hpcffi.h"

namespace {

using Field = std::vector<double>;

Field random_field(int64_t nx, int64_t ny, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> value(0.0, 100.0);
    Field f(static_cast<size_t>(nx * ny));
    for (double &x : f) x = value(rng);
    return f;
}

// The issue's formula written as plainly as possible (divisions, a copy per
// step): independent of the library's reciprocal and pointer-swap tricks.
Field reference_steps(Field u, int64_t nx, int64_t ny, double a, double dt, double dx2, double dy2, int steps) {
    Field next = u;
    for (int s = 0; s < steps; ++s) {
        for (int64_t i = 1; i < nx - 1; ++i)
            for (int64_t j = 1; j < ny - 1; ++j) {
                auto at = [&](int64_t r, int64_t c) { return u[static_cast<size_t>(r * ny + c)]; };
                next[static_cast<size_t>(i * ny + j)] =
                    at(i, j) + a * dt *
                                   ((at(i + 1, j) - 2.0 * at(i, j) + at(i - 1, j)) / dx2 +
                                    (at(i, j + 1) - 2.0 * at(i, j) + at(i, j - 1)) / dy2);
            }
        u = next;
    }
    return u;
}

double max_relative_difference(const Field &x, const Field &y) {
    double scale = 0.0, diff = 0.0;
    for (size_t k = 0; k < x.size(); ++k) {
        scale = std::max(scale, std::abs(y[k]));
        diff = std::max(diff, std::abs(x[k] - y[k]));
    }
    return diff / scale;
}

bool bitwise_equal(const Field &x, const Field &y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
}

double stable_dt(double a, double dx2, double dy2) {
    double dt = 0.0;
    EXPECT_EQ(hpcffi_heat_max_stable_dt(a, dx2, dy2, &dt), HPCFFI_OK);
    return dt;
}

struct Shape {
    int64_t nx, ny;
};
const Shape shapes[] = {{3, 3}, {3, 11}, {11, 3}, {5, 7}, {17, 4}, {64, 64}, {200, 300}, {300, 200}, {101, 77}};

}  // namespace

TEST(Heat, MaxStableDtIsTheLessonFormula) {
    EXPECT_DOUBLE_EQ(stable_dt(0.5, 1e-4, 1e-4), 1e-4 * 1e-4 / (2 * 0.5 * (1e-4 + 1e-4)));
    double dt = 0;
    EXPECT_EQ(hpcffi_heat_max_stable_dt(0.0, 1e-4, 1e-4, &dt), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_heat_max_stable_dt(0.5, 1e-4, 1e-4, nullptr), HPCFFI_ERR_NULL_POINTER);
}

TEST(Heat, MultiStepMatchesIndependentReferenceOnSquareAndNonSquareGrids) {
    const double a = 0.5, dx2 = 0.01 * 0.01, dy2 = 0.02 * 0.02, dt = stable_dt(a, dx2, dy2);
    unsigned seed = 1;
    for (const Shape s : shapes) {
        const Field start = random_field(s.nx, s.ny, seed++);
        Field field = start;
        ASSERT_EQ(hpcffi_heat_evolve_steps(field.data(), nullptr, s.nx, s.ny, a, dt, dx2, dy2, 7), HPCFFI_OK);
        const Field expected = reference_steps(start, s.nx, s.ny, a, dt, dx2, dy2, 7);
        EXPECT_LT(max_relative_difference(field, expected), 1e-13) << s.nx << "x" << s.ny;
        // The fixed boundary never moves.
        for (int64_t j = 0; j < s.ny; ++j) {
            EXPECT_EQ(field[j], start[j]);
            EXPECT_EQ(field[(s.nx - 1) * s.ny + j], start[(s.nx - 1) * s.ny + j]);
        }
    }
}

TEST(Heat, LessonSingleStepLeavesTheNewFieldInBothBuffers) {
    const int64_t nx = 6, ny = 9;
    const double a = 0.5, dx2 = 1e-4, dy2 = 1e-4, dt = stable_dt(a, dx2, dy2);
    const Field start = random_field(nx, ny, 42);
    Field u(start.size(), -1.0), previous = start;  // u starts as garbage
    ASSERT_EQ(hpcffi_heat_evolve(u.data(), previous.data(), nx, ny, a, dt, dx2, dy2), HPCFFI_OK);
    EXPECT_TRUE(bitwise_equal(u, previous));
    Field one_step = start;
    ASSERT_EQ(hpcffi_heat_evolve_steps(one_step.data(), nullptr, nx, ny, a, dt, dx2, dy2, 1), HPCFFI_OK);
    EXPECT_TRUE(bitwise_equal(u, one_step));
}

TEST(Heat, MultiStepIsBitwiseTheSameAsRepeatedSingleSteps) {
    const int64_t nx = 37, ny = 53;
    const double a = 1.0, dx2 = 0.5, dy2 = 0.25, dt = stable_dt(a, dx2, dy2);
    for (int steps : {1, 2, 5, 10}) {
        Field u = random_field(nx, ny, 7), previous = u;
        for (int s = 0; s < steps; ++s)
            ASSERT_EQ(hpcffi_heat_evolve(u.data(), previous.data(), nx, ny, a, dt, dx2, dy2), HPCFFI_OK);
        Field multi = random_field(nx, ny, 7), scratch(multi.size());
        ASSERT_EQ(hpcffi_heat_evolve_steps(multi.data(), scratch.data(), nx, ny, a, dt, dx2, dy2, steps),
                  HPCFFI_OK);
        EXPECT_TRUE(bitwise_equal(multi, u)) << steps << " steps";
    }
}

TEST(Heat, BitwiseIdenticalForEveryThreadCount) {
    if (!hpcffi_has_openmp()) GTEST_SKIP() << "built without OpenMP";
    const double a = 0.5, dx2 = 1e-4, dy2 = 2e-4, dt = stable_dt(a, dx2, dy2);
    for (const Shape s : {Shape{3, 5}, Shape{257, 129}, Shape{1001, 777}}) {
        const Field start = random_field(s.nx, s.ny, 3);
        Field first;
        double first_mean = 0.0;
        for (int threads : {1, 2, 3, 4}) {
            ASSERT_EQ(hpcffi_set_num_threads(threads), HPCFFI_OK);
            Field field = start;
            ASSERT_EQ(hpcffi_heat_evolve_steps(field.data(), nullptr, s.nx, s.ny, a, dt, dx2, dy2, 9), HPCFFI_OK);
            double mean = 0.0;
            ASSERT_EQ(hpcffi_heat_mean(field.data(), s.nx, s.ny, &mean), HPCFFI_OK);
            if (first.empty()) {
                first = field;
                first_mean = mean;
            } else {
                EXPECT_TRUE(bitwise_equal(field, first)) << s.nx << "x" << s.ny << ", " << threads << " threads";
                EXPECT_EQ(mean, first_mean);
            }
        }
    }
    hpcffi_set_num_threads(0);
}

TEST(Heat, MeanOfKnownFields) {
    Field f(12, 2.5);
    double mean = 0.0;
    ASSERT_EQ(hpcffi_heat_mean(f.data(), 3, 4, &mean), HPCFFI_OK);
    EXPECT_EQ(mean, 2.5);
    for (size_t k = 0; k < f.size(); ++k) f[k] = static_cast<double>(k);
    ASSERT_EQ(hpcffi_heat_mean(f.data(), 4, 3, &mean), HPCFFI_OK);
    EXPECT_EQ(mean, 5.5);
    EXPECT_EQ(hpcffi_heat_mean(f.data(), 0, 3, &mean), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_heat_mean(nullptr, 4, 3, &mean), HPCFFI_ERR_NULL_POINTER);
}

TEST(Heat, LessonBottle200StepsMatchesReference) {
    const char *path = std::getenv("HPCFFI_BOTTLE");
    std::ifstream in(path ? path : "");
    if (!in) GTEST_SKIP() << "lesson input bottle.dat not found (HPCFFI_BOTTLE=" << (path ? path : "") << ")";
    std::string hash;
    int64_t nx = 0, ny = 0;
    in >> hash >> nx >> ny;
    ASSERT_EQ(hash, "#");
    ASSERT_EQ(nx, 200);
    ASSERT_EQ(ny, 200);
    Field field(static_cast<size_t>(nx * ny));
    for (double &x : field) ASSERT_TRUE(in >> x);
    const double a = 0.5, dx2 = 0.01 * 0.01, dy2 = 0.01 * 0.01, dt = stable_dt(a, dx2, dy2);
    const Field expected = reference_steps(field, nx, ny, a, dt, dx2, dy2, 200);
    ASSERT_EQ(hpcffi_heat_evolve_steps(field.data(), nullptr, nx, ny, a, dt, dx2, dy2, 200), HPCFFI_OK);
    EXPECT_LT(max_relative_difference(field, expected), 1e-12);
    double mean = 0.0, expected_mean = 0.0;
    ASSERT_EQ(hpcffi_heat_mean(field.data(), nx, ny, &mean), HPCFFI_OK);
    for (double x : expected) expected_mean += x;
    expected_mean /= static_cast<double>(nx * ny);
    EXPECT_NEAR(mean, expected_mean, 1e-10);
}

TEST(Heat, RejectsBadInputAndLeavesTheFieldUntouched) {
    const int64_t nx = 8, ny = 8;
    const double a = 0.5, dx2 = 1e-4, dy2 = 1e-4, dt = stable_dt(a, dx2, dy2);
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const Field start = random_field(nx, ny, 5);
    Field f = start;
    auto steps = [&](int64_t rows, int64_t cols, double aa, double t, double x2, double y2, int64_t n) {
        return hpcffi_heat_evolve_steps(f.data(), nullptr, rows, cols, aa, t, x2, y2, n);
    };
    auto message_has = [](const char *text) {
        return std::string(hpcffi_last_error()).find(text) != std::string::npos;
    };
    EXPECT_EQ(steps(2, ny, a, dt, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(message_has("at least 3 x 3"));
    EXPECT_EQ(steps(nx, 2, a, dt, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(steps(INT64_MAX / 2, 4, a, dt, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(message_has("not addressable"));
    EXPECT_EQ(steps(nx, ny, a, dt * 1.01, dx2, dy2, 1), HPCFFI_ERR_UNSTABLE);
    EXPECT_TRUE(message_has("stability limit"));
    EXPECT_EQ(steps(nx, ny, a, dt * (1 + 2e-16), dx2, dy2, 1), HPCFFI_OK);  // rounding slack
    f = start;
    EXPECT_EQ(steps(nx, ny, nan, dt, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(message_has("diffusion constant"));
    EXPECT_EQ(steps(nx, ny, -a, dt, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(steps(nx, ny, a, inf, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(steps(nx, ny, a, -dt, dx2, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(steps(nx, ny, a, dt, 0.0, dy2, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(message_has("dx2"));
    EXPECT_EQ(steps(nx, ny, a, dt, dx2, nan, 1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(steps(nx, ny, a, dt, dx2, dy2, -1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(bitwise_equal(f, start));

    EXPECT_EQ(hpcffi_heat_evolve_steps(nullptr, nullptr, nx, ny, a, dt, dx2, dy2, 1), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_heat_evolve_steps(f.data(), f.data() + 3, nx, ny, a, dt, dx2, dy2, 1), HPCFFI_ERR_ALIASING);
    EXPECT_EQ(hpcffi_heat_evolve(f.data(), nullptr, nx, ny, a, dt, dx2, dy2), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_heat_evolve(f.data(), f.data(), nx, ny, a, dt, dx2, dy2), HPCFFI_ERR_ALIASING);
    EXPECT_TRUE(bitwise_equal(f, start));
}
