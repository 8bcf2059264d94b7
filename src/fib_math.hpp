// fib_math.hpp -- overflow-free modular arithmetic and fast doubling, shared
// by the serial Fibonacci kernels (fibonacci.cpp) and the MPI ones.
#pragma once

#include <cstdint>

namespace hpcffi::fib {

// All three take a, b < m and work for any m < 2^64: a sum may exceed 2^64
// and a product needs 128 bits, so neither is formed naively.
inline uint64_t add_mod(uint64_t a, uint64_t b, uint64_t m) { return a >= m - b ? a - (m - b) : a + b; }
inline uint64_t sub_mod(uint64_t a, uint64_t b, uint64_t m) { return a >= b ? a - b : a + (m - b); }
inline uint64_t mul_mod(uint64_t a, uint64_t b, uint64_t m) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b % m);
}

struct Pair {
    uint64_t f;     // F(n) mod m
    uint64_t next;  // F(n + 1) mod m
};

// (F(n), F(n+1)) mod m by fast doubling, m >= 1, any n < 2^64:
//   F(2k) = F(k) * (2 F(k+1) - F(k)),   F(2k+1) = F(k)^2 + F(k+1)^2.
inline Pair pair_mod(uint64_t n, uint64_t m) {
    Pair p{0, 1 % m};
    for (int bit = 63; bit >= 0; --bit) {
        const uint64_t f2k = mul_mod(p.f, sub_mod(add_mod(p.next, p.next, m), p.f, m), m);
        const uint64_t f2k1 = add_mod(mul_mod(p.f, p.f, m), mul_mod(p.next, p.next, m), m);
        if ((n >> bit) & 1U) {
            p = {f2k1, add_mod(f2k, f2k1, m)};
        } else {
            p = {f2k, f2k1};
        }
    }
    return p;
}

// out[k] = F(first + k) mod m for k < count, serially from one seed.
inline void fill_mod(uint64_t first, uint64_t count, uint64_t m, uint64_t *out) {
    if (count == 0) return;
    Pair p = pair_mod(first, m);
    for (uint64_t k = 0; k < count; ++k) {
        out[k] = p.f;
        p = {p.next, add_mod(p.f, p.next, m)};
    }
}

// Largest n with F(n) < 2^64.
constexpr uint64_t max_u64_index = 93;

}  // namespace hpcffi::fib
