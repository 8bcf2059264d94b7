// fibonacci.cpp -- the lesson's fibo step and the fast Fibonacci kernels.
#include <cmath>
#include <cstring>
#include <string>

#include "fib_math.hpp"
#include "status.hpp"
#include "threads.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef HPCFFI_WITH_GMP
#include <gmp.h>
#endif

using hpcffi::fail;
using hpcffi::guarded;
using hpcffi::require_non_null;

static_assert(sizeof(unsigned long) == sizeof(uint64_t), "mpz_fib_ui takes the index as unsigned long");

namespace {

// Below this many values one thread is faster than waking the others.
constexpr uint64_t parallel_fill_threshold = 1U << 14;

// GMP's mpz_fib_ui for larger n needs gigabytes, and GMP aborts the process
// when an allocation fails: refuse up front instead.
constexpr uint64_t max_exact_index = uint64_t{1} << 32;

void check_index_range(uint64_t start, uint64_t count) {
    if (count > 0 && start > UINT64_MAX - (count - 1))
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "start + count - 1 exceeds 2^64 - 1 (start = " +
                                              std::to_string(start) + ", count = " + std::to_string(count) + ")");
}

size_t exact_size_bound(uint64_t n) {
    // digits(F(n)) <= floor(n * log10(phi)) + 1; mpz_get_str may want one more,
    // plus the NUL; +4 also absorbs any rounding of the double product.
    const double log10_phi = 0.20898764024997873;
    return static_cast<size_t>(std::floor(static_cast<double>(n) * log10_phi)) + 4;
}

void check_exact_index(uint64_t n) {
    if (n > max_exact_index)
        fail(HPCFFI_ERR_INVALID_ARGUMENT,
             "n = " + std::to_string(n) + " exceeds the supported limit 2^32 for exact Fibonacci numbers");
#ifndef HPCFFI_WITH_GMP
    fail(HPCFFI_ERR_UNSUPPORTED, "exact Fibonacci numbers need GMP, and this build has none (HPCFFI_WITH_GMP=OFF)");
#endif
}

}  // namespace

extern "C" int hpcffi_fibo(int *a, int *b) {
    return guarded(__func__, [&] {
        require_non_null(a, "a");
        require_non_null(b, "b");
        int next;
        if (__builtin_add_overflow(*a, *b, &next))
            fail(HPCFFI_ERR_OVERFLOW, std::to_string(*a) + " + " + std::to_string(*b) +
                                          " does not fit in a C int (past F(46) = 1836311903); a and b unchanged");
        *b = *a;
        *a = next;
    });
}

extern "C" int hpcffi_fib_sequence_u64(uint64_t start, uint64_t count, uint64_t *out) {
    return guarded(__func__, [&] {
        if (count == 0) return;
        require_non_null(out, "out");
        check_index_range(start, count);
        const uint64_t last = start + (count - 1);
        if (last > hpcffi::fib::max_u64_index)
            fail(HPCFFI_ERR_OVERFLOW, "F(" + std::to_string(last) +
                                          ") does not fit in uint64 (F(93) is the largest that does); use the modular "
                                          "or exact functions");
        // Exact in uint64 up to F(94) > 2^64, so no modulus: walk from F(0).
        uint64_t f = 0, next = 1;
        for (uint64_t k = 0; k < start; ++k) {
            const uint64_t sum = f + next;
            f = next;
            next = sum;
        }
        for (uint64_t k = 0; k < count; ++k) {
            out[k] = f;
            const uint64_t sum = f + next;  // wraps only past F(94), never read then
            f = next;
            next = sum;
        }
    });
}

extern "C" int hpcffi_fib_sequence_mod(uint64_t start, uint64_t count, uint64_t m, uint64_t *out) {
    return guarded(__func__, [&] {
        if (m == 0) fail(HPCFFI_ERR_INVALID_ARGUMENT, "modulus m must be >= 1");
        if (count == 0) return;
        require_non_null(out, "out");
        check_index_range(start, count);
        const int threads = count < parallel_fill_threshold ? 1 : hpcffi::kernel_threads();
        // Each thread seeds its own contiguous chunk by fast doubling; the
        // values are exact residues, so the split cannot change the result.
#pragma omp parallel num_threads(threads)
        {
            int rank = 0, size = 1;
#ifdef _OPENMP
            rank = omp_get_thread_num();
            size = omp_get_num_threads();
#endif
            const uint64_t chunk = count / static_cast<uint64_t>(size);
            const uint64_t extra = count % static_cast<uint64_t>(size);
            const uint64_t r = static_cast<uint64_t>(rank);
            const uint64_t begin = r * chunk + (r < extra ? r : extra);
            const uint64_t length = chunk + (r < extra ? 1 : 0);
            hpcffi::fib::fill_mod(start + begin, length, m, out + begin);
        }
    });
}

extern "C" int hpcffi_fib_mod(uint64_t n, uint64_t m, uint64_t *result) {
    return guarded(__func__, [&] {
        require_non_null(result, "result");
        if (m == 0) fail(HPCFFI_ERR_INVALID_ARGUMENT, "modulus m must be >= 1");
        *result = hpcffi::fib::pair_mod(n, m).f;
    });
}

extern "C" int hpcffi_fib_exact_size(uint64_t n, size_t *size) {
    return guarded(__func__, [&] {
        require_non_null(size, "size");
        check_exact_index(n);
        *size = exact_size_bound(n);
    });
}

extern "C" int hpcffi_fib_exact(uint64_t n, char *buffer, size_t size, size_t *ndigits) {
    return guarded(__func__, [&] {
        require_non_null(buffer, "buffer");
        check_exact_index(n);
        const size_t needed = exact_size_bound(n);
        if (size < needed)
            fail(HPCFFI_ERR_BUFFER_TOO_SMALL, "buffer of " + std::to_string(size) + " bytes, F(" + std::to_string(n) +
                                                  ") needs " + std::to_string(needed) +
                                                  " (ask hpcffi_fib_exact_size)");
#ifdef HPCFFI_WITH_GMP
        struct Mpz {  // mpz_clear on every path out
            mpz_t value;
            Mpz() { mpz_init(value); }
            ~Mpz() { mpz_clear(value); }
        } fib;
        mpz_fib_ui(fib.value, static_cast<unsigned long>(n));
        mpz_get_str(buffer, 10, fib.value);
        if (ndigits != nullptr) *ndigits = std::strlen(buffer);
#endif
    });
}
