// main.cpp -- heat_bench, the C++ half of bench/run.sh: memory bandwidth, the heat
// kernels (every hpcffi path, the single-step API, the lesson's C kernel),
// Fibonacci (hpcffi vs GMP called directly) and the C++ side of the Python
// overhead comparison. Prints one JSON document on stdout; bench/run.py turns
// it into the table, the JSON file and the plot.
//
//   heat_bench [--quick] [--sizes 200,2000,4096,8192] [--rounds N]
//              [--seconds S] [--sections stream,heat,fib,overhead] [--threads 1,2]
//              [--tune --depths 4,8,16 --strips 128,256,512]   (blocking parameter sweep)
//
// Every measurement is repeated in `rounds` interleaved rounds (round r runs
// every configuration once before round r+1 starts), so a burst of load from
// other processes hits all configurations alike; the reports are medians.
// Mpts/s counts interior points updated per second.
//
// One file per section (sections.hpp); what they share is in support.hpp.
#include <gmp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <hpcffi/hpcffi.h>

#include "sections.hpp"

using namespace heat_bench;

int main(int argc, char **argv) {
    Options opt;
    for (int k = 1; k < argc; ++k) {
        const std::string arg = argv[k];
        auto value = [&]() -> std::string {
            if (k + 1 >= argc) {
                std::fprintf(stderr, "heat_bench: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++k];
        };
        if (arg == "--quick") {
            opt.quick = true;
            opt.rounds = 3;
            opt.seconds = 0.06;
            opt.sizes = {200, 2000, 4096};
        } else if (arg == "--sizes") {
            opt.sizes = parse_list(value());
        } else if (arg == "--rounds") {
            opt.rounds = std::stoi(value());
        } else if (arg == "--seconds") {
            opt.seconds = std::stod(value());
        } else if (arg == "--sections") {
            opt.sections = value();
        } else if (arg == "--depths") {
            opt.depths = parse_list(value());
        } else if (arg == "--strips") {
            opt.strips = parse_list(value());
        } else if (arg == "--threads") {
            opt.threads = parse_list(value());
        } else if (arg == "--tune") {  // only the hpcffi paths and the tuning variants
            opt.baselines = false;
        } else {
            std::fprintf(stderr, "usage: heat_bench [--quick] [--sizes a,b] [--rounds N] [--seconds S] "
                                 "[--sections stream,heat,fib,overhead] [--depths 4,8,16] [--strips 128,256] [--threads 1,2] [--tune]\n");
            return 2;
        }
    }
    Json json;
    json.open();
    json.field("hpcffi_version", std::string(hpcffi_version_string()));
    json.field("gmp_version", std::string(gmp_version));
    json.field("load_start", loadavg());
    const char *isa = nullptr;
    check(hpcffi_isa(&isa), "hpcffi_isa");
    json.field("isa", std::string(isa));
    int64_t l1d = 0, l2 = 0, l3 = 0;
    check(hpcffi_cache_sizes(&l1d, &l2, &l3), "hpcffi_cache_sizes");
    json.field("l1d_bytes", static_cast<long>(l1d));
    json.field("l2_bytes", static_cast<long>(l2));
    json.field("l3_bytes", static_cast<long>(l3));
    if (opt.has("stream")) bench_stream(opt, json);
    if (opt.has("heat")) bench_heat(opt, json);
    if (opt.has("fib")) bench_fib(opt, json);
    if (opt.has("overhead")) bench_overhead(opt, json);
    json.field("load_end", loadavg());
    json.close();
    std::printf("%s\n", json.str().c_str());
    return 0;
}
