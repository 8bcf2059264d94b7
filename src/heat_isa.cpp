// heat_isa.cpp -- picks the ISA variant of the kernels at run time, and the
// C ABI queries hpcffi_isa / hpcffi_isa_available (see heat_isa.hpp).
#include "heat_isa.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "heat_wisdom.hpp"
#include "status.hpp"

// The variants this build compiled, announced by src/CMakeLists.txt; each
// defines hpcffi::heat::isa_<name>::kernel_table (heat_kernel.cpp).
#define HPCFFI_DECLARE_VARIANT(ns)                  \
    namespace hpcffi::heat::ns {                    \
    extern const KernelTable kernel_table;          \
    }
#ifdef HPCFFI_ISA_HAVE_BASELINE
HPCFFI_DECLARE_VARIANT(isa_baseline)
#endif
#ifdef HPCFFI_ISA_HAVE_AVX2
HPCFFI_DECLARE_VARIANT(isa_avx2)
#endif
#ifdef HPCFFI_ISA_HAVE_AVX512
HPCFFI_DECLARE_VARIANT(isa_avx512)
#endif
#ifdef HPCFFI_ISA_HAVE_AVX512_INTEL
HPCFFI_DECLARE_VARIANT(isa_avx512_intel)
#endif
#ifdef HPCFFI_ISA_HAVE_NATIVE
HPCFFI_DECLARE_VARIANT(isa_native)
#endif
#ifdef HPCFFI_ISA_HAVE_GENERIC
HPCFFI_DECLARE_VARIANT(isa_generic)
#endif

namespace hpcffi::heat {
namespace {

struct Variant {
    const char *name;
    const KernelTable *table;  // nullptr: not compiled into this build
    bool (*supported)();       // does this CPU (and OS) run it?
};

bool always() { return true; }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// libgcc's CPU model also checks that the OS saves the AVX / AVX-512 state.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
bool cpu_has_v3() { return __builtin_cpu_supports("x86-64-v3"); }
bool cpu_has_v4() { return __builtin_cpu_supports("x86-64-v4"); }
#else
bool cpu_has_v3() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
}
bool cpu_has_v4() {
    return cpu_has_v3() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512cd");
}
#endif
bool cpu_is_intel() { return __builtin_cpu_is("intel"); }
#else
bool cpu_has_v3() { return false; }
bool cpu_has_v4() { return false; }
bool cpu_is_intel() { return false; }
#endif

// Best first (on an Intel CPU; see ranked()): the automatic choice is the
// first compiled, supported one.
const Variant variants[] = {
#ifdef HPCFFI_ISA_HAVE_NATIVE
    {"native", &isa_native::kernel_table, always},  // built for this machine's CPU
#else
    {"native", nullptr, always},
#endif
#ifdef HPCFFI_ISA_HAVE_AVX512_INTEL
    {"avx512_intel", &isa_avx512_intel::kernel_table, cpu_has_v4},  // x86-64-v4 scheduled for Intel cores
#else
    {"avx512_intel", nullptr, cpu_has_v4},
#endif
#ifdef HPCFFI_ISA_HAVE_AVX512
    {"avx512", &isa_avx512::kernel_table, cpu_has_v4},
#else
    {"avx512", nullptr, cpu_has_v4},
#endif
#ifdef HPCFFI_ISA_HAVE_AVX2
    {"avx2", &isa_avx2::kernel_table, cpu_has_v3},
#else
    {"avx2", nullptr, cpu_has_v3},
#endif
#ifdef HPCFFI_ISA_HAVE_BASELINE
    {"baseline", &isa_baseline::kernel_table, always},
#else
    {"baseline", nullptr, always},
#endif
#ifdef HPCFFI_ISA_HAVE_GENERIC
    {"generic", &isa_generic::kernel_table, always},
#else
    {"generic", nullptr, always},
#endif
};

std::string compiled_names() {
    std::string names;
    for (const Variant &v : variants)
        if (v.table != nullptr) names += (names.empty() ? "" : ", ") + std::string(v.name);
    return names;
}

constexpr size_t variant_count = sizeof(variants) / sizeof(variants[0]);

// The variants best first on this CPU: the table's order, except that a CPU
// that is not Intel's ranks the generically tuned avx512 before avx512_intel
// (Intel's scheduling was measured on Intel cores only). Which of the two is
// faster on a given machine is for the tuner to measure (heat_tuner.cpp);
// this order is the choice without wisdom and the tuner's short list.
const Variant *const *ranked() {
    static const auto order = [] {
        struct Order {
            const Variant *list[variant_count];
        } o{};
        for (size_t i = 0; i < variant_count; ++i) o.list[i] = &variants[i];
        if (!cpu_is_intel())
            for (size_t i = 0; i + 1 < variant_count; ++i)
                if (std::strcmp(o.list[i]->name, "avx512_intel") == 0) {
                    std::swap(o.list[i], o.list[i + 1]);  // one place down, behind avx512
                    break;
                }
        return o;
    }();
    return order.list;
}

const Variant *find(const char *name) {
    for (const Variant &v : variants)
        if (std::strcmp(v.name, name) == 0) return &v;
    return nullptr;
}

// Found once, when first asked (the CPU does not change under us).
const KernelTable &best_supported() {
    static const KernelTable *const best = [] {
        const Variant *const *order = ranked();
        for (size_t i = 0; i < variant_count; ++i)
            if (order[i]->table != nullptr && order[i]->supported()) return order[i]->table;
        return static_cast<const KernelTable *>(nullptr);
    }();
    if (best == nullptr) fail(HPCFFI_ERR_INTERNAL, "no compiled kernel variant runs on this CPU");
    return *best;
}

}  // namespace

bool isa_available(const char *name) {
    const Variant *v = find(name);
    if (v == nullptr)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "unknown ISA variant '" + std::string(name) +
                                              "' (known: native, avx512_intel, avx512, avx2, baseline, generic)");
    return v->table != nullptr && v->supported();
}

const KernelTable &kernels() {
    const char *requested = std::getenv("HPCFFI_ISA");
    if (requested == nullptr || requested[0] == '\0' || std::strcmp(requested, "auto") == 0)
        return best_supported();
    const Variant *v = find(requested);
    if (v == nullptr)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "HPCFFI_ISA=" + std::string(requested) +
                                              " is not a kernel variant; use auto or one compiled into this "
                                              "build: " + compiled_names());
    if (v->table == nullptr)
        fail(HPCFFI_ERR_UNSUPPORTED, "HPCFFI_ISA=" + std::string(requested) +
                                         ": this build has no such kernel variant (compiled: " + compiled_names() +
                                         "; HPCFFI_NATIVE=ON builds only 'native')");
    if (!v->supported())
        fail(HPCFFI_ERR_UNSUPPORTED,
             "HPCFFI_ISA=" + std::string(requested) + ": this CPU does not support that instruction set");
    return *v->table;
}

const KernelTable *kernel_table_named(const char *name) {
    const Variant *v = find(name);
    return v != nullptr && v->table != nullptr && v->supported() ? v->table : nullptr;
}

const char *const *available_variant_names(int *count) {
    static const auto names = [] {
        struct Names {
            const char *list[variant_count];
            int count = 0;
        } n{};
        const Variant *const *order = ranked();
        for (size_t i = 0; i < variant_count; ++i)
            if (order[i]->table != nullptr && order[i]->supported()) n.list[n.count++] = order[i]->name;
        return n;
    }();
    *count = names.count;
    return names.list;
}

void evolve_steps(double *field, double *scratch, int64_t nx, int64_t ny, const Coefficients &c, int64_t nsteps,
                  int threads) {
    const Choice choice = choose(nx, ny, nsteps, threads);  // validates HPCFFI_ISA even for 0 steps
    if (nsteps <= 0) return;
    choice.kernels->evolve_steps_with(choice.path, field, scratch, nx, ny, c, nsteps, threads, choice.depth,
                                      choice.strip);
}

}  // namespace hpcffi::heat

extern "C" int hpcffi_isa(const char **name) {
    return hpcffi::guarded(__func__, [&] {
        hpcffi::require_non_null(name, "name");
        *name = hpcffi::heat::kernels().name;
    });
}

extern "C" int hpcffi_isa_available(const char *name, int *available) {
    return hpcffi::guarded(__func__, [&] {
        hpcffi::require_non_null(name, "name");
        hpcffi::require_non_null(available, "available");
        *available = hpcffi::heat::isa_available(name) ? 1 : 0;
    });
}
