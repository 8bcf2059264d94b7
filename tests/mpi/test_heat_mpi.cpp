// test_heat_mpi.cpp -- the distributed heat field against the serial kernel:
// decomposition, scatter/gather, local blocks, evolve (bit for bit), mean,
// split communicators.
#include <algorithm>
#include <map>
#include <utility>

#include "mpi_test_support.hpp"

using mpitest::Block;
using mpitest::Params;

namespace {

struct Shape {
    int64_t nx, ny;
};
// Square, wide, tall, minimal, prime and one-row-per-rank shapes.
const Shape awkward_shapes[] = {{7, 5}, {5, 7}, {3, 3}, {3, 17}, {17, 3}, {64, 3}, {10, 10}, {101, 37}, {4, 4}};

hpcffi_heat_mpi *create(int64_t nx, int64_t ny, hpcffi_mpi_comm comm = mpitest::world()) {
    const Params p;
    hpcffi_heat_mpi *handle = nullptr;
    const int status = hpcffi_heat_mpi_create(comm, nx, ny, p.a, p.dt, p.dx2, p.dy2, &handle);
    EXPECT_EQ(status, HPCFFI_OK) << hpcffi_last_error();
    return handle;
}

// Lengths of the blocks along one axis, ordered by their first index.
std::vector<int64_t> lengths_along(const std::map<int64_t, int64_t> &first_to_length) {
    std::vector<int64_t> lengths;
    for (const auto &entry : first_to_length) lengths.push_back(entry.second);
    return lengths;
}

// n points over p blocks: the first n % p blocks one larger.
std::vector<int64_t> expected_split(int64_t n, int p) {
    std::vector<int64_t> lengths;
    for (int k = 0; k < p; ++k) lengths.push_back(n / p + (k < n % p ? 1 : 0));
    return lengths;
}

}  // namespace

TEST(HeatMpiDecomposition, BlocksCoverTheWholeFieldExactlyOnce) {
    const int ranks = mpitest::world_size();
    for (const Shape &s : awkward_shapes) {
        SCOPED_TRACE(std::to_string(s.nx) + " x " + std::to_string(s.ny));
        hpcffi_heat_mpi *handle = create(s.nx, s.ny);
        ASSERT_NE(handle, nullptr);
        const Block b = mpitest::local_block(handle);
        int64_t mine[4] = {b.row0, b.col0, b.nx, b.ny};
        std::vector<int64_t> all(static_cast<size_t>(4 * ranks));
        MPI_Allgather(mine, 4, MPI_INT64_T, all.data(), 4, MPI_INT64_T, MPI_COMM_WORLD);
        EXPECT_EQ(b.dims_x * b.dims_y, ranks);
        std::vector<int> covered(static_cast<size_t>(s.nx * s.ny), 0);
        std::map<int64_t, int64_t> row_blocks, col_blocks;
        for (int r = 0; r < ranks; ++r) {
            const int64_t *blk = &all[static_cast<size_t>(4 * r)];
            EXPECT_GT(blk[2], 0) << "rank " << r << " has no rows";
            EXPECT_GT(blk[3], 0) << "rank " << r << " has no columns";
            row_blocks[blk[0]] = blk[2];
            col_blocks[blk[1]] = blk[3];
            for (int64_t i = blk[0]; i < blk[0] + blk[2]; ++i)
                for (int64_t j = blk[1]; j < blk[1] + blk[3]; ++j)
                    if (i >= 0 && i < s.nx && j >= 0 && j < s.ny) ++covered[static_cast<size_t>(i * s.ny + j)];
        }
        EXPECT_TRUE(std::all_of(covered.begin(), covered.end(), [](int c) { return c == 1; }));
        EXPECT_EQ(lengths_along(row_blocks), expected_split(s.nx, b.dims_x));
        EXPECT_EQ(lengths_along(col_blocks), expected_split(s.ny, b.dims_y));
        // The larger process-grid factor goes along the longer axis.
        if (s.nx > s.ny) { EXPECT_GE(b.dims_x, b.dims_y); }
        if (s.nx < s.ny) { EXPECT_LE(b.dims_x, b.dims_y); }
        EXPECT_EQ(hpcffi_heat_mpi_destroy(handle), HPCFFI_OK);
    }
}

TEST(HeatMpiDecomposition, SevenByFiveOnThreeRanks) {
    if (mpitest::world_size() != 3) GTEST_SKIP() << "needs exactly 3 ranks";
    hpcffi_heat_mpi *handle = create(7, 5);
    ASSERT_NE(handle, nullptr);
    const Block b = mpitest::local_block(handle);
    const int rank = mpitest::world_rank();
    EXPECT_EQ(b.dims_x, 3);
    EXPECT_EQ(b.dims_y, 1);
    const int64_t row0[] = {0, 3, 5}, rows[] = {3, 2, 2};
    EXPECT_EQ(b.row0, row0[rank]);
    EXPECT_EQ(b.nx, rows[rank]);
    EXPECT_EQ(b.col0, 0);
    EXPECT_EQ(b.ny, 5);
    hpcffi_heat_mpi_destroy(handle);
}

TEST(HeatMpiDecomposition, ThreeByThreeOnFourRanksIsHandled) {
    if (mpitest::world_size() != 4) GTEST_SKIP() << "needs exactly 4 ranks";
    // 2 x 2 process grid over 3 x 3 points: blocks of 2 and 1 along each
    // axis; three ranks hold only boundary points and one interior point is
    // updated by the rank holding (0..1, 0..1).
    hpcffi_heat_mpi *handle = create(3, 3);
    ASSERT_NE(handle, nullptr);
    const Block b = mpitest::local_block(handle);
    const int rank = mpitest::world_rank();
    EXPECT_EQ(b.dims_x, 2);
    EXPECT_EQ(b.dims_y, 2);
    EXPECT_EQ(b.nx, rank / 2 == 0 ? 2 : 1);
    EXPECT_EQ(b.ny, rank % 2 == 0 ? 2 : 1);
    hpcffi_heat_mpi_destroy(handle);
}

TEST(HeatMpiEvolve, BitwiseEqualToSerialForAnyRanksAndThreads) {
    const Shape shapes[] = {{7, 5}, {5, 7}, {3, 3}, {20, 13}, {13, 41}, {64, 3}, {3, 50}};
    const int64_t step_counts[] = {0, 1, 2, 7};
    for (int threads : {1, 2, 3}) {
        mpitest::Threads scoped(threads);
        for (const Shape &s : shapes) {
            const std::vector<double> initial = mpitest::initial_field(s.nx, s.ny);
            for (int64_t steps : step_counts) {
                SCOPED_TRACE(std::to_string(s.nx) + " x " + std::to_string(s.ny) + ", " + std::to_string(steps) +
                             " steps, " + std::to_string(threads) + " threads");
                const std::vector<double> expected = mpitest::serial_result(s.nx, s.ny, steps);
                hpcffi_heat_mpi *handle = create(s.nx, s.ny);
                ASSERT_NE(handle, nullptr);
                ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, initial.data(), 0), HPCFFI_OK) << hpcffi_last_error();
                ASSERT_EQ(hpcffi_heat_mpi_evolve_steps(handle, steps, nullptr, nullptr), HPCFFI_OK)
                    << hpcffi_last_error();
                // Every rank checks its own block, and root the gathered field.
                const Block b = mpitest::local_block(handle);
                std::vector<double> block(static_cast<size_t>(b.nx * b.ny));
                ASSERT_EQ(hpcffi_heat_mpi_get_local(handle, block.data()), HPCFFI_OK);
                EXPECT_TRUE(mpitest::bitwise_equal(block, mpitest::cut_block(expected, s.ny, b)));
                std::vector<double> gathered(mpitest::world_rank() == 0 ? initial.size() : 0);
                ASSERT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK) << hpcffi_last_error();
                if (mpitest::world_rank() == 0) { EXPECT_TRUE(mpitest::bitwise_equal(gathered, expected)); }
                hpcffi_heat_mpi_destroy(handle);
            }
        }
    }
}

TEST(HeatMpiEvolve, DeepHalosBitwiseEqualToSerial) {
    // HPCFFI_HEAT_MPI_DEPTH forces the halo depth (capped at what the blocks
    // allow); 1 is the overlapped one-exchange-per-step path. Step counts
    // below, at and above the depth, and not multiples of it.
    const Shape shapes[] = {{64, 50}, {50, 64}, {131, 97}, {20, 13}, {7, 5}};
    const int64_t step_counts[] = {2, 5, 16, 17, 40};
    for (const char *depth : {"1", "2", "3", "7", "16"}) {
        mpitest::Environment scoped_depth("HPCFFI_HEAT_MPI_DEPTH", depth);
        for (int threads : {1, 2}) {
            mpitest::Threads scoped(threads);
            for (const Shape &s : shapes) {
                const std::vector<double> initial = mpitest::initial_field(s.nx, s.ny);
                hpcffi_heat_mpi *handle = create(s.nx, s.ny);
                ASSERT_NE(handle, nullptr);
                for (int64_t steps : step_counts) {
                    SCOPED_TRACE(std::to_string(s.nx) + " x " + std::to_string(s.ny) + ", " + std::to_string(steps) +
                                 " steps, depth " + depth + ", " + std::to_string(threads) + " threads");
                    ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, initial.data(), 0), HPCFFI_OK) << hpcffi_last_error();
                    ASSERT_EQ(hpcffi_heat_mpi_evolve_steps(handle, steps, nullptr, nullptr), HPCFFI_OK)
                        << hpcffi_last_error();
                    std::vector<double> gathered(mpitest::world_rank() == 0 ? initial.size() : 0);
                    ASSERT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK) << hpcffi_last_error();
                    if (mpitest::world_rank() == 0) {
                        EXPECT_TRUE(mpitest::bitwise_equal(gathered, mpitest::serial_result(s.nx, s.ny, steps)));
                    }
                }
                hpcffi_heat_mpi_destroy(handle);
            }
        }
    }
}

TEST(HeatMpiEvolve, StepsSplitOverCallsEqualOneCall) {
    const int64_t nx = 31, ny = 17;
    const std::vector<double> expected = mpitest::serial_result(nx, ny, 9);
    hpcffi_heat_mpi *handle = create(nx, ny);
    ASSERT_NE(handle, nullptr);
    ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, mpitest::initial_field(nx, ny).data(), 0), HPCFFI_OK);
    double t_comp = 0.0, t_comm = 0.0;
    for (int64_t steps : {2, 0, 3, 4}) {
        ASSERT_EQ(hpcffi_heat_mpi_evolve_steps(handle, steps, &t_comp, &t_comm), HPCFFI_OK) << hpcffi_last_error();
    }
    EXPECT_GE(t_comp, 0.0);
    EXPECT_GE(t_comm, 0.0);
    std::vector<double> gathered(expected.size());
    ASSERT_EQ(hpcffi_heat_mpi_gather(handle, mpitest::world_rank() == 0 ? gathered.data() : nullptr, 0), HPCFFI_OK);
    if (mpitest::world_rank() == 0) { EXPECT_TRUE(mpitest::bitwise_equal(gathered, expected)); }
    hpcffi_heat_mpi_destroy(handle);
}

TEST(HeatMpiField, ScatterGatherRoundTripWithAnyRoot) {
    const int ranks = mpitest::world_size(), rank = mpitest::world_rank();
    const int64_t nx = 23, ny = 11;
    const std::vector<double> field = mpitest::initial_field(nx, ny);
    hpcffi_heat_mpi *handle = create(nx, ny);
    ASSERT_NE(handle, nullptr);
    const int scatter_root = ranks - 1, gather_root = ranks / 2;
    ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, rank == scatter_root ? field.data() : nullptr, scatter_root), HPCFFI_OK)
        << hpcffi_last_error();
    std::vector<double> back(field.size(), -1.0);
    ASSERT_EQ(hpcffi_heat_mpi_gather(handle, back.data(), gather_root), HPCFFI_OK) << hpcffi_last_error();
    if (rank == gather_root) { EXPECT_TRUE(mpitest::bitwise_equal(back, field)); }
    // Non-root buffers are not written.
    if (rank != gather_root) { EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](double v) { return v == -1.0; })); }
    hpcffi_heat_mpi_destroy(handle);
}

TEST(HeatMpiField, SetLocalGetLocalAndMean) {
    const int64_t nx = 19, ny = 26;
    const std::vector<double> field = mpitest::initial_field(nx, ny);
    hpcffi_heat_mpi *handle = create(nx, ny);
    ASSERT_NE(handle, nullptr);
    const Block b = mpitest::local_block(handle);
    const std::vector<double> mine = mpitest::cut_block(field, ny, b);
    ASSERT_EQ(hpcffi_heat_mpi_set_local(handle, mine.data()), HPCFFI_OK) << hpcffi_last_error();
    std::vector<double> back(mine.size());
    ASSERT_EQ(hpcffi_heat_mpi_get_local(handle, back.data()), HPCFFI_OK) << hpcffi_last_error();
    EXPECT_TRUE(mpitest::bitwise_equal(back, mine));
    std::vector<double> gathered(field.size());
    ASSERT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK);
    if (mpitest::world_rank() == 0) { EXPECT_TRUE(mpitest::bitwise_equal(gathered, field)); }

    // The mean equals the serial one bit for bit, on every rank.
    double expected = 0.0, mean = 0.0;
    ASSERT_EQ(hpcffi_heat_mean(field.data(), nx, ny, &expected), HPCFFI_OK);
    ASSERT_EQ(hpcffi_heat_mpi_mean(handle, &mean), HPCFFI_OK) << hpcffi_last_error();
    EXPECT_EQ(std::memcmp(&mean, &expected, sizeof mean), 0) << mean << " vs " << expected;

    ASSERT_EQ(hpcffi_heat_mpi_evolve_steps(handle, 5, nullptr, nullptr), HPCFFI_OK);
    const std::vector<double> evolved = mpitest::serial_result(nx, ny, 5);
    ASSERT_EQ(hpcffi_heat_mean(evolved.data(), nx, ny, &expected), HPCFFI_OK);
    for (int threads : {1, 2}) {
        mpitest::Threads scoped(threads);
        ASSERT_EQ(hpcffi_heat_mpi_mean(handle, &mean), HPCFFI_OK) << hpcffi_last_error();
        EXPECT_EQ(std::memcmp(&mean, &expected, sizeof mean), 0) << mean << " vs " << expected;
    }
    hpcffi_heat_mpi_destroy(handle);
}

TEST(HeatMpiField, SplitCommunicatorsComputeIndependently) {
    // Two halves of the world, each with its own problem, at the same time.
    const int rank = mpitest::world_rank();
    const int color = rank % 2;
    MPI_Comm half = MPI_COMM_NULL;
    ASSERT_EQ(MPI_Comm_split(MPI_COMM_WORLD, color, rank, &half), MPI_SUCCESS);
    int half_rank = 0, half_size = 0;
    MPI_Comm_rank(half, &half_rank);
    MPI_Comm_size(half, &half_size);
    const Shape s = color == 0 ? Shape{11, 9} : Shape{9, 14};
    const int64_t steps = color == 0 ? 6 : 3;
    const std::vector<double> expected = mpitest::serial_result(s.nx, s.ny, steps);

    hpcffi_heat_mpi *handle = create(s.nx, s.ny, MPI_Comm_c2f(half));
    ASSERT_NE(handle, nullptr);
    // The library works on a duplicate: the caller may free its communicator.
    MPI_Comm_free(&half);
    const Block b = mpitest::local_block(handle);
    EXPECT_EQ(b.dims_x * b.dims_y, half_size);
    ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, mpitest::initial_field(s.nx, s.ny).data(), 0), HPCFFI_OK);
    ASSERT_EQ(hpcffi_heat_mpi_evolve_steps(handle, steps, nullptr, nullptr), HPCFFI_OK) << hpcffi_last_error();
    std::vector<double> gathered(expected.size());
    ASSERT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK);
    if (half_rank == 0) { EXPECT_TRUE(mpitest::bitwise_equal(gathered, expected)); }
    hpcffi_heat_mpi_destroy(handle);
}

TEST(HeatMpiEnvironment, InitAndFinalizeLeaveCallersMpiAlone) {
    // This program initialised MPI itself: hpcffi must neither re-initialise
    // nor finalise it.
    int here = -1;
    ASSERT_EQ(hpcffi_mpi_init(&here), HPCFFI_OK) << hpcffi_last_error();
    EXPECT_EQ(here, 0);
    EXPECT_EQ(hpcffi_mpi_finalize(), HPCFFI_OK);
    int finalized = 1;
    MPI_Finalized(&finalized);
    EXPECT_EQ(finalized, 0);
    EXPECT_EQ(hpcffi_has_mpi(), 1);
}

TEST(HeatMpiEvolve, EveryIsaVariantBitwiseEqualToSerialBaseline) {
    // Each kernel variant this build has and this CPU runs (HPCFFI_ISA), on
    // the overlapped (depth 1) and the deep-halo path, against the serial
    // result of the plainest variant compiled.
    std::vector<std::string> variants;
    for (const char *name : {"native", "avx512_intel", "avx512", "avx2", "baseline", "generic"}) {
        int available = 0;
        ASSERT_EQ(hpcffi_isa_available(name, &available), HPCFFI_OK) << hpcffi_last_error();
        if (available == 1) variants.emplace_back(name);
    }
    ASSERT_FALSE(variants.empty());
    const Shape s{61, 45};
    const int64_t steps = 11;
    std::vector<double> expected;
    {
        mpitest::Environment isa("HPCFFI_ISA", variants.back());
        expected = mpitest::serial_result(s.nx, s.ny, steps);
    }
    const std::vector<double> initial = mpitest::initial_field(s.nx, s.ny);
    for (const std::string &variant : variants) {
        mpitest::Environment isa("HPCFFI_ISA", variant);
        for (const char *depth : {"1", "4"}) {
            mpitest::Environment scoped_depth("HPCFFI_HEAT_MPI_DEPTH", depth);
            for (int threads : {1, 2}) {
                mpitest::Threads scoped(threads);
                SCOPED_TRACE(variant + ", depth " + depth + ", " + std::to_string(threads) + " threads");
                hpcffi_heat_mpi *handle = create(s.nx, s.ny);
                ASSERT_NE(handle, nullptr);
                ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, initial.data(), 0), HPCFFI_OK) << hpcffi_last_error();
                ASSERT_EQ(hpcffi_heat_mpi_evolve_steps(handle, steps, nullptr, nullptr), HPCFFI_OK)
                    << hpcffi_last_error();
                std::vector<double> gathered(mpitest::world_rank() == 0 ? initial.size() : 0);
                ASSERT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK) << hpcffi_last_error();
                if (mpitest::world_rank() == 0) { EXPECT_TRUE(mpitest::bitwise_equal(gathered, expected)); }
                hpcffi_heat_mpi_destroy(handle);
            }
        }
    }
}

TEST(HeatMpiEvolve, BadIsaOverrideFailsOnAllRanks) {
    hpcffi_heat_mpi *handle = create(20, 13);
    ASSERT_NE(handle, nullptr);
    {
        mpitest::Environment isa("HPCFFI_ISA", "avx1024");
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, 3, nullptr, nullptr),
                                   HPCFFI_ERR_INVALID_ARGUMENT);
    }
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, 3, nullptr, nullptr), HPCFFI_OK);
    hpcffi_heat_mpi_destroy(handle);
}
