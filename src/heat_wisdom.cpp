// heat_wisdom.cpp -- the wisdom file (format, key, locations), the process's
// wisdom and the choice each multi-step call makes (see heat_wisdom.hpp).
// Compiled once, not per ISA variant: nothing here touches the field.
#include "heat_wisdom.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "status.hpp"
#include "threads.hpp"

namespace hpcffi::heat {

namespace {

constexpr const char *magic = "hpcffi wisdom 1";

// FNV-1a, 64 bits: the file's checksum and its key's hash. Not a defence
// against tampering, only against truncation and stray edits.
uint64_t fnv1a(const std::string &text) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 1099511628211ULL;
    }
    return h;
}

std::string hex16(uint64_t v) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(v));
    return buffer;
}

// "model name (family F model M)" from /proc/cpuinfo's first processor: the
// model name alone is generic on some VMs ("Intel(R) Xeon(R) Processor").
std::string cpu_model() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, name, family, model;
    while (std::getline(cpuinfo, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) {
            if (!name.empty()) break;  // end of the first processor's block
            continue;
        }
        std::string field = line.substr(0, colon);
        while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.pop_back();
        std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (field == "model name" && name.empty()) name = value;
        if (field == "cpu family" && family.empty()) family = value;
        if (field == "model" && model.empty()) model = value;
    }
    if (name.empty()) name = "unknown CPU";
    for (char &ch : name)
        if (ch == '\n' || ch == '\r') ch = ' ';
    return name + " (family " + (family.empty() ? "?" : family) + " model " + (model.empty() ? "?" : model) + ")";
}

bool is_directory(const std::string &path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string &path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

void make_directories(const std::string &dir) {
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos < dir.size() && dir[pos] != '/') continue;
        const std::string prefix = dir.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
            fail(HPCFFI_ERR_INVALID_ARGUMENT, "cannot create directory " + prefix + ": " + std::strerror(errno));
    }
}

KernelPath path_named(const std::string &name) {
    if (name == "plain") return KernelPath::plain;
    if (name == "blocked") return KernelPath::blocked;
    return KernelPath::automatic;  // not a path a wisdom entry may name
}

// ---- the process's wisdom -----------------------------------------------------

struct State {
    bool searched = false;  // the default search ran (at the first choose() or load_wisdom(""))
    std::string path;       // file in use ("" none)
    std::string note;
    std::shared_ptr<const std::vector<WisdomEntry>> entries;
};

std::mutex state_mutex;
State state;

void print_note(const std::string &note) { std::fprintf(stderr, "hpcffi: note: %s\n", note.c_str()); }

// Reads and validates one file; on success it becomes the wisdom in use.
// Caller holds state_mutex.
bool try_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::string why;
    std::vector<WisdomEntry> entries;
    if (!in) {
        why = std::string("cannot read it (") + std::strerror(errno) + ")";
    } else {
        std::ostringstream text;
        text << in.rdbuf();
        parse_wisdom(text.str(), this_machine_key(hpcffi::default_kernel_threads()), entries, why);
    }
    if (!why.empty()) {
        state.path.clear();
        state.entries.reset();
        state.note = "ignoring wisdom file " + path + ": " + why +
                     "; the heat kernels use the cache-size rule (re-tune: python -m hpcffi tune)";
        print_note(state.note);
        return false;
    }
    state.path = path;
    state.note.clear();
    state.entries = std::make_shared<const std::vector<WisdomEntry>>(std::move(entries));
    return true;
}

int lazy_budget() {
    const int budget = setting_from_environment("HPCFFI_TUNE_BUDGET", 1, 3600);
    return budget > 0 ? budget : 10;
}

// HPCFFI_WISDOM, then the per-user file, then the site file, then (opt-in)
// lazy tuning. Caller holds state_mutex.
void default_search() {
    state.searched = true;
    state.path.clear();
    state.note.clear();
    state.entries.reset();
    const char *forced = std::getenv("HPCFFI_WISDOM");
    if (forced != nullptr && forced[0] != '\0') {
        if (std::strcmp(forced, "off") == 0 || std::strcmp(forced, "none") == 0) return;
        try_file(forced);
        return;
    }
    const std::string name = wisdom_file_name(this_machine_key(hpcffi::default_kernel_threads()));
    for (const std::string &dir : {user_wisdom_dir(), site_wisdom_dir()}) {
        if (dir.empty() || !exists(dir + "/" + name)) continue;
        if (try_file(dir + "/" + name)) return;
    }
    const char *lazy = std::getenv("HPCFFI_TUNE");
    if (lazy == nullptr || std::strcmp(lazy, "lazy") != 0) return;
    const int budget = lazy_budget();
    std::fprintf(stderr,
                 "hpcffi: HPCFFI_TUNE=lazy and no wisdom for this machine: tuning the heat kernels for about %d s "
                 "(once; `python -m hpcffi tune` does it explicitly)\n",
                 budget);
    std::vector<WisdomEntry> entries = tune(budget, {}, hpcffi::kernel_threads(), nullptr);
    try {
        const std::string written =
            write_wisdom("", this_machine_key(hpcffi::default_kernel_threads()), entries, budget);
        std::fprintf(stderr, "hpcffi: wrote %s\n", written.c_str());
        state.path = written;
    } catch (const Error &error) {
        state.note = std::string("lazy tuning could not write its wisdom (") + error.what() +
                     "): used by this process only";
        print_note(state.note);
        state.path = "(lazy tuning, not written)";
    }
    state.entries = std::make_shared<const std::vector<WisdomEntry>>(std::move(entries));
}

// The entry for this problem: same thread count, nearest size in points
// within a factor 4.
const WisdomEntry *lookup(const std::vector<WisdomEntry> &entries, int64_t nx, int64_t ny, int threads) {
    const WisdomEntry *best = nullptr;
    double best_distance = std::log(4.0) + 1e-9;
    const double points = static_cast<double>(nx) * static_cast<double>(ny);
    for (const WisdomEntry &e : entries) {
        if (e.threads != threads) continue;
        const double distance = std::fabs(std::log(points / (static_cast<double>(e.n) * static_cast<double>(e.n))));
        if (distance <= best_distance) {
            best_distance = distance;
            best = &e;
        }
    }
    return best;
}

}  // namespace

const char *path_name(KernelPath path) {
    switch (path) {
        case KernelPath::plain: return "plain";
        case KernelPath::streaming: return "streaming";
        case KernelPath::blocked: return "blocked";
        default: return "auto";
    }
}

WisdomKey this_machine_key(int threads) {
    static const std::string cpu = cpu_model();
    // The build's variants: a native and a portable build of one version
    // differ in what they can choose, so each has a file of its own.
    static const std::string variants = [] {
        int count = 0;
        const char *const *names = available_variant_names(&count);
        std::string list;
        for (int i = 0; i < count; ++i) list += (i ? "," : "") + std::string(names[i]);
        return list;
    }();
    return {cpu, cache_sizes(), threads, hpcffi_version_string(), variants};
}

std::string wisdom_file_name(const WisdomKey &key) {
    const std::string identity = key.cpu + "|" + key.variants + "|" + std::to_string(key.caches.l1d) + "|" + std::to_string(key.caches.l2) +
                                 "|" + std::to_string(key.caches.l3) + "|" + std::to_string(key.threads);
    return "wisdom-" + hex16(fnv1a(identity)) + ".txt";
}

std::string user_wisdom_dir() {
    const char *xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/hpcffi";
    const char *home = std::getenv("HOME");
    if (home != nullptr && home[0] != '\0') return std::string(home) + "/.cache/hpcffi";
    return "";
}

std::string site_wisdom_dir() {
    // <prefix>/lib*/libhpcffi.so -> <prefix>/share/hpcffi/wisdom
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void *>(&hpcffi_version_string), &info) == 0 || info.dli_fname == nullptr) return "";
    const std::string library = info.dli_fname;
    const auto slash = library.rfind('/');
    if (slash == std::string::npos) return "";
    // The library's folder without "..", links or "." (the Python package
    // loads it as .../site-packages/hpcffi/../../../libhpcffi.so.0), so the
    // path reported (hpcffi_wisdom_info) is the plain <prefix>/share/... one.
    char resolved[PATH_MAX];
    if (::realpath(library.substr(0, slash).c_str(), resolved) == nullptr)
        return library.substr(0, slash) + "/../share/hpcffi/wisdom";
    const std::string folder = resolved;
    const auto parent = folder.rfind('/');
    return (parent == std::string::npos ? std::string(".") : folder.substr(0, parent)) + "/share/hpcffi/wisdom";
}

std::string format_wisdom(const WisdomKey &key, const std::vector<WisdomEntry> &entries, double budget_seconds) {
    std::ostringstream out;
    out << magic << "\n";
    out << "# Kernel choices timed on this machine by hpcffi's tuner (python -m hpcffi tune); see\n"
           "# docs/performance.md. Any edit invalidates the checksum: re-tune instead.\n";
    out << "version " << key.version << "\n";
    out << "cpu " << key.cpu << "\n";
    out << "caches " << key.caches.l1d << " " << key.caches.l2 << " " << key.caches.l3 << "\n";
    out << "threads " << key.threads << "\n";
    out << "variants " << key.variants << "\n";
    char budget[32];
    std::snprintf(budget, sizeof budget, "%.1f", budget_seconds);
    out << "budget " << budget << "\n";
    out << "# entry n threads path isa depth strip sustained-Mpts/s timed\n";
    for (const WisdomEntry &e : entries) {
        char mpts[32];
        std::snprintf(mpts, sizeof mpts, "%.1f", e.mpts);
        out << "entry " << e.n << " " << e.threads << " " << path_name(e.path) << " " << e.isa << " " << e.depth << " "
            << e.strip << " " << mpts << " " << (e.timed ? 1 : 0) << "\n";
    }
    std::string text = out.str();
    return text + "checksum " + hex16(fnv1a(text)) + "\n";
}

bool parse_wisdom(const std::string &text, const WisdomKey &expected, std::vector<WisdomEntry> &entries,
                  std::string &why) {
    why.clear();
    // Damage first: the last line is the checksum of everything before it.
    const auto mark = text.rfind("checksum ");
    if (mark == std::string::npos || (mark > 0 && text[mark - 1] != '\n')) {
        why = "damaged (no checksum line: truncated or not a wisdom file)";
        return false;
    }
    std::string stated = text.substr(mark + 9);
    while (!stated.empty() && (stated.back() == '\n' || stated.back() == '\r')) stated.pop_back();
    if (stated != hex16(fnv1a(text.substr(0, mark)))) {
        why = "damaged (checksum mismatch: edited or truncated)";
        return false;
    }
    std::istringstream lines(text.substr(0, mark));
    std::string line;
    if (!std::getline(lines, line) || line != magic) {
        why = "not a wisdom file of this format (first line is not '" + std::string(magic) + "')";
        return false;
    }
    std::string version, cpu, variants;
    CacheSizes caches{-1, -1, -1};
    int threads = -1;
    std::vector<WisdomEntry> found;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.find(' ');
        const std::string word = line.substr(0, space);
        const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
        std::istringstream fields(rest);
        if (word == "version") {
            version = rest;
        } else if (word == "cpu") {
            cpu = rest;
        } else if (word == "caches") {
            fields >> caches.l1d >> caches.l2 >> caches.l3;
        } else if (word == "threads") {
            fields >> threads;
        } else if (word == "variants") {
            variants = rest;
        } else if (word == "budget") {
        } else if (word == "entry") {
            WisdomEntry e;
            std::string path;
            int timed = 0;
            if (!(fields >> e.n >> e.threads >> path >> e.isa >> e.depth >> e.strip >> e.mpts >> timed)) {
                why = "damaged (unreadable entry '" + line + "')";
                return false;
            }
            e.path = path_named(path);
            e.timed = timed != 0;
            const bool blocked = e.path == KernelPath::blocked;
            if (e.n < 3 || e.threads < 1 || e.path == KernelPath::automatic || e.depth < (blocked ? 2 : 0) ||
                e.depth > 64 || e.strip < (blocked ? 1 : 0) || e.strip > 65536) {
                why = "damaged (entry out of range '" + line + "')";
                return false;
            }
            if (kernel_table_named(e.isa.c_str()) == nullptr) {
                why = "written for another machine (ISA variant '" + e.isa + "' does not run here or is not built in)";
                return false;
            }
            found.push_back(e);
        } else {
            why = "damaged (unknown line '" + line + "')";
            return false;
        }
    }
    if (version != expected.version) {
        why = "stale (written by hpcffi " + (version.empty() ? std::string("?") : version) + ", this is hpcffi " +
              expected.version + ")";
        return false;
    }
    if (cpu != expected.cpu) {
        why = "written for another machine (CPU '" + cpu + "', this is '" + expected.cpu + "')";
        return false;
    }
    if (caches.l1d != expected.caches.l1d || caches.l2 != expected.caches.l2 || caches.l3 != expected.caches.l3) {
        why = "written for another machine (caches " + std::to_string(caches.l1d) + "/" + std::to_string(caches.l2) +
              "/" + std::to_string(caches.l3) + " bytes, these are " + std::to_string(expected.caches.l1d) + "/" +
              std::to_string(expected.caches.l2) + "/" + std::to_string(expected.caches.l3) + ")";
        return false;
    }
    if (variants != expected.variants) {
        why = "written by another build (kernel variants " + variants + ", this build has " + expected.variants + ")";
        return false;
    }
    if (threads != expected.threads) {
        why = "tuned for " + std::to_string(threads) + " threads, this process's default is " +
              std::to_string(expected.threads) + " (OMP_NUM_THREADS)";
        return false;
    }
    entries = std::move(found);
    return true;
}

std::string write_wisdom(const std::string &path, const WisdomKey &key, const std::vector<WisdomEntry> &entries,
                         double budget_seconds) {
    std::string target = path;
    if (target.empty()) {
        const std::string dir = user_wisdom_dir();
        if (dir.empty()) fail(HPCFFI_ERR_INVALID_ARGUMENT, "no per-user cache (neither XDG_CACHE_HOME nor HOME set)");
        make_directories(dir);
        target = dir + "/" + wisdom_file_name(key);
    } else if (is_directory(target)) {
        target += "/" + wisdom_file_name(key);
    }
    const std::string temporary = target + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << format_wisdom(key, entries, budget_seconds);
        out.close();
        if (!out) {
            std::remove(temporary.c_str());
            fail(HPCFFI_ERR_INVALID_ARGUMENT, "cannot write " + temporary + ": " + std::strerror(errno));
        }
    }
    if (std::rename(temporary.c_str(), target.c_str()) != 0) {
        const int error = errno;
        std::remove(temporary.c_str());
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "cannot write " + target + ": " + std::strerror(error));
    }
    return target;
}

bool load_wisdom(const std::string &path) {
    std::lock_guard<std::mutex> lock(state_mutex);
    if (path.empty()) {
        default_search();
    } else {
        state.searched = true;
        try_file(path);
    }
    return state.entries != nullptr;
}

void use_wisdom(const std::string &path, std::vector<WisdomEntry> entries) {
    std::lock_guard<std::mutex> lock(state_mutex);
    state.searched = true;
    state.path = path;
    state.note.clear();
    state.entries = std::make_shared<const std::vector<WisdomEntry>>(std::move(entries));
}

WisdomStatus wisdom_status() {
    std::lock_guard<std::mutex> lock(state_mutex);
    if (!state.searched) default_search();
    WisdomStatus status;
    status.in_use = state.entries != nullptr;
    status.note = state.note;
    if (status.in_use) {
        status.path = state.path;
    } else {
        const std::string dir = user_wisdom_dir();
        status.path = dir.empty() ? "" : dir + "/" + wisdom_file_name(this_machine_key(hpcffi::default_kernel_threads()));
    }
    return status;
}

Choice choose(int64_t nx, int64_t ny, int64_t nsteps, int threads) {
    // The environment first: kernels() validates HPCFFI_ISA (throws on a bad one).
    Choice choice{&kernels(), path_from_environment(), setting_from_environment("HPCFFI_HEAT_BLOCK_DEPTH", 2, 64),
                  setting_from_environment("HPCFFI_HEAT_STRIP_WIDTH", 1, 65536), false};
    std::shared_ptr<const std::vector<WisdomEntry>> entries;
    {
        std::lock_guard<std::mutex> lock(state_mutex);
        if (!state.searched) default_search();
        entries = state.entries;
    }
    const WisdomEntry *e = entries && nsteps >= 2 ? lookup(*entries, nx, ny, threads) : nullptr;
    if (e != nullptr) {
        choice.from_wisdom = true;
        const char *isa = std::getenv("HPCFFI_ISA");
        if (isa == nullptr || isa[0] == '\0' || std::strcmp(isa, "auto") == 0)
            if (const KernelTable *table = kernel_table_named(e->isa.c_str())) choice.kernels = table;
        if (choice.path == KernelPath::automatic) choice.path = e->path;
        if (choice.path == KernelPath::blocked && e->path == KernelPath::blocked) {
            if (choice.depth == 0) choice.depth = e->depth;
            if (choice.strip == 0) choice.strip = e->strip;
        }
    }
    if (choice.path == KernelPath::automatic) choice.path = choose_path(nx, ny, nsteps, threads);
    return choice;
}

}  // namespace hpcffi::heat
