// test_fib_mpi.cpp -- the distributed Fibonacci functions equal the serial
// ones for any rank count and root, and fail alike on every rank.
#include "mpi_test_support.hpp"

namespace {
struct SequenceCase {
    uint64_t start, count, m;
};
}  // namespace

TEST(FibMpi, SequenceModEqualsSerialForAnyRoot) {
    const SequenceCase cases[] = {
        {0, 100, 1000000007ULL},
        {1000000000000000000ULL, 1000, 998244353ULL},
        {5, 3, 10},  // fewer values than ranks: some ranks have none
        {0, 1, 1},   // m = 1: every residue is 0
        {UINT64_MAX - 9, 10, UINT64_MAX - 58},  // the last indices, a modulus near 2^64
        {12345, 40000, 65536},  // above the library's threshold for threads
    };
    const int ranks = mpitest::world_size(), rank = mpitest::world_rank();
    for (const SequenceCase &c : cases) {
        for (int root : {0, ranks - 1}) {
            SCOPED_TRACE("start " + std::to_string(c.start) + " count " + std::to_string(c.count) + " root " +
                         std::to_string(root));
            std::vector<uint64_t> expected(c.count), got(c.count, 7);
            ASSERT_EQ(hpcffi_fib_sequence_mod(c.start, c.count, c.m, expected.data()), HPCFFI_OK);
            ASSERT_EQ(hpcffi_fib_mpi_sequence_mod(mpitest::world(), c.start, c.count, c.m, got.data(), root), HPCFFI_OK)
                << hpcffi_last_error();
            if (rank == root) {
                EXPECT_EQ(got, expected);
            } else {
                EXPECT_EQ(got, std::vector<uint64_t>(c.count, 7));  // ignored off root
            }
        }
    }
    // count 0 needs no buffer anywhere.
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_sequence_mod(mpitest::world(), 3, 0, 10, nullptr, 0), HPCFFI_OK);
}

TEST(FibMpi, SequenceModErrorsAgree) {
    const int last = mpitest::world_size() - 1;
    const bool on_last = mpitest::world_rank() == last;
    std::vector<uint64_t> out(16);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_sequence_mod(mpitest::world(), 0, 16, 0, out.data(), 0),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_sequence_mod(mpitest::world(), 0, 16, 10, nullptr, last),
                               HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_sequence_mod(mpitest::world(), UINT64_MAX, 2, 10, out.data(), 0),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_sequence_mod(mpitest::world(), 0, 16, 10, out.data(), last + 1),
                               HPCFFI_ERR_INVALID_ARGUMENT);
    // Bad on one rank only.
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_fib_mpi_sequence_mod(mpitest::world(), 0, 16, on_last ? 0 : 10, out.data(), 0), HPCFFI_ERR_INVALID_ARGUMENT);
    if (mpitest::world_size() >= 2) {
        EXPECT_STATUS_ON_ALL_RANKS(
            hpcffi_fib_mpi_sequence_mod(mpitest::world(), 0, on_last ? 15 : 16, 10, out.data(), 0),
            HPCFFI_ERR_INVALID_ARGUMENT);
    }
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_sequence_mod(MPI_Comm_c2f(MPI_COMM_NULL), 0, 16, 10, out.data(), 0),
                               HPCFFI_ERR_INVALID_ARGUMENT);
}

TEST(FibMpi, ExactBcastEqualsSerialOnEveryRank) {
    const int ranks = mpitest::world_size();
    if (!hpcffi_has_gmp()) {
        char buffer[64];
        EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_exact_bcast(mpitest::world(), 10, buffer, sizeof buffer, nullptr, 0),
                                   HPCFFI_ERR_UNSUPPORTED);
        return;
    }
    for (uint64_t n : {0ULL, 1ULL, 2ULL, 93ULL, 94ULL, 1000ULL, 100000ULL}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        size_t size = 0;
        ASSERT_EQ(hpcffi_fib_exact_size(n, &size), HPCFFI_OK);
        std::vector<char> expected(size), got(size, 'x');
        size_t expected_digits = 0, digits = 0;
        ASSERT_EQ(hpcffi_fib_exact(n, expected.data(), size, &expected_digits), HPCFFI_OK);
        ASSERT_EQ(hpcffi_fib_mpi_exact_bcast(mpitest::world(), n, got.data(), size, &digits, ranks - 1), HPCFFI_OK)
            << hpcffi_last_error();
        EXPECT_EQ(digits, expected_digits);
        EXPECT_STREQ(got.data(), expected.data());
    }
    // ndigits is optional.
    std::vector<char> buffer(8);
    EXPECT_STATUS_ON_ALL_RANKS(hpcffi_fib_mpi_exact_bcast(mpitest::world(), 10, buffer.data(), 8, nullptr, 0),
                               HPCFFI_OK);
    EXPECT_STREQ(buffer.data(), "55");
}

TEST(FibMpi, ExactBcastErrorsAgree) {
    const int last = mpitest::world_size() - 1;
    const bool on_last = mpitest::world_rank() == last;
    if (!hpcffi_has_gmp()) GTEST_SKIP() << "built without GMP";
    std::vector<char> buffer(64);
    size_t digits = 99;
    // Too small on one rank only: nobody waits for digits that cannot land.
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_fib_mpi_exact_bcast(mpitest::world(), 100, buffer.data(), on_last ? 3 : buffer.size(), &digits, 0),
        HPCFFI_ERR_BUFFER_TOO_SMALL);
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_fib_mpi_exact_bcast(mpitest::world(), 100, on_last ? nullptr : buffer.data(), buffer.size(), &digits, 0),
        HPCFFI_ERR_NULL_POINTER);
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_fib_mpi_exact_bcast(mpitest::world(), (1ULL << 32) + 1, buffer.data(), buffer.size(), &digits, 0),
        HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS_ON_ALL_RANKS(
        hpcffi_fib_mpi_exact_bcast(mpitest::world(), 100, buffer.data(), buffer.size(), &digits, -1),
        HPCFFI_ERR_INVALID_ARGUMENT);
    if (mpitest::world_size() >= 2) {
        EXPECT_STATUS_ON_ALL_RANKS(
            hpcffi_fib_mpi_exact_bcast(mpitest::world(), on_last ? 90 : 100, buffer.data(), buffer.size(), &digits, 0),
            HPCFFI_ERR_INVALID_ARGUMENT);
    }
    EXPECT_EQ(digits, 99u);  // untouched on failure
}
