// Fibonacci kernels against exact values and independent references.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hpcffi/hpcffi.h"

namespace {

// Independent references: decimal string addition (no GMP) and 2x2 matrix
// powers (no fast doubling).
std::string add_decimal(const std::string &x, const std::string &y) {
    std::string sum;
    int carry = 0;
    for (size_t k = 0; k < std::max(x.size(), y.size()) || carry; ++k) {
        int digit = carry;
        if (k < x.size()) digit += x[x.size() - 1 - k] - '0';
        if (k < y.size()) digit += y[y.size() - 1 - k] - '0';
        sum.push_back(static_cast<char>('0' + digit % 10));
        carry = digit / 10;
    }
    std::reverse(sum.begin(), sum.end());
    return sum;
}

std::string fib_decimal(unsigned n) {
    std::string a = "0", b = "1";
    for (unsigned k = 0; k < n; ++k) {
        std::string next = add_decimal(a, b);
        a = std::move(b);
        b = std::move(next);
    }
    return a;
}

uint64_t fib_mod_matrix(uint64_t n, uint64_t m) {
    using u128 = unsigned __int128;
    uint64_t r[4] = {1 % m, 0, 0, 1 % m};  // identity
    uint64_t q[4] = {1 % m, 1 % m, 1 % m, 0};
    auto mul = [m](const uint64_t *x, const uint64_t *y, uint64_t *out) {
        uint64_t t[4];
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
                t[2 * i + j] = static_cast<uint64_t>(
                    (static_cast<u128>(x[2 * i]) * y[j] % m + static_cast<u128>(x[2 * i + 1]) * y[2 + j] % m) % m);
        std::copy(t, t + 4, out);
    };
    for (; n > 0; n >>= 1) {
        if (n & 1U) mul(r, q, r);
        mul(q, q, q);
    }
    return r[1];  // Q^n = [[F(n+1), F(n)], [F(n), F(n-1)]]
}

std::string exact(uint64_t n) {
    size_t size = 0;
    EXPECT_EQ(hpcffi_fib_exact_size(n, &size), HPCFFI_OK);
    std::string buffer(size, '\0');
    size_t ndigits = 0;
    EXPECT_EQ(hpcffi_fib_exact(n, buffer.data(), size, &ndigits), HPCFFI_OK) << hpcffi_last_error();
    buffer.resize(ndigits);
    return buffer;
}

}  // namespace

TEST(FiboStep, FollowsTheLessonUpToF46ThenReportsOverflow) {
    int a = 1, b = 0;  // the lesson's start: b walks F(0), F(1), ...
    std::vector<int> seen;
    for (int k = 0; k < 10; ++k) {
        seen.push_back(b);
        ASSERT_EQ(hpcffi_fibo(&a, &b), HPCFFI_OK);
    }
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 1, 2, 3, 5, 8, 13, 21, 34}));
    for (int k = 10; k < 45; ++k) ASSERT_EQ(hpcffi_fibo(&a, &b), HPCFFI_OK);
    EXPECT_EQ(a, 1836311903);  // F(46), the largest int Fibonacci number
    EXPECT_EQ(b, 1134903170);  // F(45)
    EXPECT_EQ(hpcffi_fibo(&a, &b), HPCFFI_ERR_OVERFLOW);
    EXPECT_EQ(a, 1836311903);  // unchanged
    EXPECT_EQ(b, 1134903170);
    EXPECT_NE(std::string(hpcffi_last_error()).find("F(46)"), std::string::npos);
}

TEST(FiboStep, NegativeOverflowAndNullPointers) {
    int a = INT32_MIN, b = -1;
    EXPECT_EQ(hpcffi_fibo(&a, &b), HPCFFI_ERR_OVERFLOW);
    EXPECT_EQ(a, INT32_MIN);
    EXPECT_EQ(hpcffi_fibo(nullptr, &b), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_fibo(&a, nullptr), HPCFFI_ERR_NULL_POINTER);
}

TEST(FibSequenceU64, ExactUpToF93AndOverflowAtF94) {
    std::vector<uint64_t> f(94);
    ASSERT_EQ(hpcffi_fib_sequence_u64(0, 94, f.data()), HPCFFI_OK);
    EXPECT_EQ(f[0], 0U);
    EXPECT_EQ(f[10], 55U);
    EXPECT_EQ(f[46], 1836311903U);
    EXPECT_EQ(f[50], 12586269025U);
    EXPECT_EQ(f[93], 12200160415121876738ULL);
    for (size_t k = 2; k < f.size(); ++k) ASSERT_EQ(f[k], f[k - 1] + f[k - 2]);

    std::vector<uint64_t> tail(3, 7);
    ASSERT_EQ(hpcffi_fib_sequence_u64(91, 3, tail.data()), HPCFFI_OK);
    EXPECT_EQ(tail[2], f[93]);
    EXPECT_EQ(hpcffi_fib_sequence_u64(92, 3, tail.data()), HPCFFI_ERR_OVERFLOW);
    EXPECT_EQ(tail[2], f[93]);  // untouched on failure
    EXPECT_NE(std::string(hpcffi_last_error()).find("F(94)"), std::string::npos);
    EXPECT_EQ(hpcffi_fib_sequence_u64(0, 1, nullptr), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_fib_sequence_u64(5, 0, nullptr), HPCFFI_OK);
}

TEST(FibMod, KnownValues) {
    uint64_t r = 0;
    ASSERT_EQ(hpcffi_fib_mod(1000000000000000000ULL, 1000000007ULL, &r), HPCFFI_OK);
    EXPECT_EQ(r, 209783453U);
    ASSERT_EQ(hpcffi_fib_mod(1000000000000000000ULL, 998244353ULL, &r), HPCFFI_OK);
    EXPECT_EQ(r, 23849548U);
    ASSERT_EQ(hpcffi_fib_mod(93, UINT64_MAX, &r), HPCFFI_OK);
    EXPECT_EQ(r, 12200160415121876738ULL);
    ASSERT_EQ(hpcffi_fib_mod(12345, 1, &r), HPCFFI_OK);
    EXPECT_EQ(r, 0U);
    EXPECT_EQ(hpcffi_fib_mod(5, 0, &r), HPCFFI_ERR_INVALID_ARGUMENT);
}

TEST(FibMod, MatchesMatrixPowersForHugeIndicesAndModuli) {
    // Moduli above 2^63 make naive 2*b % m and b + c overflow.
    for (uint64_t m : std::vector<uint64_t>{2, 10, 1000000007, 18446744073709551557ULL, UINT64_MAX, (1ULL << 63) + 1})
        for (uint64_t n : std::vector<uint64_t>{0, 1, 2, 94, 123456789, 1ULL << 62, UINT64_MAX - 1, UINT64_MAX}) {
            uint64_t r = 0;
            ASSERT_EQ(hpcffi_fib_mod(n, m, &r), HPCFFI_OK);
            EXPECT_EQ(r, fib_mod_matrix(n, m)) << "n=" << n << " m=" << m;
        }
}

TEST(FibSequenceMod, IdenticalForEveryThreadCountAndMatchesReference) {
    const uint64_t start = 1000000000000ULL, count = 100003, m = 18446744073709551557ULL;
    std::vector<uint64_t> first;
    for (int threads : {1, 2, 3, 7}) {
        if (threads > 1 && !hpcffi_has_openmp()) continue;
        ASSERT_EQ(hpcffi_set_num_threads(threads), HPCFFI_OK);
        std::vector<uint64_t> out(count);
        ASSERT_EQ(hpcffi_fib_sequence_mod(start, count, m, out.data()), HPCFFI_OK);
        if (first.empty()) {
            first = out;
        } else {
            EXPECT_EQ(out, first) << threads << " threads";
        }
    }
    hpcffi_set_num_threads(0);
    for (uint64_t k : {uint64_t{0}, uint64_t{1}, count / 2, count - 1})
        EXPECT_EQ(first[k], fib_mod_matrix(start + k, m));
}

TEST(FibSequenceMod, ReachesTheLastIndexAndRejectsWrapAround) {
    std::vector<uint64_t> out(4);
    ASSERT_EQ(hpcffi_fib_sequence_mod(UINT64_MAX - 3, 4, 1000000007ULL, out.data()), HPCFFI_OK);
    EXPECT_EQ(out[3], fib_mod_matrix(UINT64_MAX, 1000000007ULL));
    EXPECT_EQ(hpcffi_fib_sequence_mod(UINT64_MAX - 2, 4, 7, out.data()), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_fib_sequence_mod(0, 4, 0, out.data()), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_fib_sequence_mod(0, 4, 7, nullptr), HPCFFI_ERR_NULL_POINTER);
}

TEST(FibExact, MatchesDecimalAddition) {
    if (!hpcffi_has_gmp()) GTEST_SKIP() << "built without GMP";
    EXPECT_EQ(exact(0), "0");
    EXPECT_EQ(exact(1), "1");
    EXPECT_EQ(exact(93), "12200160415121876738");
    EXPECT_EQ(exact(94), "19740274219868223167");
    const std::string f1000 = exact(1000);
    EXPECT_EQ(f1000.size(), 209U);
    EXPECT_EQ(f1000, fib_decimal(1000));
    EXPECT_EQ(exact(4321), fib_decimal(4321));
}

TEST(FibExact, SizeQueryAndBufferChecks) {
    if (!hpcffi_has_gmp()) {
        size_t size = 0;
        EXPECT_EQ(hpcffi_fib_exact_size(10, &size), HPCFFI_ERR_UNSUPPORTED);
        return;
    }
    size_t size = 0;
    ASSERT_EQ(hpcffi_fib_exact_size(1000, &size), HPCFFI_OK);
    EXPECT_GE(size, 210U);
    EXPECT_LE(size, 214U);
    std::string small(size - 1, 'x');
    EXPECT_EQ(hpcffi_fib_exact(1000, small.data(), small.size(), nullptr), HPCFFI_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(small, std::string(size - 1, 'x'));
    EXPECT_EQ(hpcffi_fib_exact(1000, nullptr, size, nullptr), HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(hpcffi_fib_exact_size((1ULL << 32) + 1, &size), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_fib_exact_size(10, nullptr), HPCFFI_ERR_NULL_POINTER);
}
