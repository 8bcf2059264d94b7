// halo.cpp -- Isend/Irecv of edge rows (contiguous, or MPI_Type_vector for
// several) and edge columns (MPI_Type_vector), one tag per direction of
// travel: the width-1 exchange overlapped with computation, and the blocking
// deep-halo exchange.
#include "halo.hpp"

namespace hpcffi::mpi {

namespace {
// Tag = the direction a message travels. A receive from `up` expects what
// `up` sent downwards. Distinct tags keep the two messages between a pair of
// ranks apart even when both directions connect the same two ranks.
enum Tag : int { travels_up = 11, travels_down = 12, travels_left = 13, travels_right = 14 };
}  // namespace

HaloExchange::HaloExchange(MPI_Comm cart, const Decomposition &d, int64_t stride)
    : comm_(cart),
      lnx_(d.rows.length),
      lny_(d.cols.length),
      stride_(stride),
      up_(d.up),
      down_(d.down),
      left_(d.left),
      right_(d.right) {
    MPI_Datatype column = MPI_DATATYPE_NULL;
    check(MPI_Type_vector(static_cast<int>(lnx_), 1, static_cast<int>(stride_), MPI_DOUBLE, &column),
          "MPI_Type_vector");
    column_ = Datatype(column);
    check(MPI_Type_commit(&column), "MPI_Type_commit");
}

int HaloExchange::start(double *field) noexcept {
    const int row = static_cast<int>(lny_);
    double *first_row = field + stride_ + 1;      // (1, 1)
    double *last_row = field + lnx_ * stride_ + 1;  // (lnx, 1)
    double *first_col = field + stride_ + 1;      // (1, 1), down the column
    double *last_col = field + stride_ + lny_;    // (1, lny)
    const MPI_Datatype col = column_.get();
    MPI_Request *r = requests_.data();
    active_ = 0;
    // Receives first, so that a matching send can land without buffering.
    int err = MPI_Irecv(field + 1, row, MPI_DOUBLE, up_, travels_down, comm_, &r[active_++]);
    if (err == MPI_SUCCESS)
        err = MPI_Irecv(field + (lnx_ + 1) * stride_ + 1, row, MPI_DOUBLE, down_, travels_up, comm_, &r[active_++]);
    if (err == MPI_SUCCESS) err = MPI_Irecv(field + stride_, 1, col, left_, travels_right, comm_, &r[active_++]);
    if (err == MPI_SUCCESS)
        err = MPI_Irecv(field + stride_ + lny_ + 1, 1, col, right_, travels_left, comm_, &r[active_++]);
    if (err == MPI_SUCCESS) err = MPI_Isend(first_row, row, MPI_DOUBLE, up_, travels_up, comm_, &r[active_++]);
    if (err == MPI_SUCCESS) err = MPI_Isend(last_row, row, MPI_DOUBLE, down_, travels_down, comm_, &r[active_++]);
    if (err == MPI_SUCCESS) err = MPI_Isend(first_col, 1, col, left_, travels_left, comm_, &r[active_++]);
    if (err == MPI_SUCCESS) err = MPI_Isend(last_col, 1, col, right_, travels_right, comm_, &r[active_++]);
    if (err != MPI_SUCCESS) --active_;  // the failed call produced no request
    return err;
}

int HaloExchange::progress() noexcept {
    int done = 0;
    return MPI_Testall(active_, requests_.data(), &done, MPI_STATUSES_IGNORE);
}

int HaloExchange::finish() noexcept {
    const int err = MPI_Waitall(active_, requests_.data(), MPI_STATUSES_IGNORE);
    active_ = 0;
    return err;
}

namespace {
// `count` blocks of `length` doubles, `stride` apart.
Datatype strided(int64_t count, int64_t length, int64_t stride) {
    MPI_Datatype type = MPI_DATATYPE_NULL;
    check(MPI_Type_vector(static_cast<int>(count), static_cast<int>(length), static_cast<int>(stride), MPI_DOUBLE,
                          &type),
          "MPI_Type_vector");
    Datatype owned(type);
    check(MPI_Type_commit(&type), "MPI_Type_commit");
    return owned;
}

void wait(std::array<MPI_Request, 4> &requests, const char *what) {
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), what);
}
}  // namespace

void HaloExchange::exchange_deep(double *block, int64_t width) {
    const int64_t w = width, s = stride_;
    std::array<MPI_Request, 4> r{};
    // Rows: `w` rows of the block's `lny` columns.
    const Datatype rows = strided(w, lny_, s);
    check(MPI_Irecv(block - w * s, 1, rows.get(), up_, travels_down, comm_, &r[0]), "MPI_Irecv (deep halo)");
    check(MPI_Irecv(block + lnx_ * s, 1, rows.get(), down_, travels_up, comm_, &r[1]), "MPI_Irecv (deep halo)");
    check(MPI_Isend(block, 1, rows.get(), up_, travels_up, comm_, &r[2]), "MPI_Isend (deep halo)");
    check(MPI_Isend(block + (lnx_ - w) * s, 1, rows.get(), down_, travels_down, comm_, &r[3]),
          "MPI_Isend (deep halo)");
    wait(r, "MPI_Waitall (deep halo rows)");
    // Columns: `w` columns over the block's rows and the ghost rows that now
    // hold the up and down neighbours' rows (absent at a global edge). The
    // left and right neighbours share this rank's rows, so they have the
    // same ghost rows: this carries the diagonal neighbours' corners.
    const int64_t above = up_ == MPI_PROC_NULL ? 0 : w, below = down_ == MPI_PROC_NULL ? 0 : w;
    const Datatype cols = strided(above + lnx_ + below, w, s);
    double *first = block - above * s;  // (-above, 0)
    check(MPI_Irecv(first - w, 1, cols.get(), left_, travels_right, comm_, &r[0]), "MPI_Irecv (deep halo)");
    check(MPI_Irecv(first + lny_, 1, cols.get(), right_, travels_left, comm_, &r[1]), "MPI_Irecv (deep halo)");
    check(MPI_Isend(first, 1, cols.get(), left_, travels_left, comm_, &r[2]), "MPI_Isend (deep halo)");
    check(MPI_Isend(first + lny_ - w, 1, cols.get(), right_, travels_right, comm_, &r[3]), "MPI_Isend (deep halo)");
    wait(r, "MPI_Waitall (deep halo columns)");
}

}  // namespace hpcffi::mpi
