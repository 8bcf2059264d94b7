// dot_kernel.hpp -- the C++ kernel: no C ABI, no status codes, no MPI here.
#pragma once

#include <cstdint>

namespace hpcdot {

// Sum of x[i] * y[i], i < n, on `threads` OpenMP threads. Deterministic: the
// vector is cut into fixed blocks whatever the thread count, and the blocks'
// sums are added in order, so the bits do not depend on the schedule.
double dot(const double *x, const double *y, std::int64_t n, int threads);

}  // namespace hpcdot
