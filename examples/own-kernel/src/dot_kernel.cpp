// dot_kernel.cpp -- the dot product, OpenMP over fixed blocks.
#include "dot_kernel.hpp"

#include <vector>

namespace hpcdot {

namespace {
// Block length: large enough that the parallel loop's overhead is small,
// fixed so that the summation order never depends on the thread count.
constexpr std::int64_t block = 4096;
}  // namespace

double dot(const double *x, const double *y, std::int64_t n, int threads) {
    const std::int64_t nblocks = (n + block - 1) / block;
    std::vector<double> partial(static_cast<std::size_t>(nblocks));
#pragma omp parallel for schedule(static) num_threads(threads) if (nblocks > 4)
    for (std::int64_t b = 0; b < nblocks; ++b) {
        const std::int64_t end = (b + 1) * block < n ? (b + 1) * block : n;
        double sum = 0.0;
        for (std::int64_t i = b * block; i < end; ++i) sum += x[i] * y[i];
        partial[static_cast<std::size_t>(b)] = sum;
    }
    double total = 0.0;
    for (double sum : partial) total += sum;  // in block order: reproducible
    return total;
}

}  // namespace hpcdot
