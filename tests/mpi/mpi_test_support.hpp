// mpi_test_support.hpp -- helpers shared by the MPI GoogleTest files.
//
// Every test runs on every rank of MPI_COMM_WORLD. A failed EXPECT on one
// rank must never stop that rank early (the others would wait for it in a
// collective), so tests use EXPECT_*, and ASSERT_* only on values that every
// rank agrees on (statuses returned by hpcffi, which are rank-agreed).
#pragma once

#include <mpi.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <hpcffi/hpcffi.h>

namespace mpitest {

inline int world_rank() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}
inline int world_size() {
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}
inline hpcffi_mpi_comm world() { return MPI_Comm_c2f(MPI_COMM_WORLD); }

// True on every rank iff `value` is the same on every rank of comm.
inline bool same_on_all_ranks(long long value, MPI_Comm comm = MPI_COMM_WORLD) {
    long long range[2] = {value, -value};
    MPI_Allreduce(MPI_IN_PLACE, range, 2, MPI_LONG_LONG, MPI_MAX, comm);
    return range[0] == -range[1];
}

// True on every rank iff `ok` is true on every rank of comm.
inline bool all_ranks(bool ok, MPI_Comm comm = MPI_COMM_WORLD) {
    int value = ok ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MIN, comm);
    return value == 1;
}

// The status every rank returned, checked to be `expected` on this rank and
// identical on all ranks (the ABI's promise).
#define EXPECT_STATUS_ON_ALL_RANKS(call, expected)                                                \
    do {                                                                                          \
        const int status_ = (call);                                                               \
        EXPECT_EQ(status_, (expected)) << #call << ": " << hpcffi_last_error();                   \
        EXPECT_TRUE(mpitest::same_on_all_ranks(status_)) << #call << " returned different statuses"; \
        if (status_ != HPCFFI_OK) { EXPECT_STRNE(hpcffi_last_error(), ""); }                          \
    } while (0)

// Diffusion coefficients used throughout; dt is the stability limit.
struct Params {
    double a = 0.5, dx2 = 0.01 * 0.01, dy2 = 0.02 * 0.02, dt = 0.0;
    Params() { hpcffi_heat_max_stable_dt(a, dx2, dy2, &dt); }
};

// A deterministic field with no symmetry (and boundaries that differ from
// the interior), so that any misplaced value changes the result.
inline double initial_value(int64_t i, int64_t j, int64_t ny) {
    uint64_t x = static_cast<uint64_t>(i * ny + j) + 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return 100.0 * static_cast<double>(x >> 11) / 9007199254740992.0;  // [0, 100)
}

inline std::vector<double> initial_field(int64_t nx, int64_t ny) {
    std::vector<double> field(static_cast<size_t>(nx * ny));
    for (int64_t i = 0; i < nx; ++i)
        for (int64_t j = 0; j < ny; ++j) field[static_cast<size_t>(i * ny + j)] = initial_value(i, j, ny);
    return field;
}

// The serial reference: hpcffi_heat_evolve_steps on the whole field.
inline std::vector<double> serial_result(int64_t nx, int64_t ny, int64_t steps, const Params &p = Params()) {
    std::vector<double> field = initial_field(nx, ny);
    const int status = hpcffi_heat_evolve_steps(field.data(), nullptr, nx, ny, p.a, p.dt, p.dx2, p.dy2, steps);
    EXPECT_EQ(status, HPCFFI_OK) << hpcffi_last_error();
    return field;
}

inline bool bitwise_equal(const std::vector<double> &a, const std::vector<double> &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

struct Block {
    int64_t row0 = 0, col0 = 0, nx = 0, ny = 0;
    int dims_x = 0, dims_y = 0;
};
inline Block local_block(const hpcffi_heat_mpi *handle) {
    Block b;
    EXPECT_EQ(hpcffi_heat_mpi_local_block(handle, &b.row0, &b.col0, &b.nx, &b.ny, &b.dims_x, &b.dims_y), HPCFFI_OK)
        << hpcffi_last_error();
    return b;
}

// This rank's block cut out of a whole field.
inline std::vector<double> cut_block(const std::vector<double> &field, int64_t ny, const Block &b) {
    std::vector<double> out(static_cast<size_t>(b.nx * b.ny));
    for (int64_t i = 0; i < b.nx; ++i)
        for (int64_t j = 0; j < b.ny; ++j)
            out[static_cast<size_t>(i * b.ny + j)] = field[static_cast<size_t>((b.row0 + i) * ny + b.col0 + j)];
    return out;
}

// Sets the library's thread count for a scope, restoring the default after.
class Threads {
public:
    explicit Threads(int n) { EXPECT_EQ(hpcffi_set_num_threads(n), HPCFFI_OK) << hpcffi_last_error(); }
    ~Threads() { hpcffi_set_num_threads(0); }
    Threads(const Threads &) = delete;
    Threads &operator=(const Threads &) = delete;
};

// Sets an environment variable for a scope (the library reads its tuning
// variables at every call), unsetting it after. Empty value: unset.
class Environment {
public:
    Environment(const char *name, const std::string &value) : name_(name) {
        if (value.empty())
            unsetenv(name);
        else
            setenv(name, value.c_str(), 1);
    }
    ~Environment() { unsetenv(name_); }
    Environment(const Environment &) = delete;
    Environment &operator=(const Environment &) = delete;

private:
    const char *name_;
};

}  // namespace mpitest
