// threads.hpp -- the one thread count every OpenMP region of the library uses.
//
// omp_set_num_threads() only affects the calling thread, and OMP_NUM_THREADS
// is read once when libgomp loads; a process-wide setting that every kernel
// passes to num_threads() works the same from any Python or C thread.
#pragma once

namespace hpcffi {
// Threads for the next parallel region (>= 1).
int kernel_threads() noexcept;
// The OpenMP default (OMP_NUM_THREADS as read at the first call), whatever
// hpcffi_set_num_threads set since: what the wisdom file is keyed by.
int default_kernel_threads() noexcept;
}  // namespace hpcffi
