// heat_test_support.hpp -- what the heat tests share: the parameters, a
// rough initial field, and scoped settings (environment, thread count).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "hpcffi/hpcffi.h"

namespace heat_test {

constexpr double a = 0.5, dx2 = 0.01, dy2 = 0.02;  // dx2 != dy2: a swapped axis shows

inline double stable_dt() {
    double dt = 0.0;
    EXPECT_EQ(hpcffi_heat_max_stable_dt(a, dx2, dy2, &dt), HPCFFI_OK);
    return dt;
}

// Rough values everywhere (boundaries included), so a wrong neighbour, a
// missed boundary value or a stale ring row changes the result.
inline std::vector<double> initial_field(int64_t nx, int64_t ny) {
    std::vector<double> u(static_cast<size_t>(nx * ny));
    uint64_t state = 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(nx * 1000003 + ny);
    for (double &x : u) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        x = static_cast<double>(state >> 11) * 0x1.0p-53 * 100.0 - 20.0;
    }
    return u;
}

// Sets (or clears) an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char *name, std::optional<std::string> value) : name_(name) {
        if (const char *old = std::getenv(name)) old_ = old;
        if (value)
            setenv(name, value->c_str(), 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            setenv(name_, old_->c_str(), 1);
        else
            unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
    const char *name_;
    std::optional<std::string> old_;
};

class ScopedThreads {
public:
    explicit ScopedThreads(int n) {
        EXPECT_EQ(hpcffi_get_num_threads(&old_), HPCFFI_OK);
        EXPECT_EQ(hpcffi_set_num_threads(n), HPCFFI_OK);
    }
    ~ScopedThreads() { hpcffi_set_num_threads(0); }

private:
    int old_ = 0;
};

}  // namespace heat_test
