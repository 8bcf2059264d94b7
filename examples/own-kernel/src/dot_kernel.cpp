// dot_kernel.cpp -- the dot product, OpenMP over fixed blocks.
#include "dot_kernel.hpp"

#include <vector>

namespace hpcdot {

namespace {
// Block length: large enough that the parallel loop's overhead is small,
// fixed so that the summation order never depends on the thread count.
constexpr std::int64_t block = 4096;
constexpr int lanes = 8;  // a multiple of the vector width (AVX-512: 8 doubles)
}  // namespace

double dot(const double *x, const double *y, std::int64_t n, int threads) {
    const std::int64_t nblocks = (n + block - 1) / block;
    std::vector<double> partial(static_cast<std::size_t>(nblocks));
#pragma omp parallel for schedule(static) num_threads(threads) if (nblocks > 4)
    for (std::int64_t b = 0; b < nblocks; ++b) {
        const std::int64_t begin = b * block, end = (b + 1) * block < n ? (b + 1) * block : n;
        // Eight independent sums (lane k takes i = begin + k, k + 8, ...): one
        // running sum would wait for each addition before the next (about 4
        // cycles each) and cannot be vectorised without reordering the sum,
        // which the compiler may not do. Lanes are combined in a fixed order.
        double lane[lanes] = {};
        std::int64_t i = begin;
        for (; i + lanes <= end; i += lanes)
            for (int k = 0; k < lanes; ++k) lane[k] += x[i + k] * y[i + k];
        for (int k = 0; i < end; ++i, ++k) lane[k] += x[i] * y[i];
        double sum = 0.0;
        for (int k = 0; k < lanes; ++k) sum += lane[k];
        partial[static_cast<std::size_t>(b)] = sum;
    }
    double total = 0.0;
    for (double sum : partial) total += sum;  // in block order: reproducible
    return total;
}

}  // namespace hpcdot
