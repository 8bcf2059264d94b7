// mpi_support.cpp -- MPI error checks, communicator handling, status agreement.
#include "mpi_support.hpp"

#include <string>
#include <vector>

namespace hpcffi::mpi {

// The ABI passes communicators as plain int (hpcffi_mpi_comm); MPI_Comm_f2c
// takes MPI_Fint. They must be the same type for the handle to survive.
static_assert(sizeof(MPI_Fint) == sizeof(int), "hpcffi_mpi_comm (int) must hold an MPI_Fint");

namespace {
std::string error_text(int code) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error code " + std::to_string(code);
    return std::string(text, static_cast<size_t>(length));
}

std::string thread_level_name(int level) {
    switch (level) {
        case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
        case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
        case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
        case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
        default: return "thread level " + std::to_string(level);
    }
}

bool mpi_is_up() noexcept {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}
}  // namespace

void check(int code, const char *what) {
    if (code != MPI_SUCCESS) fail(HPCFFI_ERR_MPI, std::string(what) + " failed: " + error_text(code));
}

void require_ready() {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (finalized) fail(HPCFFI_ERR_MPI, "MPI has already been finalised");
    if (!initialized)
        fail(HPCFFI_ERR_MPI,
             "MPI is not initialised: call hpcffi_mpi_init (or MPI_Init_thread, or import mpi4py) first");
}

void require_funneled() {
    int provided = MPI_THREAD_SINGLE;
    check(MPI_Query_thread(&provided), "MPI_Query_thread");
    if (provided < MPI_THREAD_FUNNELED)
        fail(HPCFFI_ERR_MPI, "MPI was initialised with " + thread_level_name(provided) +
                                 "; hpcffi's hybrid MPI+OpenMP kernels need at least MPI_THREAD_FUNNELED "
                                 "(initialise with MPI_Init_thread or hpcffi_mpi_init)");
}

MPI_Comm from_fortran(int handle) {
    const MPI_Comm comm = MPI_Comm_f2c(static_cast<MPI_Fint>(handle));
    if (comm == MPI_COMM_NULL)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "communicator handle " + std::to_string(handle) +
                                              " is MPI_COMM_NULL or not a valid Fortran handle "
                                              "(pass MPI_Comm_c2f(comm) or comm.py2f())");
    int inter = 0;
    check(MPI_Comm_test_inter(comm, &inter), "MPI_Comm_test_inter");
    if (inter) fail(HPCFFI_ERR_INVALID_ARGUMENT, "intercommunicators are not supported; pass an intracommunicator");
    return comm;
}

void Comm::reset() noexcept {
    // After MPI_Finalize nothing may be freed; the handle just goes away.
    if (comm_ != MPI_COMM_NULL && mpi_is_up()) MPI_Comm_free(&comm_);
    comm_ = MPI_COMM_NULL;
}

void Datatype::reset() noexcept {
    if (type_ != MPI_DATATYPE_NULL && mpi_is_up()) MPI_Type_free(&type_);
    type_ = MPI_DATATYPE_NULL;
}

Comm duplicate(MPI_Comm comm) {
    MPI_Comm copy = MPI_COMM_NULL;
    check(MPI_Comm_dup(comm, &copy), "MPI_Comm_dup");
    Comm owned(copy);
    check(MPI_Comm_set_errhandler(copy, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    return owned;
}

int rank_of(MPI_Comm comm) {
    int rank = 0;
    check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
    return rank;
}

int size_of(MPI_Comm comm) {
    int size = 0;
    check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
    return size;
}

int agree(const char *function, MPI_Comm comm, int local_status,
          std::initializer_list<SameOnAllRanks> same_args) noexcept {
    try {
        // One MPI_MAX reduction of uint64 words carries it all:
        //   [0]       status << 32 | ~rank: the worst status, then the lowest
        //             rank that had it (the largest ~rank);
        //   [1 + 2k]  argument k, [2 + 2k] its complement: max and ~max(~v),
        //             i.e. the largest and the smallest value over the ranks.
        int rank = 0;
        if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) throw Error(HPCFFI_ERR_MPI, "MPI_Comm_rank failed");
        std::vector<uint64_t> words;
        words.reserve(1 + 2 * same_args.size());
        words.push_back(static_cast<uint64_t>(static_cast<uint32_t>(local_status)) << 32 |
                        static_cast<uint32_t>(~static_cast<uint32_t>(rank)));
        for (const SameOnAllRanks &arg : same_args) {
            words.push_back(arg.bits);
            words.push_back(~arg.bits);
        }
        if (MPI_Allreduce(MPI_IN_PLACE, words.data(), static_cast<int>(words.size()), MPI_UINT64_T, MPI_MAX, comm) !=
            MPI_SUCCESS)
            throw Error(HPCFFI_ERR_MPI, "MPI_Allreduce failed");
        const int status = static_cast<int>(words[0] >> 32);
        const int failing_rank = static_cast<int>(~static_cast<uint32_t>(words[0] & 0xffffffffU));
        if (status != HPCFFI_OK) {
            if (status == local_status) return status;  // this rank's own message stands
            // Another rank failed worse: say who, after this rank's own message if any.
            std::string message = local_status != HPCFFI_OK ? std::string(hpcffi_last_error()) + "; and "
                                                            : std::string(function) + ": ";
            message += "rank " + std::to_string(failing_rank) + " failed (" + hpcffi_strerror(status) +
                       "); see hpcffi_last_error() on that rank";
            return record_error(status, message);
        }
        size_t k = 0;
        for (const SameOnAllRanks &arg : same_args) {
            const uint64_t largest = words[1 + 2 * k], smallest = ~words[2 + 2 * k];
            ++k;
            if (largest == smallest) continue;
            std::string low = std::to_string(smallest), high = std::to_string(largest);
            if (arg.is_double) {
                double lo = 0.0, hi = 0.0;
                std::memcpy(&lo, &smallest, sizeof lo);
                std::memcpy(&hi, &largest, sizeof hi);
                low = std::to_string(lo);
                high = std::to_string(hi);
            } else {
                low = std::to_string(static_cast<int64_t>(smallest));
                high = std::to_string(static_cast<int64_t>(largest));
            }
            return record_error(HPCFFI_ERR_INVALID_ARGUMENT,
                                std::string(function) + ": argument " + arg.name +
                                    " must be the same on every rank of the communicator (seen " + low + " and " +
                                    high + ")");
        }
        return HPCFFI_OK;
    } catch (const Error &error) {
        // Nothing more can be agreed over a broken communicator.
        if (local_status != HPCFFI_OK) return local_status;
        return record_error(error.status(), std::string(function) + ": status agreement: " + error.what());
    } catch (...) {
        return local_status != HPCFFI_OK ? local_status : record_error(HPCFFI_ERR_OUT_OF_MEMORY, "out of memory");
    }
}

}  // namespace hpcffi::mpi
