// mpi_support.hpp -- the small MPI layer every distributed routine stands on:
// MPI return codes become hpcffi::Error, the caller's Fortran communicator
// handle becomes a private duplicate, and ranks agree on one status.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

#include "status.hpp"

namespace hpcffi::mpi {

// Throw Error(HPCFFI_ERR_MPI) with MPI's own text unless code is MPI_SUCCESS.
void check(int code, const char *what);

// MPI must be initialised and not yet finalised; throws HPCFFI_ERR_MPI.
void require_ready();
// The hybrid kernels call MPI from the master thread while other threads
// compute, which MPI allows only from MPI_THREAD_FUNNELED upwards.
void require_funneled();

// MPI_Comm_f2c with the checks it lacks: not MPI_COMM_NULL, not an
// intercommunicator. Local: throws HPCFFI_ERR_INVALID_ARGUMENT.
MPI_Comm from_fortran(int handle);

// Owns a communicator (MPI_Comm_free on destruction, if MPI is still up).
class Comm {
public:
    Comm() = default;
    explicit Comm(MPI_Comm comm) : comm_(comm) {}
    Comm(Comm &&other) noexcept : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}
    Comm &operator=(Comm &&other) noexcept {
        if (this != &other) {
            reset();
            comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
        }
        return *this;
    }
    Comm(const Comm &) = delete;
    Comm &operator=(const Comm &) = delete;
    ~Comm() { reset(); }
    MPI_Comm get() const noexcept { return comm_; }
    void reset() noexcept;

private:
    MPI_Comm comm_ = MPI_COMM_NULL;
};

// Owns a committed derived datatype.
class Datatype {
public:
    Datatype() = default;
    explicit Datatype(MPI_Datatype type) : type_(type) {}
    Datatype(Datatype &&other) noexcept : type_(std::exchange(other.type_, MPI_DATATYPE_NULL)) {}
    Datatype &operator=(Datatype &&other) noexcept {
        if (this != &other) {
            reset();
            type_ = std::exchange(other.type_, MPI_DATATYPE_NULL);
        }
        return *this;
    }
    Datatype(const Datatype &) = delete;
    Datatype &operator=(const Datatype &) = delete;
    ~Datatype() { reset(); }
    MPI_Datatype get() const noexcept { return type_; }
    void reset() noexcept;

private:
    MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// MPI_Comm_dup with MPI_ERRORS_RETURN set on the copy: library traffic never
// matches the caller's messages, and an MPI failure inside the library comes
// back as a status instead of aborting the caller's job. Collective.
Comm duplicate(MPI_Comm comm);

int rank_of(MPI_Comm comm);
int size_of(MPI_Comm comm);

// An argument that must have the same value on every rank (a field size,
// a root, a step count): ranks that disagree would call different
// collectives or mismatched messages, so the agreement catches it.
struct SameOnAllRanks {
    const char *name;
    uint64_t bits;     // the value, or a double's bit pattern
    bool is_double;
};
inline SameOnAllRanks same(const char *name, int64_t value) { return {name, static_cast<uint64_t>(value), false}; }
inline SameOnAllRanks same(const char *name, uint64_t value) { return {name, value, false}; }
inline SameOnAllRanks same(const char *name, int value) { return same(name, static_cast<int64_t>(value)); }
inline SameOnAllRanks same(const char *name, double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return {name, bits, true};
}

// Collective: every rank passes its local status and gets back the largest
// one over comm, or HPCFFI_ERR_INVALID_ARGUMENT if some `same` argument
// differs between ranks (one MPI_Allreduce in all). A rank that was fine
// while another failed gets a last-error message naming the lowest failing
// rank. If the reduction itself fails, HPCFFI_ERR_MPI. noexcept: it runs
// outside guarded().
int agree(const char *function, MPI_Comm comm, int local_status,
          std::initializer_list<SameOnAllRanks> same_args = {}) noexcept;

// The pattern of every collective ABI call:
//   1. `check` runs locally (argument checks, allocations, local work): no
//      MPI traffic, so a rank that fails here leaves no other rank waiting;
//   2. all ranks agree on the worst status (and on the `same` arguments) and
//      stop together if any failed;
//   3. `work` runs the collective part;
//   4. they agree once more, so a late failure is reported everywhere too.
template <class Check, class Work>
int collective(const char *function, MPI_Comm comm, std::initializer_list<SameOnAllRanks> same_args, Check &&check,
               Work &&work) noexcept {
    int status = agree(function, comm, guarded(function, std::forward<Check>(check)), same_args);
    if (status != HPCFFI_OK) return status;
    return agree(function, comm, guarded(function, std::forward<Work>(work)));
}

}  // namespace hpcffi::mpi
