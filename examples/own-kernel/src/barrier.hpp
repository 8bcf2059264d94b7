// barrier.hpp -- the one place where C++ errors become C status codes.
//
// The same pattern as hpcffi's src/status.hpp (not installed: it is internal
// to hpcffi): library code throws hpcdot::Error through fail(); every
// exported function runs its body inside guarded(), which catches
// everything, records a message for hpcdot_last_error() and returns a
// status. No exception ever crosses the C ABI (that would be undefined
// behaviour for a C or Python caller).
#pragma once

#include <exception>
#include <new>
#include <string>
#include <utility>

#include "hpcdot/hpcdot.h"

namespace hpcdot {

class Error : public std::exception {
public:
    Error(int status, std::string message) : status_(status), message_(std::move(message)) {}
    int status() const noexcept { return status_; }
    const char *what() const noexcept override { return message_.c_str(); }

private:
    int status_;
    std::string message_;
};

[[noreturn]] inline void fail(int status, std::string message) { throw Error(status, std::move(message)); }

// Record a failure for hpcdot_last_error() in the calling thread; returns status.
int record_error(int status, const std::string &message) noexcept;

template <class Body>
int guarded(const char *function, Body &&body) noexcept {
    try {
        body();
        return HPCFFI_OK;
    } catch (const Error &error) {
        return record_error(error.status(), std::string(function) + ": " + error.what());
    } catch (const std::bad_alloc &) {
        return record_error(HPCFFI_ERR_OUT_OF_MEMORY, std::string(function) + ": out of memory");
    } catch (const std::exception &error) {
        return record_error(HPCFFI_ERR_INTERNAL, std::string(function) + ": internal error: " + error.what());
    } catch (...) {
        return record_error(HPCFFI_ERR_INTERNAL, std::string(function) + ": unknown internal error");
    }
}

}  // namespace hpcdot
