// demo_add.cpp -- the cffi lesson's add demo: a[i] += b[i].
#include <cstdint>
#include <string>

#include "status.hpp"
#include "threads.hpp"

extern "C" int hpcffi_add(double *a, const double *b, int64_t n) {
    return hpcffi::guarded(__func__, [&] {
        if (n < 0) hpcffi::fail(HPCFFI_ERR_INVALID_ARGUMENT, "n must be >= 0, got " + std::to_string(n));
        if (n == 0) return;
        hpcffi::require_non_null(a, "a");
        hpcffi::require_non_null(b, "b");
        // a == b (doubling) is well defined element by element; a partial
        // overlap would make the result depend on the thread schedule.
        if (a != b && a < b + n && b < a + n)
            hpcffi::fail(HPCFFI_ERR_ALIASING, "a and b overlap partially");
        const int threads = hpcffi::kernel_threads();
#pragma omp parallel for schedule(static) num_threads(threads) if (n > 100000)
        for (int64_t i = 0; i < n; ++i) a[i] += b[i];
    });
}
