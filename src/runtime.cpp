// runtime.cpp -- version, capability queries and the thread-count setting.
#include <atomic>
#include <string>

#include "status.hpp"
#include "threads.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {
std::atomic<int> requested_threads{0};  // 0: the OpenMP default
constexpr int max_threads = 4096;

int default_threads() noexcept {
#ifdef _OPENMP
    // Read once, in the thread that first asks, before any setting of ours.
    static const int value = omp_get_max_threads();
    return value;
#else
    return 1;
#endif
}
}  // namespace

namespace hpcffi {
int default_kernel_threads() noexcept { return default_threads(); }

int kernel_threads() noexcept {
    const int n = requested_threads.load(std::memory_order_relaxed);
    return n > 0 ? n : default_threads();
}
}  // namespace hpcffi

using hpcffi::fail;
using hpcffi::guarded;

extern "C" int hpcffi_version(int *major, int *minor, int *patch) {
    return guarded(__func__, [&] {
        hpcffi::require_non_null(major, "major");
        hpcffi::require_non_null(minor, "minor");
        hpcffi::require_non_null(patch, "patch");
        *major = HPCFFI_VERSION_MAJOR;
        *minor = HPCFFI_VERSION_MINOR;
        *patch = HPCFFI_VERSION_PATCH;
    });
}

extern "C" const char *hpcffi_version_string(void) { return HPCFFI_VERSION_STRING; }

extern "C" int hpcffi_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

extern "C" int hpcffi_has_mpi(void) {
#ifdef HPCFFI_WITH_MPI
    return 1;
#else
    return 0;
#endif
}

extern "C" int hpcffi_has_gmp(void) {
#ifdef HPCFFI_WITH_GMP
    return 1;
#else
    return 0;
#endif
}

extern "C" int hpcffi_set_num_threads(int n) {
    return guarded(__func__, [&] {
        // The cap keeps a typo (1000000) from asking libgomp for a million threads.
        if (n < 0 || n > max_threads)
            fail(HPCFFI_ERR_INVALID_ARGUMENT, "thread count must be in 0.." + std::to_string(max_threads) +
                                                  ", got " + std::to_string(n));
#ifndef _OPENMP
        if (n > 1) fail(HPCFFI_ERR_UNSUPPORTED, "built without OpenMP: only 1 thread is available");
#endif
        default_threads();  // pin the default before the first change
        requested_threads.store(n, std::memory_order_relaxed);
    });
}

extern "C" int hpcffi_get_num_threads(int *n) {
    return guarded(__func__, [&] {
        hpcffi::require_non_null(n, "n");
        *n = hpcffi::kernel_threads();
    });
}
