// heat_blocked.cpp -- temporal blocking: several time steps per trip through
// memory, as a row wavefront.
//
// A plain sweep reads and writes the whole field once per step, so on fields
// larger than the cache it runs at memory speed (24 B per point and step).
// Here each thread advances its band of rows `depth` steps (time levels) at
// once, keeping the intermediate levels in small ring buffers of 4 rows:
//
//   time level       rows i ->         computed at wavefront position p
//   depth (out)      o o o o X X . .   rows p-depth+1, p-depth+2, to the out field
//     ...              ...
//   2     (ring)     . . o o o o X X   rows p-1, p, from level 1 rows p-2 .. p+1
//   1     (ring)     . . . . o o X X   rows p, p+1, from input rows p-1 .. p+2
//   0     (input)    = = = = = = = = = read from memory once; rows p+1, p+2 are new
//                    (o: rows still held in a level's 4-row ring)
//
// The wavefront advances two rows per position: at position p the thread
// computes level 1 rows p and p+1, then level 2 rows p-1 and p, ..., level
// `depth` rows p-depth+1 and p-depth+2. Each pair (i, i+1) needs the rows
// i-1 .. i+2 one level below: the two that level computed at this position
// and the two from the previous one, its ring's four rows. The pair goes
// through update_two_rows, which loads the two shared rows once (8 loads per
// 2 points instead of 10, and one loop's overhead for two rows: 1.19x on
// 200x200, 1 thread, over single rows). So every input row is read from
// memory once per pass and every output row is written once, and the working
// set (depth-1 levels x 4 rows) stays in cache.
//
// To keep the rings in cache on wide fields, the columns are processed in
// strips of strip_width (see default_blocking()); level k of a strip covers the strip's
// output columns widened by (depth - k) on each side, so that the final level
// has all the neighbours it needs (the widening is recomputed by both
// neighbouring strips: a few percent of extra work). Threads split the output
// rows the same way, each recomputing depth-1 rows of halo from the input;
// they only meet at one barrier per pass. Scratch gets only the fixed
// boundary at the start, and the steps are split into an even number of
// passes, so a run copies no field (see plan_passes).
//
// Every point is computed by update_row()'s expression, as in the plain
// kernel, from the same neighbour values, so the result has the same bits for any depth,
// strip width and thread count.
#include <cstring>

#include "heat_kernel.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace hpcffi::heat {
inline namespace HPCFFI_ISA_NAMESPACE {
namespace {

constexpr int64_t prefetch_rows_ahead = 2;  // input rows requested before use
constexpr int64_t doubles_per_line = 64 / sizeof(double);

struct RowRange {
    int64_t begin, end;  // [begin, end)
};

// Interior rows [1, nx-1) split into near-equal contiguous bands, the same
// split as `omp for schedule(static)`.
RowRange thread_band(int64_t nx, int thread, int threads) {
    const int64_t rows = max_of(nx - 2, 0);
    const int64_t base = rows / threads, extra = rows % threads;
    const int64_t begin = 1 + thread * base + min_of(thread, extra);
    return {begin, begin + base + (thread < extra ? 1 : 0)};
}

// One pass: rows `band` of out become `depth` steps ahead of in (both nx x ny
// at row stride `stride`). ring holds (depth - 1) levels x 4 rows x
// ring_width doubles (ring_row_doubles), 64-byte aligned.
void wavefront_pass(double *out, const double *in, int64_t nx, int64_t ny, int64_t stride, const Coefficients &c,
                    RowRange band, int64_t depth, int64_t strip_width, double *ring, int64_t ring_width) {
    if (band.begin >= band.end) return;
    for (int64_t strip_begin = 1; strip_begin < ny - 1; strip_begin += strip_width) {
        const int64_t strip_end = min_of(strip_begin + strip_width, ny - 1);
        // Columns any level of this strip touches; every row pointer below
        // points at column first_column of its row.
        const int64_t first_column = max_of(0, strip_begin - depth);
        const int64_t last_column = min_of(ny, strip_end + depth);  // exclusive

        // Ring rows start at the same offset within a cache line as the
        // field's rows at first_column (ring and ring_width are multiples of
        // 64 bytes), so that the row kernels' aligned vector loop finds every
        // row aligned alike.
        const int64_t shift = static_cast<int64_t>(reinterpret_cast<uintptr_t>(in + first_column) % 64) / 8;
        auto ring_row = [&](int64_t level, int64_t i) {
            return ring + ((level - 1) * ring_rows_per_level + i % ring_rows_per_level) * ring_width + shift;
        };
        // Row i at time level `level` (0 = input). Boundary rows never change.
        auto level_row = [&](int64_t level, int64_t i) -> const double * {
            if (level == 0 || i == 0 || i == nx - 1) return in + i * stride + first_column;
            return ring_row(level, i);
        };

        // Positions advance two rows at a time: at position p, level k
        // computes rows p-k+1 and p-k+2 from level k-1's rows p-k .. p-k+3
        // (the two it computed at this position and the two from the
        // previous one: the 4 rows of its ring).
        const int64_t first_position = max_of(1, band.begin - (depth - 1));
        const int64_t last_position = band.end - 1 + (depth - 1);  // the last row level 1 may need
        for (int64_t p = first_position; p <= last_position; p += 2) {
            for (int64_t ahead = p + 1 + prefetch_rows_ahead; ahead <= p + 2 + prefetch_rows_ahead; ++ahead)
                if (ahead < nx)
                    for (int64_t j = first_column; j < last_column; j += doubles_per_line)
                        __builtin_prefetch(in + ahead * stride + j);

            for (int64_t level = 1; level <= depth; ++level) {
                const int64_t i = p - (level - 1);    // the pair's first row
                const int64_t widen = depth - level;  // steps still to come after this level
                const int64_t rows_begin = max_of(1, band.begin - widen);
                const int64_t rows_end = min_of(nx - 1, band.end + widen);
                const bool first = i >= rows_begin && i < rows_end, second = i + 1 >= rows_begin && i + 1 < rows_end;
                if (!first && !second) continue;
                const int64_t j_begin = max_of(1, strip_begin - widen);
                const int64_t j_end = min_of(ny - 1, strip_end + widen);
                const int64_t o = j_begin - first_column;  // offset of j_begin in every row
                auto target = [&](int64_t row) {
                    return level == depth ? out + row * stride + first_column : ring_row(level, row);
                };
                auto below = [&](int64_t row) { return level_row(level - 1, row) + o; };
                if (first && second)
                    update_two_rows(target(i) + o, target(i + 1) + o, below(i - 1), below(i), below(i + 1),
                                    below(i + 2), 0, j_end - j_begin, c);
                else {
                    const int64_t row = first ? i : i + 1;
                    update_row(target(row) + o, below(row - 1), below(row), below(row + 1), 0, j_end - j_begin, c);
                }
                if (level < depth)  // the next level reads the fixed boundary columns too
                    for (int64_t row = first ? i : i + 1; row <= (second ? i + 1 : i); ++row) {
                        if (first_column == 0) target(row)[0] = in[row * stride];
                        if (last_column == ny) target(row)[ny - 1 - first_column] = in[row * stride + ny - 1];
                    }
            }
        }
    }
}

// This thread's number and the team's size inside a parallel region.
struct ThreadInTeam {
    int thread, team;
};
ThreadInTeam thread_and_team() {
#ifdef _OPENMP
    return {omp_get_thread_num(), omp_get_num_threads()};
#else
    return {0, 1};
#endif
}

// The doubles per ring row for strips of strip_width output columns: the
// widest level (strip + 2 x depth) plus up to 7 of alignment shift, rounded
// up to whole cache lines.
int64_t ring_row_doubles(int64_t strip_width, int64_t ny, int64_t depth) {
    return (min_of(strip_width, ny) + 2 * depth + 7 + 7) / 8 * 8;
}

// The (depth - 1) x 3 ring rows of one thread's passes. Uninitialised: every
// ring value is written before it is read.
int64_t ring_doubles(int64_t depth, int64_t ring_width) {
    return (depth - 1) * ring_rows_per_level * ring_width;
}

// The depth of each pass for nsteps steps of at most max_depth each: an even
// number of passes (when nsteps >= 2), so that the result ends in `field`
// without a copy back from scratch (on a field beyond the cache a copy costs
// as much memory traffic as a pass does useful work), and near-equal depths.
struct PassPlan {
    int64_t passes, base_depth, deeper;  // the first `deeper` passes have base_depth + 1 steps
    int64_t depth(int64_t pass) const { return base_depth + (pass < deeper ? 1 : 0); }
};
PassPlan plan_passes(int64_t nsteps, int64_t max_depth) {
    int64_t passes = (nsteps + max_depth - 1) / max_depth;
    if (passes % 2 == 1 && nsteps >= passes + 1) ++passes;  // (nsteps == 1: one pass, a copy back)
    return {passes, nsteps / passes, nsteps % passes};
}

}  // namespace

void evolve_blocked(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                    int threads, int depth, int strip) {
    if (nsteps <= 0) return;
    const Blocking blocking = effective_blocking(nx, ny, threads, depth, strip);
    const int64_t max_depth = blocking.depth, strip_width = blocking.strip;
    const int64_t ring_width = ring_row_doubles(strip_width, ny, max_depth);
    const PassPlan plan = plan_passes(nsteps, max_depth);
    const size_t row_bytes = static_cast<size_t>(ny) * sizeof(double);
#pragma omp parallel num_threads(threads)
    {
        const auto [thread, team] = thread_and_team();
        const RowRange band = thread_band(nx, thread, team);
        // Scratch needs only the fixed boundary (every pass writes the whole
        // interior before the next one reads it): the first and last rows and
        // each row's two end values. Each thread sets the rows it will write,
        // so the interior's pages are first touched by the thread that
        // computes them, in the first pass.
        for (int64_t i = band.begin; i < band.end; ++i) {
            scratch[i * ny] = field[i * ny];
            scratch[i * ny + ny - 1] = field[i * ny + ny - 1];
        }
        if (thread == 0) std::memcpy(scratch, field, row_bytes);
        if (thread == team - 1) std::memcpy(scratch + (nx - 1) * ny, field + (nx - 1) * ny, row_bytes);
        const DoubleBuffer ring(ring_doubles(max_depth, ring_width));
#pragma omp barrier

        double *from = field;
        double *to = scratch;
        for (int64_t pass = 0; pass < plan.passes; ++pass) {
            wavefront_pass(to, from, nx, ny, ny, c, band, plan.depth(pass), strip_width, ring.get(), ring_width);
#pragma omp barrier
            swap_pointers(from, to);
        }
        if (from != field) {  // an odd number of passes (a single step)
#pragma omp for schedule(static)
            for (int64_t i = 1; i < nx - 1; ++i)
                std::memcpy(field + i * ny + 1, from + i * ny + 1, row_bytes - 2 * sizeof(double));
        }
    }
}

void advance_window(double *out, const double *in, int64_t nx, int64_t ny, int64_t stride, const Coefficients &c,
                    int64_t depth, int threads, int strip) {
    if (depth < 1) return;
    const int64_t strip_width = strip >= 1 ? strip : strip_for_depth(static_cast<int>(depth));
    const int64_t ring_width = ring_row_doubles(strip_width, ny, depth);
#pragma omp parallel num_threads(threads)
    {
        const auto [thread, team] = thread_and_team();
        const DoubleBuffer ring(ring_doubles(depth, ring_width));
        wavefront_pass(out, in, nx, ny, stride, c, thread_band(nx, thread, team), depth, strip_width, ring.get(),
                       ring_width);
    }
}

}  // namespace HPCFFI_ISA_NAMESPACE
}  // namespace hpcffi::heat
