// decomposition.hpp -- how an nx x ny field is split over a 2D grid of ranks.
//
// The process grid is dims[0] x dims[1] (rows x columns), non-periodic. The
// blocks tile the WHOLE global field, fixed boundary rows and columns
// included; only global interior points are ever updated. Along each axis,
// n points over p blocks give the first n % p blocks one point more:
//
//   nx = 7 over 3 block rows:   rows 0-2 | rows 3-4 | rows 5-6
//
// A rank whose block would be empty is an error (the field is too small for
// that many ranks), reported before any communicator is created.
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>

#include "mpi_support.hpp"

namespace hpcffi::mpi {

struct Extent {
    int64_t begin;   // first global index of the block
    int64_t length;  // number of points, >= 0
};

// Block `index` of n points split into `parts` blocks, first n % parts one larger.
Extent split_extent(int64_t n, int parts, int index);

// The process grid for `ranks` ranks on an nx x ny field: MPI_Dims_create's
// balanced factors, the larger one along the longer axis (shorter halos).
// Throws HPCFFI_ERR_INVALID_ARGUMENT if a block would be empty. Local: every
// rank computes the same answer from the same arguments.
std::array<int, 2> process_grid(int ranks, int64_t nx, int64_t ny);

struct Decomposition {
    std::array<int, 2> dims{1, 1};    // process grid (rows, columns)
    std::array<int, 2> coords{0, 0};  // this rank's place in it
    Extent rows{0, 0};                // this rank's global rows
    Extent cols{0, 0};                // and columns
    int up = MPI_PROC_NULL;           // neighbour owning the rows above (i - 1)
    int down = MPI_PROC_NULL;         // rows below (i + 1)
    int left = MPI_PROC_NULL;         // columns to the left (j - 1)
    int right = MPI_PROC_NULL;        // columns to the right (j + 1)
};

// MPI_Cart_create over comm (no reordering, so ranks keep their numbers and
// `root` arguments mean the same rank in both) with errors returned, not
// fatal. Collective over comm.
Comm create_cartesian(MPI_Comm comm, const std::array<int, 2> &dims);

// This rank's block and neighbours in a communicator made by create_cartesian.
Decomposition describe(MPI_Comm cart, const std::array<int, 2> &dims, int64_t nx, int64_t ny);
// Any rank's block, for root's scatter and gather.
Decomposition describe_rank(MPI_Comm cart, const std::array<int, 2> &dims, int64_t nx, int64_t ny, int rank);

}  // namespace hpcffi::mpi
