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
// "avx2", x86-64-v4 "avx512"; one "generic" or "native" build elsewhere),
// each time with HPCFFI_ISA_NAMESPACE naming a namespace of its own. So
// nothing here, not even an inline function, is shared between variants: a
// copy compiled for AVX-512 can never be picked by the linker for a caller
// that runs on an AVX2 machine. heat_isa.cpp chooses the variant at run time.
#pragma once

#include <cstddef>
#include <cstdint>

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
class DoubleBuffer {
public:
    explicit DoubleBuffer(int64_t n) : p_(new double[static_cast<size_t>(n)]) {}  // uninitialised
    ~DoubleBuffer() { delete[] p_; }
    DoubleBuffer(const DoubleBuffer &) = delete;
    DoubleBuffer &operator=(const DoubleBuffer &) = delete;
    double *get() const noexcept { return p_; }

private:
    double *p_;
};

// out[j] for j in [j_begin, j_end), from the rows above (up, i-1), at (mid, i)
// and below (down, i+1). The pointers are row starts; no two overlap.
inline void update_row(double *__restrict out, const double *__restrict up, const double *__restrict mid,
                       const double *__restrict down, int64_t j_begin, int64_t j_end, const Coefficients &c) {
    const double centre = c.centre, cx = c.cx, cy = c.cy;
#pragma omp simd
    for (int64_t j = j_begin; j < j_end; ++j)
        out[j] = (centre * mid[j] + cx * (up[j] + down[j])) + cy * (mid[j - 1] + mid[j + 1]);
}

// Two neighbouring rows at once: out0 from (r0, r1, r2), out1 from (r1, r2,
// r3), each point by update_row's expression in update_row's order (same
// bits). Rows r1 and r2 serve both outputs, so 16 points take 8 loads
// instead of 10, and one loop's overhead instead of two.
inline void update_two_rows(double *__restrict out0, double *__restrict out1, const double *__restrict r0,
                            const double *__restrict r1, const double *__restrict r2, const double *__restrict r3,
                            int64_t j_begin, int64_t j_end, const Coefficients &c) {
    const double centre = c.centre, cx = c.cx, cy = c.cy;
#pragma omp simd
    for (int64_t j = j_begin; j < j_end; ++j) {
        const double m1 = r1[j], m2 = r2[j];
        out0[j] = (centre * m1 + cx * (r0[j] + m2)) + cy * (r1[j - 1] + r1[j + 1]);
        out1[j] = (centre * m2 + cx * (m1 + r3[j])) + cy * (r2[j - 1] + r2[j + 1]);
    }
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
