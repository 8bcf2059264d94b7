// test_errors.cpp -- every rejected input returns the same status on every
// rank, including input that is bad on one rank only (no rank hangs), and
// the handle stays usable afterwards.
#include <climits>

#include "mpi_test_support.hpp"

using mpitest::Params;

namespace {
int last_rank() { return mpitest::world_size() - 1; }
bool on_last_rank() { return mpitest::world_rank() == last_rank(); }

class HeatMpiErrors : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(hpcffi_heat_mpi_create(mpitest::world(), nx, ny, p.a, p.dt, p.dx2, p.dy2, &handle), HPCFFI_OK)
            << hpcffi_last_error();
        ASSERT_EQ(hpcffi_heat_mpi_scatter(handle, field.data(), 0), HPCFFI_OK);
    }
    void TearDown() override {
        // Whatever failed before, the handle still computes the right answer.
        if (handle == nullptr) return;
        EXPECT_EQ(hpcffi_heat_mpi_evolve_steps(handle, 3, nullptr, nullptr), HPCFFI_OK) << hpcffi_last_error();
        std::vector<double> gathered(field.size());
        EXPECT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK);
        const std::vector<double> expected = mpitest::serial_result(nx, ny, 3);
        if (mpitest::world_rank() == 0) {
            EXPECT_TRUE(mpitest::bitwise_equal(gathered, expected));
        }
        EXPECT_EQ(hpcffi_heat_mpi_destroy(handle), HPCFFI_OK);
    }
    const int64_t nx = 9, ny = 8;
    const Params p;
    const std::vector<double> field = mpitest::initial_field(nx, ny);
    hpcffi_heat_mpi *handle = nullptr;
};
}  // namespace

TEST(HeatMpiCreateErrors, BadArgumentsOnAllRanks) {
    const Params p;
    hpcffi_heat_mpi *handle = nullptr;
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), 2, 10, p.a, p.dt, p.dx2, p.dy2, &handle),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_heat_mpi_create(mpitest::world(), 10, 10, p.a, 2 * p.dt, p.dx2, p.dy2, &handle), HPCFFI_ERR_UNSTABLE);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), 10, 10, -1.0, p.dt, p.dx2, p.dy2, &handle),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), 10, 10, p.a, p.dt, p.dx2, p.dy2, nullptr),
                               HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_heat_mpi_create(mpitest::world(), INT64_C(1) << 40, 10, p.a, p.dt, p.dx2, p.dy2, &handle),
        HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_heat_mpi_create(MPI_Comm_c2f(MPI_COMM_NULL), 10, 10, p.a, p.dt, p.dx2, p.dy2, &handle),
        HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(handle, nullptr);  // untouched on failure
}

TEST(HeatMpiCreateErrors, BadHandlePointerOnOneRankFailsEverywhere) {
    const Params p;
    hpcffi_heat_mpi *handle = nullptr;
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), 10, 10, p.a, p.dt, p.dx2, p.dy2,
                                                      on_last_rank() ? nullptr : &handle),
                               HPCFFI_ERR_NULL_POINTER);
    EXPECT_EQ(handle, nullptr);
}

TEST(HeatMpiCreateErrors, ArgumentsThatDifferBetweenRanksFailEverywhere) {
    if (mpitest::world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
    const Params p;
    hpcffi_heat_mpi *handle = nullptr;
    // A different nx on one rank would give it a different decomposition.
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), on_last_rank() ? 11 : 10, 10, p.a, p.dt,
                                                      p.dx2, p.dy2, &handle),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), 10, 10, p.a, on_last_rank() ? p.dt / 2 : p.dt,
                                                      p.dx2, p.dy2, &handle),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    // Unstable on one rank only: the worse status wins everywhere.
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_create(mpitest::world(), 10, 10, p.a, on_last_rank() ? 2 * p.dt : p.dt,
                                                      p.dx2, p.dy2, &handle),
                               HPCFFI_ERR_UNSTABLE);
    EXPECT_EQ(handle, nullptr);
}

TEST_F(HeatMpiErrors, ScatterAndGather) {
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_scatter(handle, nullptr, 0), HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_scatter(handle, field.data(), -1), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_scatter(handle, field.data(), mpitest::world_size()),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    std::vector<double> out(field.size());
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_gather(handle, nullptr, last_rank()), HPCFFI_ERR_NULL_POINTER);
    if (mpitest::world_size() >= 2) {
        // Ranks naming different roots.
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_gather(handle, out.data(), on_last_rank() ? 1 : 0),
                                   HPCFFI_ERR_INVALID_ARGUMENT);
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_scatter(handle, field.data(), on_last_rank() ? 1 : 0),
                                   HPCFFI_ERR_INVALID_ARGUMENT);
    }
}

TEST_F(HeatMpiErrors, LocalBlockAccessBadOnOneRank) {
    std::vector<double> block(field.size());
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_set_local(handle, on_last_rank() ? nullptr : block.data()),
                               HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_get_local(handle, on_last_rank() ? nullptr : block.data()),
                               HPCFFI_ERR_NULL_POINTER);
    int64_t v = 0;
    int d = 0;
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_heat_mpi_local_block(handle, &v, &v, &v, on_last_rank() ? nullptr : &v, &d, &d), HPCFFI_ERR_NULL_POINTER);
    double mean = 0.0;
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_mean(handle, on_last_rank() ? nullptr : &mean),
                               HPCFFI_ERR_NULL_POINTER);
    // The failed set_local changed nothing: the field is still the scattered one.
    std::vector<double> gathered(field.size());
    ASSERT_EQ(hpcffi_heat_mpi_gather(handle, gathered.data(), 0), HPCFFI_OK);
    if (mpitest::world_rank() == 0) { EXPECT_TRUE(mpitest::bitwise_equal(gathered, field)); }
}

TEST_F(HeatMpiErrors, EvolveSteps) {
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, -1, nullptr, nullptr),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    if (mpitest::world_size() >= 2) {
        // A rank asking for more steps would wait for halos forever.
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, on_last_rank() ? 5 : 4, nullptr, nullptr),
                                   HPCFFI_ERR_INVALID_ARGUMENT);
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, on_last_rank() ? -1 : 4, nullptr, nullptr),
                                   HPCFFI_ERR_INVALID_ARGUMENT);
    }
    if (mpitest::world_size() >= 2) {
        // Halo depths chosen differently on one rank (its environment) would
        // mismatch the exchanges: refused everywhere, before any message.
        mpitest::Environment depth("HPCFFI_HEAT_MPI_DEPTH", on_last_rank() ? "1" : "2");
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, 4, nullptr, nullptr),
                                   HPCFFI_ERR_INVALID_ARGUMENT);
    }
    double t = 0.0;
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(handle, -2, &t, &t), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(t, 0.0);  // outputs untouched on failure
}

TEST(HeatMpiHandle, NullHandleFailsLocallyAndDestroyNullIsANoOp) {
    // Without a handle there is no communicator to agree over: every rank
    // passes NULL here, so every rank fails alike.
    double mean = 0.0;
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_mean(nullptr, &mean), HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_evolve_steps(nullptr, 1, nullptr, nullptr), HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_heat_mpi_destroy(nullptr), HPCFFI_OK);
}

TEST(HeatMpiErrorMessages, RanksThatWereFineNameTheRankThatWasNot) {
    if (mpitest::world_size() < 2) GTEST_SKIP() << "needs 2 ranks";
    const Params p;
    hpcffi_heat_mpi *handle = nullptr;
    const int status = hpcffi_heat_mpi_create(mpitest::world(), 10, 10, p.a, p.dt, p.dx2, p.dy2,
                                              on_last_rank() ? nullptr : &handle);
    EXPECT_EQ(status, HPCFFI_ERR_NULL_POINTER);
    const std::string message = hpcffi_last_error();
    if (on_last_rank()) {
        EXPECT_NE(message.find("handle is NULL"), std::string::npos) << message;
    } else {
        EXPECT_NE(message.find("rank " + std::to_string(last_rank()) + " failed"), std::string::npos) << message;
    }
}
