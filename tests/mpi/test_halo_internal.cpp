// test_halo_internal.cpp -- the C++ layer under the ABI: process grid
// choice, block extents and the ghost values after one halo exchange
// (width 1, and deep halos with corners).
// Built from the library's sources directly (src/mpi), not through the ABI.
#include <mpi.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mpi/decomposition.hpp"
#include "mpi/halo.hpp"
#include "mpi/mpi_support.hpp"

namespace hm = hpcffi::mpi;

namespace {
int world_size() {
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

// The value every test field holds at global (i, j): unique per point.
double global_value(int64_t i, int64_t j) { return static_cast<double>(1000 * i + j); }
constexpr double untouched = -1.0;
}  // namespace

TEST(Decomposition, SplitExtentGivesTheFirstBlocksOneMore) {
    // 7 over 3: 3, 2, 2 starting at 0, 3, 5.
    EXPECT_EQ(hm::split_extent(7, 3, 0).begin, 0);
    EXPECT_EQ(hm::split_extent(7, 3, 0).length, 3);
    EXPECT_EQ(hm::split_extent(7, 3, 1).begin, 3);
    EXPECT_EQ(hm::split_extent(7, 3, 1).length, 2);
    EXPECT_EQ(hm::split_extent(7, 3, 2).begin, 5);
    EXPECT_EQ(hm::split_extent(7, 3, 2).length, 2);
    for (int64_t n : {1, 5, 12, 97})
        for (int p = 1; p <= 8; ++p) {
            int64_t next = 0;
            for (int k = 0; k < p; ++k) {
                const hm::Extent e = hm::split_extent(n, p, k);
                EXPECT_EQ(e.begin, next);
                next = e.begin + e.length;
            }
            EXPECT_EQ(next, n);
        }
}

TEST(Decomposition, ProcessGridRejectsFieldsTooSmallForTheRanks) {
    // 3 x 3 on 5 ranks: MPI_Dims_create gives 5 x 1, and 3 rows cannot make
    // 5 non-empty blocks.
    try {
        hm::process_grid(5, 3, 3);
        ADD_FAILURE() << "no error";
    } catch (const hpcffi::Error &e) {
        EXPECT_EQ(e.status(), HPCFFI_ERR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(e.what()).find("empty block"), std::string::npos) << e.what();
    }
    EXPECT_THROW(hm::process_grid(7, 3, 6), hpcffi::Error);  // 7 x 1 over 6 columns
    // 4 ranks always fit a 3 x 3 field (2 x 2 grid), and the longer axis
    // gets the larger factor.
    EXPECT_EQ(hm::process_grid(4, 3, 3), (std::array<int, 2>{2, 2}));
    EXPECT_EQ(hm::process_grid(6, 100, 10), (std::array<int, 2>{3, 2}));
    EXPECT_EQ(hm::process_grid(6, 10, 100), (std::array<int, 2>{2, 3}));
    EXPECT_EQ(hm::process_grid(3, 3, 3), (std::array<int, 2>{3, 1}));
}

TEST(Halo, GhostsHoldTheNeighboursEdgesAfterOneExchange) {
    for (auto shape : {std::array<int64_t, 2>{7, 5}, {5, 7}, {12, 9}, {3, 3}}) {
        const int64_t nx = shape[0], ny = shape[1];
        SCOPED_TRACE(std::to_string(nx) + " x " + std::to_string(ny));
        const std::array<int, 2> dims = hm::process_grid(world_size(), nx, ny);
        hm::Comm dup = hm::duplicate(MPI_COMM_WORLD);
        hm::Comm cart = hm::create_cartesian(dup.get(), dims);
        const hm::Decomposition d = hm::describe(cart.get(), dims, nx, ny);
        const int64_t lnx = d.rows.length, lny = d.cols.length, stride = lny + 2;

        std::vector<double> block(static_cast<size_t>((lnx + 2) * stride), untouched);
        auto at = [&](int64_t i, int64_t j) -> double & { return block[static_cast<size_t>(i * stride + j)]; };
        for (int64_t i = 1; i <= lnx; ++i)
            for (int64_t j = 1; j <= lny; ++j) at(i, j) = global_value(d.rows.begin + i - 1, d.cols.begin + j - 1);

        hm::HaloExchange halo(cart.get(), d, stride);
        ASSERT_EQ(halo.start(block.data()), MPI_SUCCESS);
        ASSERT_EQ(halo.finish(), MPI_SUCCESS);

        const int64_t r0 = d.rows.begin, c0 = d.cols.begin;
        for (int64_t j = 1; j <= lny; ++j) {
            // Row above the block: the up neighbour's last row, i.e. global row r0 - 1.
            EXPECT_EQ(at(0, j), d.up == MPI_PROC_NULL ? untouched : global_value(r0 - 1, c0 + j - 1));
            EXPECT_EQ(at(lnx + 1, j), d.down == MPI_PROC_NULL ? untouched : global_value(r0 + lnx, c0 + j - 1));
        }
        for (int64_t i = 1; i <= lnx; ++i) {
            EXPECT_EQ(at(i, 0), d.left == MPI_PROC_NULL ? untouched : global_value(r0 + i - 1, c0 - 1));
            EXPECT_EQ(at(i, lny + 1), d.right == MPI_PROC_NULL ? untouched : global_value(r0 + i - 1, c0 + lny));
        }
        // Corners are never exchanged (the 5-point stencil does not read them),
        // and the block itself is unchanged.
        EXPECT_EQ(at(0, 0), untouched);
        EXPECT_EQ(at(0, lny + 1), untouched);
        EXPECT_EQ(at(lnx + 1, 0), untouched);
        EXPECT_EQ(at(lnx + 1, lny + 1), untouched);
        for (int64_t i = 1; i <= lnx; ++i)
            for (int64_t j = 1; j <= lny; ++j) EXPECT_EQ(at(i, j), global_value(r0 + i - 1, c0 + j - 1));
        // Neighbours at the global edges are exactly the missing ones.
        EXPECT_EQ(d.up == MPI_PROC_NULL, r0 == 0);
        EXPECT_EQ(d.down == MPI_PROC_NULL, r0 + lnx == nx);
        EXPECT_EQ(d.left == MPI_PROC_NULL, c0 == 0);
        EXPECT_EQ(d.right == MPI_PROC_NULL, c0 + lny == ny);
    }
}

TEST(Halo, DeepHalosHoldTheNeighboursRowsColumnsAndCorners) {
    // Each case: field shape and halo width; every block of a split axis has
    // at least `width` rows/columns.
    struct Case {
        int64_t nx, ny, width;
    };
    for (const Case &k : {Case{12, 9, 2}, Case{40, 33, 5}, Case{9, 40, 3}, Case{16, 16, 1}}) {
        SCOPED_TRACE(std::to_string(k.nx) + " x " + std::to_string(k.ny) + ", width " + std::to_string(k.width));
        const std::array<int, 2> dims = hm::process_grid(world_size(), k.nx, k.ny);
        hm::Comm dup = hm::duplicate(MPI_COMM_WORLD);
        hm::Comm cart = hm::create_cartesian(dup.get(), dims);
        const hm::Decomposition d = hm::describe(cart.get(), dims, k.nx, k.ny);
        const int64_t lnx = d.rows.length, lny = d.cols.length, g = k.width + 1;  // one spare layer
        const int64_t stride = lny + 2 * g;
        std::vector<double> buffer(static_cast<size_t>((lnx + 2 * g) * stride), untouched);
        // Block-relative indices, (0, 0) = the block's first point.
        auto at = [&](int64_t i, int64_t j) -> double & {
            return buffer[static_cast<size_t>((i + g) * stride + j + g)];
        };
        const int64_t r0 = d.rows.begin, c0 = d.cols.begin;
        for (int64_t i = 0; i < lnx; ++i)
            for (int64_t j = 0; j < lny; ++j) at(i, j) = global_value(r0 + i, c0 + j);

        hm::HaloExchange halo(cart.get(), d, stride);
        halo.exchange_deep(&at(0, 0), k.width);

        // Expected: the global value wherever the point lies within `width`
        // of the block on sides that have a neighbour (corners included when
        // both sides do), untouched everywhere else.
        const int64_t above = d.up == MPI_PROC_NULL ? 0 : k.width, below = d.down == MPI_PROC_NULL ? 0 : k.width;
        const int64_t left = d.left == MPI_PROC_NULL ? 0 : k.width, right = d.right == MPI_PROC_NULL ? 0 : k.width;
        for (int64_t i = -g; i < lnx + g; ++i)
            for (int64_t j = -g; j < lny + g; ++j) {
                const bool filled = i >= -above && i < lnx + below && j >= -left && j < lny + right;
                EXPECT_EQ(at(i, j), filled ? global_value(r0 + i, c0 + j) : untouched) << "at " << i << ", " << j;
            }
    }
}
