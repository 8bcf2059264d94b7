// The tuner and its wisdom file: a tiny-budget tuning run finishes and writes
// a file the library accepts; auto gives the same bits with and without
// wisdom; a foreign, stale or damaged file is ignored with a note and changes
// nothing. (ctest runs this binary with HPCFFI_WISDOM=off, so the user's own
// cache never enters; these tests load their files explicitly.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hpcffi/hpcffi.h"

namespace {

std::string read_text(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_text(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// The file format's checksum (docs/performance.md): FNV-1a 64 of every byte
// before the "checksum " line, as 16 hex digits.
std::string checksum(const std::string &body) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : body) {
        h ^= ch;
        h *= 1099511628211ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

// The text with its entry lines replaced and a valid checksum.
std::string with_entries(const std::string &text, const std::vector<std::string> &entries) {
    std::istringstream lines(text);
    std::string line, body;
    while (std::getline(lines, line)) {
        if (line.rfind("entry ", 0) == 0 || line.rfind("checksum ", 0) == 0) continue;
        body += line + "\n";
    }
    for (const std::string &e : entries) body += e + "\n";
    return body + "checksum " + checksum(body) + "\n";
}

std::string replace_line(const std::string &text, const std::string &prefix, const std::string &replacement) {
    const auto at = text.find("\n" + prefix);
    EXPECT_NE(at, std::string::npos) << prefix;
    const auto end = text.find('\n', at + 1);
    std::string out = text.substr(0, at + 1) + replacement + text.substr(end);
    const auto mark = out.rfind("checksum ");
    return out.substr(0, mark) + "checksum " + checksum(out.substr(0, mark)) + "\n";
}

struct Info {
    int in_use = -1;
    std::string path, note;
};

Info wisdom_info() {
    Info info;
    char path[4096], note[4096];
    EXPECT_EQ(hpcffi_wisdom_info(&info.in_use, path, sizeof path, note, sizeof note), HPCFFI_OK)
        << hpcffi_last_error();
    info.path = path;
    info.note = note;
    return info;
}

struct Choice {
    std::string path, isa;
    int depth = -1, strip = -1, from_wisdom = -1;
};

Choice choice(int64_t nx, int64_t ny, int64_t nsteps) {
    Choice c;
    const char *path = nullptr, *isa = nullptr;
    EXPECT_EQ(hpcffi_heat_choice(nx, ny, nsteps, &path, &isa, &c.depth, &c.strip, &c.from_wisdom), HPCFFI_OK)
        << hpcffi_last_error();
    c.path = path;
    c.isa = isa;
    return c;
}

std::vector<double> evolve(int64_t nx, int64_t ny, int64_t nsteps) {
    std::mt19937_64 rng(20);
    std::uniform_real_distribution<double> value(-20.0, 80.0);
    std::vector<double> field(static_cast<size_t>(nx * ny));
    for (double &v : field) v = value(rng);
    double dt = 0;
    EXPECT_EQ(hpcffi_heat_max_stable_dt(0.5, 0.01, 0.04, &dt), HPCFFI_OK);
    EXPECT_EQ(hpcffi_heat_evolve_steps(field.data(), nullptr, nx, ny, 0.5, dt, 0.01, 0.04, nsteps), HPCFFI_OK)
        << hpcffi_last_error();
    return field;
}

class Wisdom : public ::testing::Test {
protected:
    void SetUp() override {
        char dir[] = "/tmp/hpcffi-wisdom-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        dir_ = dir;
        int threads = 0;
        ASSERT_EQ(hpcffi_get_num_threads(&threads), HPCFFI_OK);
        threads_ = threads;
        // A valid file for this machine from a tiny tuning run (also a test).
        char written[4096];
        const int64_t sizes[] = {48};
        ASSERT_EQ(hpcffi_tune(0.3, sizes, 1, dir_.c_str(), 0, written, sizeof written), HPCFFI_OK)
            << hpcffi_last_error();
        tuned_ = written;
        text_ = read_text(tuned_);
    }
    void TearDown() override {
        int accepted = -1;
        hpcffi_wisdom_load("/nonexistent/hpcffi-wisdom", &accepted);  // back to the rule for other tests
        std::string command = "rm -rf " + dir_;
        EXPECT_EQ(std::system(command.c_str()), 0);
    }
    // Loads text as a wisdom file; returns `accepted`.
    int load(const std::string &text, const std::string &name = "wisdom.txt") {
        const std::string path = dir_ + "/" + name;
        write_text(path, text);
        int accepted = -1;
        EXPECT_EQ(hpcffi_wisdom_load(path.c_str(), &accepted), HPCFFI_OK) << hpcffi_last_error();
        return accepted;
    }
    void use_rule() {
        int accepted = -1;
        ASSERT_EQ(hpcffi_wisdom_load((dir_ + "/absent.txt").c_str(), &accepted), HPCFFI_OK);
        ASSERT_EQ(accepted, 0);
    }
    // A second variant if there is one (the choice then visibly differs from the rule's).
    std::string other_isa() const {
        const char *best = nullptr;
        EXPECT_EQ(hpcffi_isa(&best), HPCFFI_OK);
        for (const char *name : {"avx2", "baseline", "avx512", "avx512_intel", "native", "generic"}) {
            int available = 0;
            EXPECT_EQ(hpcffi_isa_available(name, &available), HPCFFI_OK);
            if (available && std::strcmp(name, best) != 0) return name;
        }
        return best;
    }
    std::string dir_, tuned_, text_;
    int threads_ = 1;
};

TEST_F(Wisdom, TinyBudgetTuningWritesAValidFileInUse) {
    // The file is named after the machine's key and has an entry per thread count.
    EXPECT_NE(tuned_.find("/wisdom-"), std::string::npos) << tuned_;
    EXPECT_EQ(text_.rfind("hpcffi wisdom 1\n", 0), 0u) << text_;
    EXPECT_NE(text_.find("\nentry 48 1 "), std::string::npos) << text_;
    EXPECT_NE(text_.find("\nentry 48 " + std::to_string(threads_) + " "), std::string::npos) << text_;
    const Info info = wisdom_info();
    EXPECT_EQ(info.in_use, 1);
    EXPECT_EQ(info.path, tuned_);
    EXPECT_EQ(info.note, "");
    EXPECT_EQ(choice(48, 48, 100).from_wisdom, 1);
    int accepted = -1;
    ASSERT_EQ(hpcffi_wisdom_load(tuned_.c_str(), &accepted), HPCFFI_OK);
    EXPECT_EQ(accepted, 1) << wisdom_info().note;
    // The file is keyed by the default thread count, not by the current
    // setting: a harness that sets 1 thread before its first call keeps it.
    ASSERT_EQ(hpcffi_set_num_threads(1), HPCFFI_OK);
    accepted = -1;
    ASSERT_EQ(hpcffi_wisdom_load(tuned_.c_str(), &accepted), HPCFFI_OK);
    EXPECT_EQ(accepted, 1) << wisdom_info().note;
    EXPECT_EQ(choice(48, 48, 100).from_wisdom, 1);
    ASSERT_EQ(hpcffi_set_num_threads(0), HPCFFI_OK);
}

TEST_F(Wisdom, AutoGivesTheSameBitsWithAndWithoutWisdom) {
    use_rule();
    const Choice rule = choice(61, 53, 37);
    EXPECT_EQ(rule.from_wisdom, 0);
    const std::vector<double> without = evolve(61, 53, 37);
    // Wisdom that picks what the rule never would: an odd depth, a narrow
    // strip and another ISA variant; then the plain path.
    const std::string isa = other_isa();
    for (const std::string &how : {"blocked " + isa + " 3 64", "plain " + isa + " 0 0"}) {
        std::vector<std::string> entries;
        for (int t : {1, threads_}) entries.push_back("entry 60 " + std::to_string(t) + " " + how + " 1.0 1");
        ASSERT_EQ(load(with_entries(text_, entries)), 1) << wisdom_info().note;
        const Choice c = choice(61, 53, 37);
        EXPECT_EQ(c.from_wisdom, 1);
        EXPECT_EQ(c.isa, isa);
        EXPECT_EQ(c.path + " " + c.isa + " " + std::to_string(c.depth) + " " + std::to_string(c.strip), how);
        const std::vector<double> with = evolve(61, 53, 37);
        EXPECT_EQ(std::memcmp(with.data(), without.data(), with.size() * sizeof(double)), 0) << how;
        // Sizes far from every entry (a factor 4 in points) keep the rule.
        EXPECT_EQ(choice(400, 400, 37).from_wisdom, 0);
    }
}

TEST_F(Wisdom, ForeignStaleAndDamagedFilesAreIgnoredWithANote) {
    use_rule();
    const std::vector<double> rule = evolve(61, 53, 37);
    const std::string forcing = with_entries(text_, {"entry 60 1 blocked " + other_isa() + " 3 64 1.0 1",
                                                     "entry 60 " + std::to_string(threads_) + " blocked " +
                                                         other_isa() + " 3 64 1.0 1"});
    ASSERT_EQ(load(forcing), 1);  // the forcing file itself is accepted
    const std::string body = forcing.substr(0, forcing.rfind("checksum "));
    struct Case {
        std::string what, text, note;
    };
    const std::vector<Case> cases = {
        {"other CPU", replace_line(forcing, "cpu ", "cpu AMD EPYC 7R13 Processor (family 25 model 1)"), "another machine"},
        {"other caches", replace_line(forcing, "caches ", "caches 32768 524288 33554432"), "another machine"},
        {"other thread count", replace_line(forcing, "threads ", "threads 977"), "tuned for 977 threads"},
        {"older version", replace_line(forcing, "version ", "version 0.0.9"), "stale"},
        {"edited entry", body.substr(0, body.rfind(" 3 64 ")) + " 9 64 " + forcing.substr(body.rfind(" 3 64 ") + 6),
         "damaged"},
        {"truncated", forcing.substr(0, forcing.size() / 2), "damaged"},
        {"empty", "", "damaged"},
        {"binary junk", std::string("\x7f" "ELF\x02\x01\x01\0\0\0checksum zz\n", 22), "damaged"},
        {"unknown variant", with_entries(text_, {"entry 60 1 blocked avx1024 3 64 1.0 1"}), "another machine"},
        {"depth out of range", with_entries(text_, {"entry 60 1 blocked " + other_isa() + " 65 64 1.0 1"}), "damaged"},
    };
    for (const Case &c : cases) {
        ASSERT_EQ(load(forcing), 1);
        EXPECT_EQ(load(c.text, "case.txt"), 0) << c.what;
        const Info info = wisdom_info();
        EXPECT_EQ(info.in_use, 0) << c.what;
        EXPECT_NE(info.note.find(c.note), std::string::npos) << c.what << ": " << info.note;
        EXPECT_NE(info.note.find("case.txt"), std::string::npos) << info.note;
        EXPECT_EQ(choice(61, 53, 37).from_wisdom, 0) << c.what;
        const std::vector<double> field = evolve(61, 53, 37);
        EXPECT_EQ(std::memcmp(field.data(), rule.data(), field.size() * sizeof(double)), 0) << c.what;
    }
    // A missing file is no wisdom, with a note that says so.
    EXPECT_EQ(load(forcing), 1);
    int accepted = -1;
    ASSERT_EQ(hpcffi_wisdom_load((dir_ + "/missing.txt").c_str(), &accepted), HPCFFI_OK);
    EXPECT_EQ(accepted, 0);
    EXPECT_NE(wisdom_info().note.find("cannot read"), std::string::npos) << wisdom_info().note;
}

TEST_F(Wisdom, CallsCheckTheirArguments) {
    char small[16];
    int accepted = 0, in_use = 0;
    EXPECT_EQ(hpcffi_tune(0.0, nullptr, 0, dir_.c_str(), 0, nullptr, 0), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_tune(1.0, nullptr, 1, dir_.c_str(), 0, nullptr, 0), HPCFFI_ERR_NULL_POINTER);
    const int64_t bad[] = {2};
    EXPECT_EQ(hpcffi_tune(1.0, bad, 1, dir_.c_str(), 0, nullptr, 0), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_tune(1.0, nullptr, 0, dir_.c_str(), 0, small, sizeof small), HPCFFI_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(hpcffi_tune(0.2, nullptr, 0, "/proc/hpcffi-no/such/dir/w.txt", 0, nullptr, 0) == HPCFFI_OK, false);
    EXPECT_EQ(hpcffi_wisdom_load(nullptr, nullptr), HPCFFI_ERR_NULL_POINTER);
    (void)accepted;
    EXPECT_EQ(hpcffi_wisdom_info(&in_use, small, sizeof small, small, sizeof small), HPCFFI_ERR_BUFFER_TOO_SMALL);
    const char *p = nullptr, *isa = nullptr;
    int d = 0, s = 0, w = 0;
    EXPECT_EQ(hpcffi_heat_choice(2, 10, 5, &p, &isa, &d, &s, &w), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_heat_choice(10, 10, -1, &p, &isa, &d, &s, &w), HPCFFI_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(hpcffi_heat_choice(10, 10, 5, nullptr, &isa, &d, &s, &w), HPCFFI_ERR_NULL_POINTER);
}

}  // namespace
