// support.cpp -- see support.hpp.
#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include <hpcffi/hpcffi.h>

namespace heat_bench {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

std::string loadavg() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

Buffer allocate(size_t n) {
    const size_t bytes = (n * sizeof(double) + 4095) / 4096 * 4096;
    auto *p = static_cast<double *>(std::aligned_alloc(4096, bytes));
    if (p == nullptr) {
        std::fprintf(stderr, "heat_bench: out of memory (%zu bytes)\n", bytes);
        std::exit(1);
    }
    return Buffer(p);
}

void check(int status, const char *what) {
    if (status != HPCFFI_OK) {
        std::fprintf(stderr, "heat_bench: %s failed: %s\n", what, hpcffi_last_error());
        std::exit(1);
    }
}

std::vector<long> parse_list(const std::string &text) {
    std::vector<long> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(std::stol(item));
    return out;
}

}  // namespace heat_bench
