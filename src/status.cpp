// status.cpp -- thread-local last error and the fixed status descriptions.
#include "status.hpp"

namespace {
thread_local std::string last_error_message;
}

namespace hpcffi {

int record_error(int status, const std::string &message) noexcept {
    try {
        last_error_message = message;
    } catch (...) {
        // Not even the message fits in memory: keep the status, drop the text.
    }
    return status;
}

}  // namespace hpcffi

extern "C" const char *hpcffi_last_error(void) { return last_error_message.c_str(); }

extern "C" const char *hpcffi_strerror(int status) {
    switch (status) {
        case HPCFFI_OK: return "success";
        case HPCFFI_ERR_NULL_POINTER: return "null pointer argument";
        case HPCFFI_ERR_INVALID_ARGUMENT: return "invalid argument";
        case HPCFFI_ERR_UNSTABLE: return "unstable time step";
        case HPCFFI_ERR_OVERFLOW: return "result does not fit the output type";
        case HPCFFI_ERR_BUFFER_TOO_SMALL: return "buffer too small";
        case HPCFFI_ERR_UNSUPPORTED: return "feature not compiled into this build";
        case HPCFFI_ERR_OUT_OF_MEMORY: return "out of memory";
        case HPCFFI_ERR_MPI: return "MPI error";
        case HPCFFI_ERR_ALIASING: return "buffers overlap";
        case HPCFFI_ERR_INTERNAL: return "internal error in hpcffi";
        default: return "unknown status";
    }
}
