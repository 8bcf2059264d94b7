// The lesson's add demo.
#include <gtest/gtest.h>

#include <vector>

#include "hpcffi/hpcffi.h"

TEST(Add, AddsInPlace) {
    std::vector<double> a{1.0, 2.0, 3.5}, b{10.0, -2.0, 0.25};
    ASSERT_EQ(hpcffi_add(a.data(), b.data(), 3), HPCFFI_OK);
    EXPECT_EQ(a, (std::vector<double>{11.0, 0.0, 3.75}));
    EXPECT_EQ(b, (std::vector<double>{10.0, -2.0, 0.25}));
}

TEST(Add, LargeArraysMatchASerialLoopForAnyThreadCount) {
    const int64_t n = 1000003;  // odd length, above the parallel threshold
    std::vector<double> b(n), expected(n);
    for (int64_t i = 0; i < n; ++i) {
        b[i] = 0.5 * static_cast<double>(i % 977);
        expected[i] = static_cast<double>(i) + b[i];
    }
    for (int threads : {1, 2, 3}) {
        if (threads > 1 && !hpcffi_has_openmp()) continue;
        ASSERT_EQ(hpcffi_set_num_threads(threads), HPCFFI_OK);
        std::vector<double> a(n);
        for (int64_t i = 0; i < n; ++i) a[i] = static_cast<double>(i);
        ASSERT_EQ(hpcffi_add(a.data(), b.data(), n), HPCFFI_OK);
        EXPECT_EQ(a, expected) << threads << " threads";
    }
    hpcffi_set_num_threads(0);
}

TEST(Add, SameBufferDoubles) {
    std::vector<double> a{1.0, -4.0};
    ASSERT_EQ(hpcffi_add(a.data(), a.data(), 2), HPCFFI_OK);
    EXPECT_EQ(a, (std::vector<double>{2.0, -8.0}));
}

TEST(Add, RejectsBadArguments) {
    std::vector<double> a(8, 1.0);
    EXPECT_EQ(hpcffi_add(nullptr, nullptr, 0), HPCFFI_OK);  // nothing to do
    EXPECT_EQ(hpcffi_add(a.data(), a.data(), -1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_add(nullptr, a.data(), 4), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_add(a.data(), nullptr, 4), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_add(a.data() + 1, a.data(), 4), HPCFFI_ERR_ALIASING);
    EXPECT_EQ(a, std::vector<double>(8, 1.0));  // nothing written on failure
}
