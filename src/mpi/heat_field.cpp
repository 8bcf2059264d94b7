// heat_field.cpp -- the distributed heat field: hybrid MPI + OpenMP time
// stepping with the halo exchange overlapped with the inner update.
#include "heat_field.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "threads.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace hpcffi::mpi {

namespace {
enum Tag : int { tag_scatter = 21, tag_gather = 22, tag_row_sums = 23, tag_total = 24 };

// Half-open index range [begin, end), with begin <= end.
struct Range {
    int64_t begin, end;
};
Range make_range(int64_t begin, int64_t end) { return {begin, std::max(begin, end)}; }

int omp_thread() noexcept {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

// A rows x cols block at (row0, col0) of a total_rows x total_cols row-major
// array of doubles.
Datatype subarray(int64_t total_rows, int64_t total_cols, int64_t rows, int64_t cols, int64_t row0, int64_t col0) {
    const int sizes[2] = {static_cast<int>(total_rows), static_cast<int>(total_cols)};
    const int subsizes[2] = {static_cast<int>(rows), static_cast<int>(cols)};
    const int starts[2] = {static_cast<int>(row0), static_cast<int>(col0)};
    MPI_Datatype type = MPI_DATATYPE_NULL;
    check(MPI_Type_create_subarray(2, sizes, subsizes, starts, MPI_ORDER_C, MPI_DOUBLE, &type),
          "MPI_Type_create_subarray");
    Datatype owned(type);
    check(MPI_Type_commit(&type), "MPI_Type_commit");
    return owned;
}

void wait_all(std::vector<MPI_Request> &requests, const char *what) {
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), what);
}
}  // namespace

HeatField::HeatField(int64_t nx, int64_t ny, const heat::Coefficients &c, int rank, int ranks)
    : nx_(nx), ny_(ny), c_(c) {
    // MPI counts, strides and subarray sizes are C ints.
    constexpr int64_t max_extent = INT_MAX - 2;
    if (nx > max_extent || ny > max_extent)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "the distributed field supports nx, ny <= " + std::to_string(max_extent) +
                                              " (MPI counts are C ints), got " + std::to_string(nx) + " x " +
                                              std::to_string(ny));
    d_.dims = process_grid(ranks, nx, ny);
    // A Cartesian communicator without reordering numbers ranks row-major
    // (MPI standard, section 7.5); attach() checks that MPI agrees.
    d_.coords = {rank / d_.dims[1], rank % d_.dims[1]};
    d_.rows = split_extent(nx, d_.dims[0], d_.coords[0]);
    d_.cols = split_extent(ny, d_.dims[1], d_.coords[1]);
    // Deep halos need every block of a split axis to own at least `depth`
    // rows (columns): the smallest block of that axis has n / parts.
    int64_t smallest = INT64_MAX;
    if (d_.dims[0] > 1) smallest = std::min(smallest, nx / d_.dims[0]);
    if (d_.dims[1] > 1) smallest = std::min(smallest, ny / d_.dims[1]);
    max_depth_ = std::min<int64_t>(smallest, heat::max_halo_depth);
    // The serial kernel's depth for a field of this block's size, and at
    // most 1/8 of the smallest block recomputed per side.
    const int64_t blocking_depth = heat::default_blocking(d_.rows.length, d_.cols.length).depth;
    default_depth_ = std::min({max_depth_, blocking_depth, smallest / 8});
    ghost_ = smallest == INT64_MAX ? 1 : std::max<int64_t>(max_depth_, 1);
    stride_ = d_.cols.length + 2 * ghost_;
    const int64_t rows = d_.rows.length + 2 * ghost_;
    const size_t bytes = (static_cast<size_t>(rows * stride_) * sizeof(double) + 63) / 64 * 64;
    const size_t row_bytes = static_cast<size_t>(stride_) * sizeof(double);
    const int threads = kernel_threads();
    for (auto &buffer : buffers_) {
        buffer.reset(static_cast<double *>(std::aligned_alloc(64, bytes)));
        if (!buffer) throw std::bad_alloc();
        double *p = buffer.get();
        // First touch with the stencil's static row schedule places each page
        // near the thread that will update it.
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t i = 0; i < rows; ++i) std::memset(p + i * stride_, 0, row_bytes);
    }
}

void HeatField::attach(MPI_Comm comm) {
    cart_ = create_cartesian(comm, d_.dims);
    const Decomposition described = describe(cart_.get(), d_.dims, nx_, ny_);
    if (described.coords != d_.coords)
        fail(HPCFFI_ERR_INTERNAL, "MPI_Cart_coords disagrees with the row-major rank order assumed at allocation");
    d_ = described;
    halo_ = HaloExchange(cart_.get(), d_, stride_);
    local_block_ = subarray(d_.rows.length + 2 * ghost_, stride_, d_.rows.length, d_.cols.length, ghost_, ghost_);
}

void HeatField::mirror_current() {
    const size_t bytes = static_cast<size_t>((d_.rows.length + 2 * ghost_) * stride_) * sizeof(double);
    std::memcpy(buffers_[1 - current_].get(), current(), bytes);
}

int64_t HeatField::halo_depth(int64_t nsteps) const {
    if (nsteps < 2) return 1;
    const int requested = heat::setting_from_environment("HPCFFI_HEAT_MPI_DEPTH", 1, 1024);
    const int64_t depth = requested == 0 ? default_depth_ : std::min<int64_t>(requested, max_depth_);
    return depth >= 2 ? depth : 1;
}

void HeatField::scatter(const double *global, int root) {
    const MPI_Comm comm = cart_.get();
    std::vector<MPI_Request> requests(1);
    check(MPI_Irecv(current(), 1, local_block_.get(), root, tag_scatter, comm, &requests[0]), "MPI_Irecv");
    std::vector<Datatype> blocks;
    if (rank_of(comm) == root) {
        const int ranks = size_of(comm);
        blocks.reserve(static_cast<size_t>(ranks));
        for (int r = 0; r < ranks; ++r) {
            const Decomposition dr = describe_rank(comm, d_.dims, nx_, ny_, r);
            blocks.push_back(subarray(nx_, ny_, dr.rows.length, dr.cols.length, dr.rows.begin, dr.cols.begin));
            requests.emplace_back();
            check(MPI_Isend(global, 1, blocks.back().get(), r, tag_scatter, comm, &requests.back()), "MPI_Isend");
        }
    }
    wait_all(requests, "MPI_Waitall (scatter)");
    mirror_current();
}

void HeatField::gather(double *global, int root) const {
    const MPI_Comm comm = cart_.get();
    std::vector<MPI_Request> requests(1);
    check(MPI_Isend(current(), 1, local_block_.get(), root, tag_gather, comm, &requests[0]), "MPI_Isend");
    std::vector<Datatype> blocks;
    if (rank_of(comm) == root) {
        const int ranks = size_of(comm);
        blocks.reserve(static_cast<size_t>(ranks));
        for (int r = 0; r < ranks; ++r) {
            const Decomposition dr = describe_rank(comm, d_.dims, nx_, ny_, r);
            blocks.push_back(subarray(nx_, ny_, dr.rows.length, dr.cols.length, dr.rows.begin, dr.cols.begin));
            requests.emplace_back();
            check(MPI_Irecv(global, 1, blocks.back().get(), r, tag_gather, comm, &requests.back()), "MPI_Irecv");
        }
    }
    wait_all(requests, "MPI_Waitall (gather)");
}

void HeatField::set_local(const double *block) {
    const int64_t lny = d_.cols.length;
    for (int64_t i = 0; i < d_.rows.length; ++i)
        std::memcpy(block_of(current_) + i * stride_, block + i * lny, static_cast<size_t>(lny) * sizeof(double));
    mirror_current();
}

void HeatField::get_local(double *block) const {
    const int64_t lny = d_.cols.length;
    for (int64_t i = 0; i < d_.rows.length; ++i)
        std::memcpy(block + i * lny, block_of(current_) + i * stride_, static_cast<size_t>(lny) * sizeof(double));
}

void HeatField::evolve(const heat::KernelTable &kernels, int64_t nsteps, int64_t depth, int threads, double &t_comp,
                       double &t_comm) {
    if (nsteps <= 0) return;
    if (depth >= 2)
        evolve_deep(kernels, nsteps, depth, threads, t_comp, t_comm);
    else
        evolve_overlapped(kernels, nsteps, threads, t_comp, t_comm);
}

void HeatField::evolve_deep(const heat::KernelTable &kernels, int64_t nsteps, int64_t depth, int threads, double &t_comp, double &t_comm) {
    const int64_t lnx = d_.rows.length, lny = d_.cols.length;
    double comm_seconds = 0.0;
    const double started = MPI_Wtime();
    for (int64_t done = 0; done < nsteps;) {
        const int64_t steps = std::min(depth, nsteps - done);
        if (d_.dims[0] * d_.dims[1] > 1) {  // a single rank has no ghosts to fill
            const double t = MPI_Wtime();
            halo_.exchange_deep(block_of(current_), steps);
            comm_seconds += MPI_Wtime() - t;
        }
        // The window: the block plus `steps` ghost layers on the sides that
        // have a neighbour. Its outer ring is the outermost ghost layer (or
        // the fixed global boundary), so after `steps` steps the block, which
        // is `steps` away from any ghost ring, is exact.
        const int64_t above = d_.up == MPI_PROC_NULL ? 0 : steps, below = d_.down == MPI_PROC_NULL ? 0 : steps;
        const int64_t left = d_.left == MPI_PROC_NULL ? 0 : steps, right = d_.right == MPI_PROC_NULL ? 0 : steps;
        const int64_t corner = above * stride_ + left;
        kernels.advance_window(block_of(1 - current_) - corner, block_of(current_) - corner, above + lnx + below,
                             left + lny + right, stride_, c_, steps, threads, 0);
        current_ = 1 - current_;
        done += steps;
    }
    const double elapsed = MPI_Wtime() - started;
    t_comm += comm_seconds;
    t_comp += elapsed - comm_seconds;
}

void HeatField::evolve_overlapped(const heat::KernelTable &kernels, int64_t nsteps, int threads, double &t_comp, double &t_comm) {
    const int64_t lnx = d_.rows.length, lny = d_.cols.length, row0 = d_.rows.begin, col0 = d_.cols.begin;
    const int64_t stride = stride_;
    // Ghosted local indices: block row i is global row row0 + i - 1. Only the
    // global interior, rows 1..nx-2 and columns 1..ny-2, is updated.
    const Range rows = make_range(std::max<int64_t>(1, 2 - row0), std::min(lnx + 1, nx_ - 1 - row0 + 1));
    const Range cols = make_range(std::max<int64_t>(1, 2 - col0), std::min(lny + 1, ny_ - 1 - col0 + 1));
    // The inner part reads no ghost: rows 2..lnx-1 and columns 2..lny-1.
    const Range inner_rows = make_range(std::max<int64_t>(rows.begin, 2), std::min(rows.end, lnx));
    const Range inner_cols = make_range(std::max<int64_t>(cols.begin, 2), std::min(cols.end, lny));
    const bool has_inner = inner_rows.begin < inner_rows.end && inner_cols.begin < inner_cols.end;
    // The rest, updated once the ghosts have arrived: the edge rows (above
    // and below the inner rows) in full, and the points left and right of
    // the inner columns in the inner rows.
    const Range top = make_range(rows.begin, std::min(inner_rows.begin, rows.end));
    const Range bottom = make_range(std::max(inner_rows.end, rows.begin), rows.end);
    const Range left = make_range(cols.begin, has_inner ? inner_cols.begin : cols.end);
    const Range right = make_range(has_inner ? inner_cols.end : cols.end, cols.end);
    // MPI_Testall every this many inner rows: often enough to keep a
    // rendezvous moving, rarely enough to cost nothing measurable.
    const int64_t progress_rows = std::max<int64_t>(1, 16384 / std::max<int64_t>(lny, 1));
    // Edge rows are cut into column chunks so that all threads share them.
    constexpr int64_t chunk = 1024;
    const int64_t chunks_per_row = (cols.end - cols.begin + chunk - 1) / chunk;
    const int64_t edge_rows = (top.end - top.begin) + (bottom.end - bottom.begin);

    const heat::Coefficients c = c_;
    // Ghosted local indices with a ghost frame of width 1: index (0, 0) is
    // the corner one ghost layer outside the block.
    double *buffer[2] = {block_of(current_) - stride - 1, block_of(1 - current_) - stride - 1};
    double comm_seconds = 0.0;
    int mpi_error = MPI_SUCCESS;
    const double started = MPI_Wtime();
#pragma omp parallel num_threads(threads)
    {
        double *in = buffer[0];  // written only by the halo receives (ghosts)
        double *out = buffer[1];
        auto update = [&](int64_t i, int64_t j_begin, int64_t j_end) {
            kernels.update_row(out + i * stride, in + (i - 1) * stride, in + i * stride, in + (i + 1) * stride, j_begin,
                             j_end, c);
        };
        for (int64_t step = 0; step < nsteps; ++step) {
            // MPI from the master thread only (MPI_THREAD_FUNNELED); the other
            // threads go straight on to the inner part, which needs no ghost.
#pragma omp master
            {
                const double t = MPI_Wtime();
                mpi_error = halo_.start(in);
                comm_seconds += MPI_Wtime() - t;
            }
            if (has_inner) {
#pragma omp for schedule(static) nowait
                for (int64_t i = inner_rows.begin; i < inner_rows.end; ++i) {
                    update(i, inner_cols.begin, inner_cols.end);
                    // The master thread (the only one allowed to call MPI)
                    // nudges the transfers along every few rows.
                    if (omp_thread() == 0 && (i - inner_rows.begin) % progress_rows == progress_rows - 1) {
                        const double t = MPI_Wtime();
                        const int err = halo_.progress();
                        if (mpi_error == MPI_SUCCESS) mpi_error = err;
                        comm_seconds += MPI_Wtime() - t;
                    }
                }
            }
#pragma omp master
            {
                const double t = MPI_Wtime();
                const int err = halo_.finish();
                if (mpi_error == MPI_SUCCESS) mpi_error = err;
                comm_seconds += MPI_Wtime() - t;
            }
#pragma omp barrier
            // Every thread reads the flag after the barrier, so all leave together.
            if (mpi_error != MPI_SUCCESS) break;
#pragma omp for schedule(static) nowait
            for (int64_t k = 0; k < edge_rows * chunks_per_row; ++k) {
                const int64_t e = k / chunks_per_row;
                const int64_t i = e < top.end - top.begin ? top.begin + e : bottom.begin + (e - (top.end - top.begin));
                const int64_t j = cols.begin + (k % chunks_per_row) * chunk;
                update(i, j, std::min(j + chunk, cols.end));
            }
#pragma omp for schedule(static)
            for (int64_t i = inner_rows.begin; i < inner_rows.end; ++i) {
                if (left.begin < left.end) update(i, left.begin, left.end);
                if (right.begin < right.end) update(i, right.begin, right.end);
            }
            // The implicit barrier above ends the step: `out` is complete.
            std::swap(in, out);
        }
    }
    const double elapsed = MPI_Wtime() - started;
    check(mpi_error, "halo exchange");
    if (nsteps % 2 != 0) current_ = 1 - current_;
    t_comm += comm_seconds;
    t_comp += elapsed - comm_seconds;
}

double HeatField::mean(int threads) const {
    // hpcffi_heat_mean sums each row left to right from 0.0, then the row sums
    // top to bottom from 0.0. A reduction tree (MPI_Allreduce) would add in
    // another order and change the last bits with the rank count, so the
    // running sums travel instead: along each process row from left to
    // right, then down the last process column. Latency grows with
    // dims[0] + dims[1] messages, which is fine for a once-per-run value.
    const MPI_Comm comm = cart_.get();
    const int64_t lnx = d_.rows.length, lny = d_.cols.length;
    std::vector<double> row_sums(static_cast<size_t>(lnx), 0.0);
    const bool first_col = d_.coords[1] == 0, last_col = d_.coords[1] == d_.dims[1] - 1;
    if (!first_col)
        check(MPI_Recv(row_sums.data(), static_cast<int>(lnx), MPI_DOUBLE, d_.left, tag_row_sums, comm,
                       MPI_STATUS_IGNORE),
              "MPI_Recv (row sums)");
    const double *field = block_of(current_) - stride_ - 1;  // the width-1 frame's corner, as above
    const int64_t stride = stride_;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t i = 0; i < lnx; ++i) {
        double sum = row_sums[static_cast<size_t>(i)];
        const double *row = field + (i + 1) * stride + 1;
        for (int64_t j = 0; j < lny; ++j) sum += row[j];
        row_sums[static_cast<size_t>(i)] = sum;
    }
    if (!last_col)
        check(MPI_Send(row_sums.data(), static_cast<int>(lnx), MPI_DOUBLE, d_.right, tag_row_sums, comm),
              "MPI_Send (row sums)");
    double total = 0.0;
    if (last_col) {
        if (d_.coords[0] > 0)
            check(MPI_Recv(&total, 1, MPI_DOUBLE, d_.up, tag_total, comm, MPI_STATUS_IGNORE), "MPI_Recv (total)");
        for (double s : row_sums) total += s;
        if (d_.coords[0] < d_.dims[0] - 1)
            check(MPI_Send(&total, 1, MPI_DOUBLE, d_.down, tag_total, comm), "MPI_Send (total)");
    }
    // The bottom-right rank, last in row-major order, holds the full sum.
    check(MPI_Bcast(&total, 1, MPI_DOUBLE, size_of(comm) - 1, comm), "MPI_Bcast (total)");
    return total / static_cast<double>(nx_ * ny_);
}

}  // namespace hpcffi::mpi
