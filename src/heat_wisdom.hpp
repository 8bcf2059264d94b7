// heat_wisdom.hpp -- kernels chosen by measurement, cached per machine (as
// FFTW's wisdom): the wisdom file, where it lives, and the choice every
// multi-step heat call makes from it.
//
// A wisdom file holds, for a few field sizes and thread counts, the
// configuration the tuner (heat_tuner.cpp) timed fastest on this machine:
// path (plain or blocked), ISA variant, blocking depth and strip width. It is
// keyed by the CPU model, cpu0's cache sizes, the thread count and the
// library version (and the build's ISA variants); a file written for another
// key (another machine kind, an older hpcffi, another build or thread count), a damaged one (checksum) or an
// unreadable one is ignored with a note on stderr, and the cache-size rule of
// heat_tuning.cpp is used instead. Every choice computes the same bits (all
// paths and variants evaluate the same expression in the same order), so
// wisdom changes speed only.
//
// Where (first found wins, read once at the first kernel call):
//   HPCFFI_WISDOM=FILE         that file only; HPCFFI_WISDOM=off: none (the rule)
//   $XDG_CACHE_HOME/hpcffi/wisdom-<key>.txt   (default ~/.cache/hpcffi/)
//   <prefix>/share/hpcffi/wisdom/wisdom-<key>.txt   next to the installed library
// <key> is a hash of CPU model, caches and thread count, so a home directory
// shared by two machine kinds holds one file per kind. With HPCFFI_TUNE=lazy
// and no file found, the first call tunes for HPCFFI_TUNE_BUDGET seconds
// (default 10), says so on stderr, and writes the per-user file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "heat_isa.hpp"
#include "heat_types.hpp"

namespace hpcffi::heat {

// One tuned choice, for n x n fields on `threads` threads.
struct WisdomEntry {
    int64_t n = 0;
    int threads = 1;
    KernelPath path = KernelPath::plain;  // plain or blocked
    std::string isa;                      // a variant name (heat_isa.hpp)
    int depth = 0, strip = 0;             // blocked: steps per pass, columns per strip; plain: 0
    double mpts = 0;                      // its sustained rate when tuned (0: not timed)
    bool timed = false;                   // false: the budget ran out and the rule's choice was kept
};

// What a wisdom file must match to be used.
struct WisdomKey {
    std::string cpu;  // /proc/cpuinfo model name, family and model
    CacheSizes caches;
    int threads;           // the process's default thread count (OMP_NUM_THREADS)
    std::string version;   // hpcffi_version_string()
    std::string variants;  // the ISA variants this build runs here, best first ("native" or "avx512,avx2,...")
};
WisdomKey this_machine_key(int threads);
std::string wisdom_file_name(const WisdomKey &key);  // wisdom-<16 hex digits>.txt
std::string user_wisdom_dir();                       // "" when neither XDG_CACHE_HOME nor HOME is set
std::string site_wisdom_dir();                       // "" when the library's own path is unknown

// The file's text, and its validation: false with `why` set when the text is
// damaged, of another format or written for another key.
std::string format_wisdom(const WisdomKey &key, const std::vector<WisdomEntry> &entries, double budget_seconds);
bool parse_wisdom(const std::string &text, const WisdomKey &expected, std::vector<WisdomEntry> &entries,
                  std::string &why);
// Writes atomically (a temporary file renamed over the target); `path` empty:
// the per-user file; an existing directory: the key's file in it. Returns the
// path written; throws hpcffi::Error when it cannot write.
std::string write_wisdom(const std::string &path, const WisdomKey &key, const std::vector<WisdomEntry> &entries,
                         double budget_seconds);

// The process's wisdom. load_wisdom("") repeats the default search above;
// another path loads that file. Either returns whether wisdom is now in use;
// a file that was rejected leaves none in use and a note (also on stderr).
bool load_wisdom(const std::string &path);
void use_wisdom(const std::string &path, std::vector<WisdomEntry> entries);
struct WisdomStatus {
    bool in_use = false;
    std::string path;  // the file in use, else the per-user file looked for
    std::string note;  // why the last file looked at was not used ("" if none)
};
WisdomStatus wisdom_status();

// What a multi-step call runs. Each knob: the environment if set
// (HPCFFI_ISA, HPCFFI_HEAT_KERNEL, HPCFFI_HEAT_BLOCK_DEPTH,
// HPCFFI_HEAT_STRIP_WIDTH), else the wisdom entry nearest in field size for
// this thread count (within a factor 4 in points, 2 or more steps), else the
// rule. depth and strip 0 mean the blocked path's defaults.
struct Choice {
    const KernelTable *kernels;
    KernelPath path;  // never automatic
    int depth, strip;
    bool from_wisdom;
};
Choice choose(int64_t nx, int64_t ny, int64_t nsteps, int threads);

// The tuner (heat_tuner.cpp): times candidates for each size (empty: sizes
// from the cache regimes) at 1 thread and at `threads`, within about
// budget_seconds, sustained rounds after a warm-up; returns one entry per
// size and thread count. Progress lines go to `log` when not null.
std::vector<WisdomEntry> tune(double budget_seconds, std::vector<int64_t> sizes, int threads, FILE *log);

const char *path_name(KernelPath path);

}  // namespace hpcffi::heat
