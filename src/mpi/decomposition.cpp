// decomposition.cpp -- process grid, block extents, Cartesian neighbours.
#include "decomposition.hpp"

#include <string>
#include <utility>

#include "mpi_support.hpp"

namespace hpcffi::mpi {

Extent split_extent(int64_t n, int parts, int index) {
    const int64_t base = n / parts;
    const int64_t extra = n % parts;
    const int64_t i = index;
    return {i * base + (i < extra ? i : extra), base + (i < extra ? 1 : 0)};
}

std::array<int, 2> process_grid(int ranks, int64_t nx, int64_t ny) {
    std::array<int, 2> dims{0, 0};
    check(MPI_Dims_create(ranks, 2, dims.data()), "MPI_Dims_create");
    // MPI_Dims_create returns dims[0] >= dims[1]; give the larger factor to the
    // longer axis so blocks are closer to square and halos shorter.
    if (nx < ny) std::swap(dims[0], dims[1]);
    if (nx < dims[0] || ny < dims[1])
        fail(HPCFFI_ERR_INVALID_ARGUMENT,
             "a " + std::to_string(nx) + " x " + std::to_string(ny) + " field cannot be split over " +
                 std::to_string(ranks) + " ranks: the process grid " + std::to_string(dims[0]) + " x " +
                 std::to_string(dims[1]) + " would leave some rank an empty block; use fewer ranks or a larger field");
    return dims;
}

Comm create_cartesian(MPI_Comm comm, const std::array<int, 2> &dims) {
    int dims_copy[2] = {dims[0], dims[1]};
    const int periods[2] = {0, 0};  // fixed (Dirichlet) boundaries, never wrapped
    MPI_Comm cart = MPI_COMM_NULL;
    check(MPI_Cart_create(comm, 2, dims_copy, periods, /*reorder=*/0, &cart), "MPI_Cart_create");
    Comm owned(cart);  // freed if the next call throws
    // Inherited from comm already when comm is our duplicate; set it anyway so
    // this function is safe on any communicator.
    check(MPI_Comm_set_errhandler(cart, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    return owned;
}

Decomposition describe_rank(MPI_Comm cart, const std::array<int, 2> &dims, int64_t nx, int64_t ny, int rank) {
    Decomposition d;
    d.dims = dims;
    int coords[2] = {0, 0};
    check(MPI_Cart_coords(cart, rank, 2, coords), "MPI_Cart_coords");
    d.coords = {coords[0], coords[1]};
    d.rows = split_extent(nx, dims[0], coords[0]);
    d.cols = split_extent(ny, dims[1], coords[1]);
    return d;
}

Decomposition describe(MPI_Comm cart, const std::array<int, 2> &dims, int64_t nx, int64_t ny) {
    Decomposition d = describe_rank(cart, dims, nx, ny, rank_of(cart));
    // MPI_PROC_NULL beyond the global edges: the exchange needs no branches.
    check(MPI_Cart_shift(cart, 0, 1, &d.up, &d.down), "MPI_Cart_shift");
    check(MPI_Cart_shift(cart, 1, 1, &d.left, &d.right), "MPI_Cart_shift");
    return d;
}

}  // namespace hpcffi::mpi
