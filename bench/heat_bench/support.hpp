// support.hpp -- what every section of heat_bench uses: the clock, medians,
// the load average, page-aligned buffers, the hpcffi status check, list
// options, the JSON writer and the command-line options.
#pragma once

#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace heat_bench {

double now();  // seconds on the steady clock
double median(std::vector<double> v);
std::string loadavg();  // the first three fields of /proc/loadavg

struct FreeDeleter {
    void operator()(double *p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<double, FreeDeleter>;

// n doubles on whole 4 KiB pages; exits with status 1 when out of memory.
Buffer allocate(size_t n);
// Exits with status 1 and hpcffi's message unless status is HPCFFI_OK.
void check(int status, const char *what);
std::vector<long> parse_list(const std::string &text);  // "1,2,3"

// Minimal JSON output: the harness writes objects field by field.
class Json {
public:
    void open(const char *key = nullptr, char bracket = '{') {
        comma();
        if (key) out_ << '"' << key << "\":";
        out_ << bracket;
        first_ = true;
    }
    void close(char bracket = '}') {
        out_ << bracket;
        first_ = false;
    }
    void field(const char *key, double v) {
        comma();
        if (std::isfinite(v))
            out_ << '"' << key << "\":" << v;
        else
            out_ << '"' << key << "\":null";
    }
    void field(const char *key, long v) {
        comma();
        out_ << '"' << key << "\":" << v;
    }
    void field(const char *key, const std::string &v) {
        comma();
        out_ << '"' << key << "\":\"" << v << '"';
    }
    void field(const char *key, bool v) {
        comma();
        out_ << '"' << key << "\":" << (v ? "true" : "false");
    }
    std::string str() const { return out_.str(); }
    Json() { out_.precision(6); }

private:
    void comma() {
        if (!first_) out_ << ',';
        first_ = false;
    }
    std::ostringstream out_;
    bool first_ = true;
};

// ---- options -----------------------------------------------------------------

struct Options {
    bool quick = false;
    std::vector<long> sizes{200, 2000, 4096, 8192};
    int rounds = 5;
    double seconds = 0.25;  // per measurement
    std::string sections = "stream,heat,fib,overhead";
    std::vector<long> depths;  // extra blocked depths to time (tuning)
    std::vector<long> strips;  // ... and strip widths
    std::vector<long> threads{1, 2};
    bool baselines = true;     // single-step API and lesson kernel
    bool has(const char *section) const { return sections.find(section) != std::string::npos; }
};

}  // namespace heat_bench
