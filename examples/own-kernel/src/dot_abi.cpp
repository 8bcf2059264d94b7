// dot_abi.cpp -- the C ABI shims: check arguments, call the kernel, inside the barrier.
#include <cstdint>
#include <string>

#include "barrier.hpp"
#include "dot_kernel.hpp"

namespace {
thread_local std::string last_error;  // per thread: callers in several threads do not mix messages

void check_vectors(const double *x, const double *y, std::int64_t n) {
    if (n < 0) hpcdot::fail(HPCFFI_ERR_INVALID_ARGUMENT, "n must be >= 0, got " + std::to_string(n));
    if (n > 0 && (x == nullptr || y == nullptr)) hpcdot::fail(HPCFFI_ERR_NULL_POINTER, "x or y is NULL");
}

// The thread count hpcffi uses for all its kernels (hpcffi_set_num_threads),
// so one setting governs hpcffi's kernels and this one alike.
int threads() {
    int n = 1;
    if (hpcffi_get_num_threads(&n) != HPCFFI_OK) hpcdot::fail(HPCFFI_ERR_INTERNAL, hpcffi_last_error());
    return n;
}
}  // namespace

int hpcdot::record_error(int status, const std::string &message) noexcept {
    try {
        last_error = message;
    } catch (...) {
        last_error.clear();  // out of memory while recording: the status still tells
    }
    return status;
}

extern "C" const char *hpcdot_last_error(void) { return last_error.c_str(); }

extern "C" int hpcdot_dot(const double *x, const double *y, int64_t n, double *result) {
    return hpcdot::guarded(__func__, [&] {
        check_vectors(x, y, n);
        if (result == nullptr) hpcdot::fail(HPCFFI_ERR_NULL_POINTER, "result is NULL");
        *result = n == 0 ? 0.0 : hpcdot::dot(x, y, n, threads());
    });
}
