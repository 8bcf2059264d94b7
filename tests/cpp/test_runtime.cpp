// Version, capabilities, threads and error reporting.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <thread>

#include "hpcffi/hpcffi.h"

TEST(Runtime, VersionMatchesHeaderMacros) {
    int major = -1, minor = -1, patch = -1;
    ASSERT_EQ(hpcffi_version(&major, &minor, &patch), HPCFFI_OK);
    EXPECT_EQ(major, HPCFFI_VERSION_MAJOR);
    EXPECT_EQ(minor, HPCFFI_VERSION_MINOR);
    EXPECT_EQ(patch, HPCFFI_VERSION_PATCH);
    EXPECT_STREQ(hpcffi_version_string(), HPCFFI_VERSION_STRING);
    EXPECT_EQ(hpcffi_version(nullptr, &minor, &patch), HPCFFI_ERR_NULL_POINTER);
}

TEST(Runtime, CapabilitiesMatchTheBuild) {
    EXPECT_EQ(hpcffi_has_openmp(), HPCFFI_TEST_EXPECT_OPENMP);
    EXPECT_EQ(hpcffi_has_gmp(), HPCFFI_TEST_EXPECT_GMP);
    const int mpi = hpcffi_has_mpi();
    EXPECT_TRUE(mpi == 0 || mpi == 1);
}

TEST(Runtime, ThreadCountIsSetForEveryCaller) {
    int original = 0;
    ASSERT_EQ(hpcffi_get_num_threads(&original), HPCFFI_OK);
    EXPECT_GE(original, 1);
    if (hpcffi_has_openmp()) {
        ASSERT_EQ(hpcffi_set_num_threads(3), HPCFFI_OK);
        int seen_elsewhere = 0;
        std::thread([&] { hpcffi_get_num_threads(&seen_elsewhere); }).join();
        EXPECT_EQ(seen_elsewhere, 3);  // not per-thread like omp_set_num_threads
    }
    ASSERT_EQ(hpcffi_set_num_threads(0), HPCFFI_OK);
    int restored = 0;
    hpcffi_get_num_threads(&restored);
    EXPECT_EQ(restored, original);
}

TEST(Runtime, ThreadCountOutOfRangeIsRejected) {
    EXPECT_EQ(hpcffi_set_num_threads(-1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(hpcffi_last_error()).find("thread count"), std::string::npos);
    EXPECT_EQ(hpcffi_set_num_threads(1000000), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_get_num_threads(nullptr), HPCFFI_ERR_NULL_POINTER);
}

TEST(Runtime, EveryStatusHasItsOwnDescription) {
    std::set<std::string> texts;
    for (int status = HPCFFI_OK; status <= HPCFFI_ERR_INTERNAL; ++status) texts.insert(hpcffi_strerror(status));
    EXPECT_EQ(texts.size(), static_cast<size_t>(HPCFFI_ERR_INTERNAL + 1));
    EXPECT_STREQ(hpcffi_strerror(999), "unknown status");
    EXPECT_STREQ(hpcffi_strerror(-1), "unknown status");
}

TEST(Runtime, LastErrorIsPerThreadAndNamesTheFunction) {
    ASSERT_EQ(hpcffi_fib_mod(10, 0, nullptr), HPCFFI_ERR_NULL_POINTER);
    const std::string here = hpcffi_last_error();
    EXPECT_NE(here.find("hpcffi_fib_mod"), std::string::npos);
    std::string other = "unset";
    std::thread([&] { other = hpcffi_last_error(); }).join();
    EXPECT_EQ(other, "");  // a fresh thread has seen no failure
    EXPECT_EQ(std::string(hpcffi_last_error()), here);
}
