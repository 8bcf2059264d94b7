// heat_isa.hpp -- run-time choice of the kernels' instruction-set variant.
//
// The kernel files are compiled several times (src/CMakeLists.txt), once per
// x86-64 level: "baseline" (x86-64, SSE2), "avx2" (x86-64-v3) and "avx512"
// (x86-64-v4), and "avx512_intel" (x86-64-v4 scheduled for current Intel
// cores, -mtune=sapphirerapids); elsewhere, or with HPCFFI_NATIVE=ON, once:
// "generic" or "native". Each compiled variant fills one KernelTable. At the
// first call the best variant the CPU runs is found (__builtin_cpu_supports;
// of the two AVX-512 ones, avx512_intel on Intel CPUs, avx512 elsewhere); the
// environment variable HPCFFI_ISA, read at every call like the other kernel
// settings, may name another one:
//   HPCFFI_ISA = auto (or unset or empty) | baseline | avx2 | avx512 | avx512_intel | native | generic
// A name that is unknown, not compiled into this build or not supported by
// this CPU is an error at the next kernel call (never a silent fallback: a
// benchmark or test that asked for a variant must not measure another one).
// Every variant computes the same operations in the same order, without
// contraction into FMA (-ffp-contract=off), so all give the same bits.
#pragma once

#include <cstdint>

#include "heat_types.hpp"

namespace hpcffi::heat {

struct KernelTable {
    const char *name;  // "baseline", "avx2", "avx512", "avx512_intel", "native" or "generic"
    // One step as an orphaned `omp for` (see heat_kernel.hpp step_interior).
    void (*step_interior)(double *out, const double *in, int64_t nx, int64_t ny, const Coefficients &c);
    // nsteps steps along a path (automatic: choose_path); depth, strip 0: defaults.
    void (*evolve_steps_with)(KernelPath path, double *field, double *scratch, int64_t nx, int64_t ny,
                              const Coefficients &c, int64_t nsteps, int threads, int block_depth, int strip_width);
    // One wavefront pass over a window (heat_kernel.hpp advance_window).
    void (*advance_window)(double *out, const double *in, int64_t nx, int64_t ny, int64_t stride,
                           const Coefficients &c, int64_t depth, int threads, int strip);
    // The row update every path uses (heat_kernel.hpp update_row).
    void (*update_row)(double *out, const double *up, const double *mid, const double *down, int64_t j_begin,
                       int64_t j_end, const Coefficients &c);
};

// The variant to run now: HPCFFI_ISA if set, else the best supported one.
// Throws hpcffi::Error (HPCFFI_ERR_INVALID_ARGUMENT for an unknown name,
// HPCFFI_ERR_UNSUPPORTED for one not compiled in or not supported here).
const KernelTable &kernels();

// Whether `name` is compiled in and runs on this CPU; throws for a name that
// is none of the known ones.
bool isa_available(const char *name);

// The table of the variant `name` if it is compiled in and runs on this CPU,
// else nullptr (never throws: the tuner and the wisdom ask for names).
const KernelTable *kernel_table_named(const char *name);
// The names of the variants compiled in and supported here, best first.
const char *const *available_variant_names(int *count);

// What hpcffi_heat_evolve_steps calls: choose() (heat_wisdom.hpp: the
// environment, then the wisdom file, then the rule in heat_tuning.cpp). The variables are read at
// every call (a getenv each), so tests and benchmarks can switch paths and
// variants within one process:
//   HPCFFI_ISA               = see above
//   HPCFFI_HEAT_KERNEL       = auto | plain | streaming | blocked
//   HPCFFI_HEAT_BLOCK_DEPTH  = steps per blocked pass (2..64, default: default_blocking())
//   HPCFFI_HEAT_STRIP_WIDTH  = output columns per blocked strip (1..65536, default: default_blocking())
// Unset, empty or unknown values of the last three mean the default. All
// variants, paths and settings give identical bits.
void evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                  int threads);

}  // namespace hpcffi::heat
