// fib.cpp -- the Fibonacci section: hpcffi's exact F(n) against GMP's
// mpz_fib_ui called directly (same digits), and the modular sequence fill.
#include <gmp.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <hpcffi/hpcffi.h>

#include "sections.hpp"

namespace heat_bench {

void bench_fib(const Options &opt, Json &json) {
    json.open("fib", '[');
    for (uint64_t n : {uint64_t{1000000}, uint64_t{10000000}}) {
        std::vector<double> t_hpcffi, t_gmp;
        size_t size = 0;
        check(hpcffi_fib_exact_size(n, &size), "hpcffi_fib_exact_size");
        std::vector<char> buffer(size), gmp_buffer(size + 2);
        size_t digits = 0;
        bool same = true;
        const int reps = opt.quick ? 2 : 5;
        for (int r = 0; r < reps; ++r) {  // interleaved
            double t0 = now();
            check(hpcffi_fib_exact(n, buffer.data(), size, &digits), "hpcffi_fib_exact");
            t_hpcffi.push_back(now() - t0);

            t0 = now();
            mpz_t f;
            mpz_init(f);
            mpz_fib_ui(f, n);
            mpz_get_str(gmp_buffer.data(), 10, f);
            mpz_clear(f);
            t_gmp.push_back(now() - t0);
            same = same && std::strcmp(buffer.data(), gmp_buffer.data()) == 0;
        }
        json.open();
        json.field("kind", std::string("exact"));
        json.field("n", static_cast<long>(n));
        json.field("digits", static_cast<long>(digits));
        json.field("hpcffi_seconds", median(t_hpcffi));
        json.field("gmp_seconds", median(t_gmp));
        json.field("identical", same);
        json.close();
    }
    {
        const uint64_t count = opt.quick ? 20000000 : 100000000, m = 1000000007;
        std::vector<uint64_t> out(count);
        std::vector<double> t1, t2;
        const int reps = opt.quick ? 2 : 5;
        for (int r = 0; r < reps; ++r)
            for (int threads : {1, 2}) {
                check(hpcffi_set_num_threads(threads), "hpcffi_set_num_threads");
                const double t0 = now();
                check(hpcffi_fib_sequence_mod(0, count, m, out.data()), "hpcffi_fib_sequence_mod");
                (threads == 1 ? t1 : t2).push_back(now() - t0);
            }
        check(hpcffi_set_num_threads(0), "hpcffi_set_num_threads");
        for (int threads : {1, 2}) {
            const double t = median(threads == 1 ? t1 : t2);
            json.open();
            json.field("kind", std::string("mod_fill"));
            json.field("count", static_cast<long>(count));
            json.field("threads", static_cast<long>(threads));
            json.field("seconds", t);
            json.field("gbs", 8.0 * count / t / 1e9);
            json.close();
        }
    }
    json.close(']');
}

}  // namespace heat_bench
