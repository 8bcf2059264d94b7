// heat_streaming.cpp -- update_row with non-temporal stores.
//
// A normal store to a line that is not in cache first reads the line
// (write-allocate): a sweep moves 8 B read + 8 B write-allocate + 8 B write
// per point. Non-temporal stores write whole lines straight to memory,
// 16 B per point, which pays off only when the output would not stay in
// cache anyway (fields far larger than the last-level cache).
//
// The vector body spells out update_row's expression operation by operation
// in the same order, so every point gets the same bits:
//   (centre * mid + cx * (up + down)) + cy * (left + right)
#include <cstdint>

#include "heat_kernel.hpp"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace hpcffi::heat {
inline namespace HPCFFI_ISA_NAMESPACE {

#if defined(__AVX512F__)
namespace simd {
using vec = __m512d;
constexpr int64_t width = 8;
inline vec load(const double *p) { return _mm512_loadu_pd(p); }
inline vec broadcast(double x) { return _mm512_set1_pd(x); }
inline vec add(vec a, vec b) { return _mm512_add_pd(a, b); }
inline vec mul(vec a, vec b) { return _mm512_mul_pd(a, b); }
inline void stream(double *p, vec v) { _mm512_stream_pd(p, v); }
}  // namespace simd
#elif defined(__AVX__)
namespace simd {
using vec = __m256d;
constexpr int64_t width = 4;
inline vec load(const double *p) { return _mm256_loadu_pd(p); }
inline vec broadcast(double x) { return _mm256_set1_pd(x); }
inline vec add(vec a, vec b) { return _mm256_add_pd(a, b); }
inline vec mul(vec a, vec b) { return _mm256_mul_pd(a, b); }
inline void stream(double *p, vec v) { _mm256_stream_pd(p, v); }
}  // namespace simd
#elif defined(__SSE2__)
namespace simd {
using vec = __m128d;
constexpr int64_t width = 2;
inline vec load(const double *p) { return _mm_loadu_pd(p); }
inline vec broadcast(double x) { return _mm_set1_pd(x); }
inline vec add(vec a, vec b) { return _mm_add_pd(a, b); }
inline vec mul(vec a, vec b) { return _mm_mul_pd(a, b); }
inline void stream(double *p, vec v) { _mm_stream_pd(p, v); }
}  // namespace simd
#endif

#if defined(__SSE2__)
// The incoming row (`down`; up and mid were read one and two rows ago and
// come from cache) is requested this many doubles (8 KiB) ahead. The hardware
// prefetcher alone kept the sweep at 0.74 of the non-temporal copy bandwidth
// at 8192x8192; with this, 871 -> 1085 Mpts/s on 1 thread and 1641 -> 2069 on
// 2 (heat_bench, distances 64 to 8192 tried). A prefetch past the end of the
// field is harmless: prefetches never fault.
constexpr int64_t prefetch_distance = 1024;

void update_row_streaming(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                          int64_t j_end, const Coefficients &c) {
    constexpr uintptr_t vector_bytes = simd::width * sizeof(double);
    // Head: normal stores until out + j is vector aligned.
    int64_t j = j_begin;
    while (j < j_end && reinterpret_cast<uintptr_t>(out + j) % vector_bytes != 0) ++j;
    update_row(out, up, mid, down, j_begin, j, c);

    const simd::vec centre = simd::broadcast(c.centre), cx = simd::broadcast(c.cx), cy = simd::broadcast(c.cy);
    for (; j + simd::width <= j_end; j += simd::width) {
        _mm_prefetch(reinterpret_cast<const char *>(down + j + prefetch_distance), _MM_HINT_T0);
        const simd::vec vertical = simd::mul(cx, simd::add(simd::load(up + j), simd::load(down + j)));
        const simd::vec horizontal = simd::mul(cy, simd::add(simd::load(mid + j - 1), simd::load(mid + j + 1)));
        const simd::vec value = simd::add(simd::add(simd::mul(centre, simd::load(mid + j)), vertical), horizontal);
        simd::stream(out + j, value);
    }
    // Tail: normal stores.
    update_row(out, up, mid, down, j, j_end, c);
}

void store_fence() { _mm_sfence(); }
#else
// No non-temporal stores on this architecture: the normal row.
void update_row_streaming(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                          int64_t j_end, const Coefficients &c) {
    update_row(out, up, mid, down, j_begin, j_end, c);
}
void store_fence() {}
#endif

}  // namespace HPCFFI_ISA_NAMESPACE
}  // namespace hpcffi::heat
