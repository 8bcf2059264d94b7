// status.hpp -- how C++ errors become C status codes at the ABI boundary.
//
// Library code reports a failure by throwing hpcffi::Error (via fail()).
// Every exported function wraps its body in guarded(), the one catch-all
// barrier: it turns any exception into a status code plus a thread-local
// message, so nothing C++ ever escapes through the C ABI.
#pragma once

#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "hpcffi/hpcffi.h"

namespace hpcffi {

class Error : public std::exception {
public:
    Error(int status, std::string message) : status_(status), message_(std::move(message)) {}
    int status() const noexcept { return status_; }
    const char *what() const noexcept override { return message_.c_str(); }

private:
    int status_;
    std::string message_;
};

[[noreturn]] inline void fail(int status, std::string message) {
    throw Error(status, std::move(message));
}

inline void require_non_null(const void *pointer, const char *name) {
    if (pointer == nullptr) fail(HPCFFI_ERR_NULL_POINTER, std::string(name) + " is NULL");
}

// Record a failure for hpcffi_last_error() in the calling thread; returns status.
int record_error(int status, const std::string &message) noexcept;

// Run body (which returns void or an int status) and map every exception
// to a status. `function` prefixes the message so users see where it came from.
template <class Body>
int guarded(const char *function, Body &&body) noexcept {
    try {
        if constexpr (std::is_same_v<decltype(body()), void>) {
            body();
            return HPCFFI_OK;
        } else {
            return body();
        }
    } catch (const Error &error) {
        return record_error(error.status(), std::string(function) + ": " + error.what());
    } catch (const std::bad_alloc &) {
        return record_error(HPCFFI_ERR_OUT_OF_MEMORY, std::string(function) + ": out of memory");
    } catch (const std::exception &error) {
        return record_error(HPCFFI_ERR_INTERNAL,
                            std::string(function) + ": internal error: " + error.what());
    } catch (...) {
        return record_error(HPCFFI_ERR_INTERNAL, std::string(function) + ": unknown internal error");
    }
}

}  // namespace hpcffi
