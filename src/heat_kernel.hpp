// heat_kernel.hpp -- the 5-point stencil, free of MPI and of argument checks.
//
// Field layout (row-major, nx rows of ny values, row stride ny):
//
//        j = 0   1   2  ...  ny-2  ny-1
//   i=0    B   B   B  ...   B     B      <- fixed boundary row
//   i=1    B   *   *  ...   *     B      <- interior points (*) are updated,
//   ...    B   *   *  ...   *     B         boundary points (B) never change
//   nx-1   B   B   B  ...   B     B
//
// Every path (single step, multi-step, temporal blocking, each MPI rank)
// updates a point through update_row() (or update_row_streaming(), which does
// the same operations in the same order and only stores differently), so all
// of them agree bit for bit.
//
// Multi-step paths (see evolve_steps):
//   plain      one sweep over the field per step (heat_kernel.cpp)
//   streaming  the same with non-temporal stores (heat_streaming.cpp)
//   blocked    row-wavefront temporal blocking, several steps per sweep
//              (heat_blocked.cpp)
//
// ISA variants: this header and the kernel files that include it
// (heat_kernel.cpp, heat_streaming.cpp, heat_blocked.cpp) are compiled once
// per instruction-set level (src/CMakeLists.txt: baseline x86-64, x86-64-v3
// "avx2", x86-64-v4 "avx512" and, tuned for Intel, "avx512_intel"; one
// "generic" or "native" build elsewhere),
// each time with HPCFFI_ISA_NAMESPACE naming a namespace of its own. So
// nothing here, not even an inline function, is shared between variants: a
// copy compiled for AVX-512 can never be picked by the linker for a caller
// that runs on an AVX2 machine. heat_isa.cpp chooses the variant at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "heat_isa.hpp"
#include "heat_types.hpp"

#ifndef HPCFFI_ISA_NAMESPACE
#error "heat_kernel.hpp belongs to the per-ISA kernel objects: include heat_isa.hpp elsewhere"
#endif

namespace hpcffi::heat {
inline namespace HPCFFI_ISA_NAMESPACE {
// Stand-ins for std::min, std::max, std::swap and std::unique_ptr<double[]>
// in the kernel files: a standard template instantiated here would be a weak
// symbol the linker may share with another variant (in builds where it is
// not inlined, e.g. -O0), and an AVX-512 copy of it could then run on an
// AVX2 machine. These live in the variant's namespace. The test
// abi.kernel_variants_share_no_code checks the objects for such symbols.
inline int64_t min_of(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max_of(int64_t a, int64_t b) { return a > b ? a : b; }
inline void swap_pointers(double *&a, double *&b) {
    double *t = a;
    a = b;
    b = t;
}
// n doubles, uninitialised, starting on a 64-byte (cache line) boundary.
class DoubleBuffer {
public:
    explicit DoubleBuffer(int64_t n)
        : p_(static_cast<double *>(::operator new[](static_cast<size_t>(n) * sizeof(double), alignment))) {}
    ~DoubleBuffer() { ::operator delete[](p_, alignment); }
    DoubleBuffer(const DoubleBuffer &) = delete;
    DoubleBuffer &operator=(const DoubleBuffer &) = delete;
    double *get() const noexcept { return p_; }

private:
    static constexpr std::align_val_t alignment{64};
    double *p_;
};

// The row kernels run their vector loop from the first point where out is
// 64-byte (vector and cache line) aligned: its stores, and the loads of rows
// that share out's alignment (up, mid and down when rows are a multiple of 8
// doubles apart, and the blocked path's rings), are then whole-line accesses
// instead of line-splitting ones (1.25x on 200x200, 1 thread, AVX-512). The
// fewer than 8 points before and after it are the row's edges: with AVX-512
// one masked vector each, elsewhere a scalar loop. Every point, in every part,
// is the same expression in the same order, so the bits do not change:
//   (centre * mid + cx * (up + down)) + cy * (left + right)
constexpr int64_t line_doubles = 64 / sizeof(double);

// Points from out + j to the next 64-byte boundary (0 if aligned).
inline int64_t points_to_line(const double *out, int64_t j) {
    return (line_doubles - static_cast<int64_t>(reinterpret_cast<uintptr_t>(out + j) % 64) / 8) % line_doubles;
}

// The aligned body [begin, end) of the points [j_begin, j_end): begin is
// aligned unless the row ends first (then begin == end == j_end).
struct RowBody {
    int64_t begin, end;
};
inline RowBody aligned_body(const double *out, int64_t j_begin, int64_t j_end) {
    const int64_t begin = min_of(j_begin + points_to_line(out, j_begin), max_of(j_end, j_begin));
    return {begin, begin + (max_of(j_end - begin, 0) / line_doubles) * line_doubles};
}

#if defined(__AVX512F__)
// The lanes of one line: the points [j_lo, j_hi), fewer than 8, all within
// the 64-byte line of out that holds out + j_lo. Masked-off lanes neither
// load (no fault, even before a row's start) nor store.
struct EdgeLanes {
    int64_t base;  // the line's first point
    __mmask8 mask;
};
inline EdgeLanes edge_lanes(const double *out, int64_t j_lo, int64_t j_hi) {
    const int64_t base = j_lo - static_cast<int64_t>(reinterpret_cast<uintptr_t>(out + j_lo) % 64) / 8;
    const unsigned lo = static_cast<unsigned>(j_lo - base), hi = static_cast<unsigned>(j_hi - base);
    return {base, static_cast<__mmask8>(((1u << hi) - 1u) & ~((1u << lo) - 1u))};
}
inline __m512d stencil(__mmask8 m, const double *up, const double *mid, const double *down, __m512d centre,
                       __m512d cx, __m512d cy) {
    const __m512d vertical = _mm512_mul_pd(cx, _mm512_add_pd(_mm512_maskz_loadu_pd(m, up), _mm512_maskz_loadu_pd(m, down)));
    const __m512d horizontal =
        _mm512_mul_pd(cy, _mm512_add_pd(_mm512_maskz_loadu_pd(m, mid - 1), _mm512_maskz_loadu_pd(m, mid + 1)));
    return _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(centre, _mm512_maskz_loadu_pd(m, mid)), vertical), horizontal);
}
inline void update_edge(double *out, const double *up, const double *mid, const double *down, int64_t j_lo,
                        int64_t j_hi, const Coefficients &c) {
    if (j_lo >= j_hi) return;
    const EdgeLanes e = edge_lanes(out, j_lo, j_hi);
    const __m512d centre = _mm512_set1_pd(c.centre), cx = _mm512_set1_pd(c.cx), cy = _mm512_set1_pd(c.cy);
    _mm512_mask_storeu_pd(out + e.base, e.mask, stencil(e.mask, up + e.base, mid + e.base, down + e.base, centre, cx, cy));
}
inline void update_two_edges(double *out0, double *out1, const double *r0, const double *r1, const double *r2,
                             const double *r3, int64_t j_lo, int64_t j_hi, const Coefficients &c) {
    if (j_lo >= j_hi) return;
    const EdgeLanes e = edge_lanes(out0, j_lo, j_hi);
    const __m512d centre = _mm512_set1_pd(c.centre), cx = _mm512_set1_pd(c.cx), cy = _mm512_set1_pd(c.cy);
    const int64_t b = e.base;
    _mm512_mask_storeu_pd(out0 + b, e.mask, stencil(e.mask, r0 + b, r1 + b, r2 + b, centre, cx, cy));
    _mm512_mask_storeu_pd(out1 + b, e.mask, stencil(e.mask, r1 + b, r2 + b, r3 + b, centre, cx, cy));
}
#else
inline void update_edge(double *__restrict out, const double *__restrict up, const double *__restrict mid,
                        const double *__restrict down, int64_t j_lo, int64_t j_hi, const Coefficients &c) {
    for (int64_t j = j_lo; j < j_hi; ++j)
        out[j] = (c.centre * mid[j] + c.cx * (up[j] + down[j])) + c.cy * (mid[j - 1] + mid[j + 1]);
}
inline void update_two_edges(double *__restrict out0, double *__restrict out1, const double *__restrict r0,
                             const double *__restrict r1, const double *__restrict r2, const double *__restrict r3,
                             int64_t j_lo, int64_t j_hi, const Coefficients &c) {
    update_edge(out0, r0, r1, r2, j_lo, j_hi, c);
    update_edge(out1, r1, r2, r3, j_lo, j_hi, c);
}
#endif

// out[j] for j in [j_begin, j_end), from the rows above (up, i-1), at (mid, i)
// and below (down, i+1). The pointers are row starts; no two overlap.
inline void update_row(double *__restrict out, const double *__restrict up, const double *__restrict mid,
                       const double *__restrict down, int64_t j_begin, int64_t j_end, const Coefficients &c) {
    const double centre = c.centre, cx = c.cx, cy = c.cy;
    const RowBody body = aligned_body(out, j_begin, j_end);
    update_edge(out, up, mid, down, j_begin, body.begin, c);
#pragma omp simd
    for (int64_t j = body.begin; j < body.end; ++j)
        out[j] = (centre * mid[j] + cx * (up[j] + down[j])) + cy * (mid[j - 1] + mid[j + 1]);
    update_edge(out, up, mid, down, body.end, j_end, c);
}

// Two neighbouring rows at once: out0 from (r0, r1, r2), out1 from (r1, r2,
// r3), each point by update_row's expression in update_row's order (same
// bits). Rows r1 and r2 serve both outputs, so 16 points take 8 loads
// instead of 10, and one loop's overhead instead of two. (out1's alignment
// is out0's when rows are a multiple of 8 doubles apart.)
inline void update_two_rows(double *__restrict out0, double *__restrict out1, const double *__restrict r0,
                            const double *__restrict r1, const double *__restrict r2, const double *__restrict r3,
                            int64_t j_begin, int64_t j_end, const Coefficients &c) {
    const double centre = c.centre, cx = c.cx, cy = c.cy;
    const RowBody body = aligned_body(out0, j_begin, j_end);
    update_two_edges(out0, out1, r0, r1, r2, r3, j_begin, body.begin, c);
#pragma omp simd
    for (int64_t j = body.begin; j < body.end; ++j) {
        const double m1 = r1[j], m2 = r2[j];
        out0[j] = (centre * m1 + cx * (r0[j] + m2)) + cy * (r1[j - 1] + r1[j + 1]);
        out1[j] = (centre * m2 + cx * (m1 + r3[j])) + cy * (r2[j - 1] + r2[j + 1]);
    }
    update_two_edges(out0, out1, r0, r1, r2, r3, body.end, j_end, c);
}

// update_row with non-temporal (cache-bypassing) stores for the 64-byte
// aligned part of out; same arithmetic, same order, so the same bits. Callers
// must issue store_fence() before other threads read what it wrote.
void update_row_streaming(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                          int64_t j_end, const Coefficients &c);
void store_fence();

// One step: interior of out from in (both nx x ny); boundaries of out untouched.
// Runs as an orphaned `omp for`: call it inside a parallel region or serially.
void step_interior(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c);
// The same with update_row_streaming, fenced before its closing barrier.
void step_interior_streaming(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c);

// The multi-step implementations. All: nsteps steps of `threads` threads,
// result in field; scratch holds nx*ny doubles whose contents on entry do not
// matter (it is first touched here, in the rows each thread computes).

// plain or streaming: one sweep per step, buffers swapped.
void evolve_sweeps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                   int threads, bool streaming);

// Temporal blocking: passes of at most `depth` steps, an even number of them
// of near-equal depths (so the result ends in field without a copy back), each
// a row wavefront over column strips of `strip` output columns; see
// heat_blocked.cpp. depth <= 1 and strip <= 0 pick default_blocking().
void evolve_blocked(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                    int threads, int depth = 0, int strip = 0);

// One wavefront pass over a window of a larger array: the interior of the
// nx x ny window `out` becomes `depth` (>= 1) steps ahead of the window `in`;
// rows of both are `stride` doubles apart. Nothing is copied and the window's
// outer ring of `out` is not written: the deep-halo MPI path
// (src/mpi/heat_field.cpp) runs it on a block plus `depth` ghost layers, where
// the ring is the outermost ghost layer or a fixed boundary. Points within
// depth-1 of a ghost ring come out wrong (their inputs beyond the ring are
// missing); points `depth` or more away are exact, bit for bit.
void advance_window(double *out, const double *in, int64_t nx, int64_t ny, int64_t stride, const Coefficients &c,
                    int64_t depth, int threads, int strip = 0);

// Runs the given path (automatic: choose_path).
void evolve_steps_with(KernelPath path, double *field, double *scratch, int64_t nx, int64_t ny,
                       const Coefficients &c, int64_t nsteps, int threads, int block_depth = 0,
                       int strip_width = 0);

// update_row out of line, for the table (the MPI overlapped path).
void update_row_call(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                     int64_t j_end, const Coefficients &c);

// This variant's entry in the dispatch table (heat_kernel.cpp).
extern const KernelTable kernel_table;

}  // namespace HPCFFI_ISA_NAMESPACE
}  // namespace hpcffi::heat
