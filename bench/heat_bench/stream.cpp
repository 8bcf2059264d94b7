// stream.cpp -- STREAM-style memory bandwidth (copy, triad, fill), with
// normal and non-temporal stores, on 1 and 2 threads.
#include <omp.h>

#include <cstdint>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "sections.hpp"

namespace heat_bench {
namespace {

// "Traffic" counts what crosses the memory bus: a normal store to a line not
// in cache first reads it (write-allocate), a non-temporal store does not.
//   copy   c[i] = a[i]           normal 24 B/elem, NT 16 B/elem (STREAM counts 16)
//   triad  a[i] = b[i] + s*c[i]  normal 32 B/elem, NT 24 B/elem (STREAM counts 24)
//   fill   a[i] = s              normal 16 B/elem, NT  8 B/elem (STREAM counts 8)

#if defined(__AVX512F__)
constexpr int64_t vec_width = 8;
#define BENCH_VEC __m512d
#define BENCH_LOAD _mm512_load_pd
#define BENCH_STREAM _mm512_stream_pd
#define BENCH_SET1 _mm512_set1_pd
#define BENCH_ADD _mm512_add_pd
#define BENCH_MUL _mm512_mul_pd
#elif defined(__AVX__)
constexpr int64_t vec_width = 4;
#define BENCH_VEC __m256d
#define BENCH_LOAD _mm256_load_pd
#define BENCH_STREAM _mm256_stream_pd
#define BENCH_SET1 _mm256_set1_pd
#define BENCH_ADD _mm256_add_pd
#define BENCH_MUL _mm256_mul_pd
#else
constexpr int64_t vec_width = 2;
#define BENCH_VEC __m128d
#define BENCH_LOAD _mm_load_pd
#define BENCH_STREAM _mm_stream_pd
#define BENCH_SET1 _mm_set1_pd
#define BENCH_ADD _mm_add_pd
#define BENCH_MUL _mm_mul_pd
#endif

enum class StreamKernel { copy, triad, fill };

// Each thread works on its own aligned chunk (the same chunks that first
// touched the arrays).
void stream_kernel(StreamKernel kind, bool nt, double *a, double *b, double *c, int64_t n, int threads) {
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), team = omp_get_num_threads();
        const int64_t chunk = (n / team) / vec_width * vec_width;
        const int64_t begin = t * chunk, end = t == team - 1 ? n : begin + chunk;
        const double s = 3.0;
        if (!nt) {
            switch (kind) {
                case StreamKernel::copy:
#pragma omp simd
                    for (int64_t i = begin; i < end; ++i) c[i] = a[i];
                    break;
                case StreamKernel::triad:
#pragma omp simd
                    for (int64_t i = begin; i < end; ++i) a[i] = b[i] + s * c[i];
                    break;
                case StreamKernel::fill:
#pragma omp simd
                    for (int64_t i = begin; i < end; ++i) a[i] = s;
                    break;
            }
        } else {
            const BENCH_VEC vs = BENCH_SET1(s);
            int64_t i = begin;
            for (; i + vec_width <= end; i += vec_width) {
                switch (kind) {
                    case StreamKernel::copy: BENCH_STREAM(c + i, BENCH_LOAD(a + i)); break;
                    case StreamKernel::triad:
                        BENCH_STREAM(a + i, BENCH_ADD(BENCH_LOAD(b + i), BENCH_MUL(vs, BENCH_LOAD(c + i))));
                        break;
                    case StreamKernel::fill: BENCH_STREAM(a + i, vs); break;
                }
            }
            for (; i < end; ++i) {
                if (kind == StreamKernel::copy) c[i] = a[i];
                if (kind == StreamKernel::triad) a[i] = b[i] + s * c[i];
                if (kind == StreamKernel::fill) a[i] = s;
            }
            _mm_sfence();
        }
    }
}


}  // namespace

void bench_stream(const Options &opt, Json &json) {
    const int64_t n = opt.quick ? (int64_t{1} << 24) : (int64_t{1} << 25);  // 128 / 256 MiB per array
    Buffer a = allocate(n), b = allocate(n), c = allocate(n);
    double *pa = a.get(), *pb = b.get(), *pc = c.get();
#pragma omp parallel for schedule(static) num_threads(2)
    for (int64_t i = 0; i < n; ++i) pa[i] = 1.0, pb[i] = 2.0, pc[i] = 0.5;

    struct Config {
        const char *name;
        StreamKernel kind;
        bool nt;
        int threads;
        double traffic_bytes, stream_bytes;  // per element
        std::vector<double> seconds;
    };
    std::vector<Config> configs;
    for (int threads : {1, 2})
        for (bool nt : {false, true}) {
            configs.push_back({"copy", StreamKernel::copy, nt, threads, nt ? 16.0 : 24.0, 16.0, {}});
            configs.push_back({"triad", StreamKernel::triad, nt, threads, nt ? 24.0 : 32.0, 24.0, {}});
            configs.push_back({"fill", StreamKernel::fill, nt, threads, nt ? 8.0 : 16.0, 8.0, {}});
        }
    const int reps = opt.quick ? 3 : 7;
    for (auto &cfg : configs) stream_kernel(cfg.kind, cfg.nt, pa, pb, pc, n, cfg.threads);  // warm-up
    for (int r = 0; r < reps; ++r)
        for (auto &cfg : configs) {
            const double t0 = now();
            stream_kernel(cfg.kind, cfg.nt, pa, pb, pc, n, cfg.threads);
            cfg.seconds.push_back(now() - t0);
        }
    json.open("stream", '[');
    for (auto &cfg : configs) {
        const double t = median(cfg.seconds);
        json.open();
        json.field("kernel", std::string(cfg.name));
        json.field("nt", cfg.nt);
        json.field("threads", static_cast<long>(cfg.threads));
        json.field("array_mib", static_cast<double>(n * 8) / (1 << 20));
        json.field("seconds", t);
        json.field("traffic_gbs", cfg.traffic_bytes * n / t / 1e9);
        json.field("stream_gbs", cfg.stream_bytes * n / t / 1e9);
        json.close();
    }
    json.close(']');
}

}  // namespace heat_bench
