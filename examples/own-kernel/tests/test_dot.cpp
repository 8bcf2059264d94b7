// test_dot.cpp -- the C ABI of hpcdot as a C caller sees it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hpcdot/hpcdot.h"

TEST(Dot, KnownValue) {
    // sum of i * (n - i) for i < n has the closed form (n - 1) n (n + 1) / 6.
    const int64_t n = 100000;
    std::vector<double> x(n), y(n);
    for (int64_t i = 0; i < n; ++i) x[i] = double(i), y[i] = double(n - i);
    double result = -1;
    ASSERT_EQ(hpcdot_dot(x.data(), y.data(), n, &result), HPCFFI_OK) << hpcdot_last_error();
    EXPECT_EQ(result, double((n - 1) * n * (n + 1) / 6));  // exact: every partial sum is an integer < 2^53
}

TEST(Dot, SameBitsForAnyThreadCount) {
    const int64_t n = 1000003;  // not a multiple of the block
    std::vector<double> x(n), y(n);
    for (int64_t i = 0; i < n; ++i) x[i] = 1.0 / double(i + 1), y[i] = 1.0 + 1e-3 * double(i % 7);
    double one = 0, many = 0;
    ASSERT_EQ(hpcffi_set_num_threads(1), HPCFFI_OK);
    ASSERT_EQ(hpcdot_dot(x.data(), y.data(), n, &one), HPCFFI_OK);
    ASSERT_EQ(hpcffi_set_num_threads(hpcffi_has_openmp() ? 3 : 1), HPCFFI_OK);
    ASSERT_EQ(hpcdot_dot(x.data(), y.data(), n, &many), HPCFFI_OK);
    hpcffi_set_num_threads(0);
    EXPECT_EQ(std::memcmp(&one, &many, sizeof one), 0);
}

TEST(Dot, EmptyIsZero) {
    double result = -1;
    ASSERT_EQ(hpcdot_dot(nullptr, nullptr, 0, &result), HPCFFI_OK);
    EXPECT_EQ(result, 0.0);
}

TEST(Dot, BadArgumentsGiveStatusAndMessageAndLeaveResult) {
    double x[2] = {1, 2}, result = 42;
    EXPECT_EQ(hpcdot_dot(x, x, -1, &result), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(hpcdot_last_error()), "hpcdot_dot: n must be >= 0, got -1");
    EXPECT_EQ(hpcdot_dot(nullptr, x, 2, &result), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcdot_dot(x, x, 2, nullptr), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(std::string(hpcdot_last_error()), "hpcdot_dot: result is NULL");
    EXPECT_EQ(result, 42);
}

TEST(Dot, MpiWithoutInitIsAnErrorNotACrash) {
    double x[1] = {1}, result = 0;
    EXPECT_EQ(hpcdot_dot_mpi(0, x, x, 1, &result), HPCFFI_ERR_MPI);
    EXPECT_NE(std::string(hpcdot_last_error()).find("not initialised"), std::string::npos);
}
