// heat_bench.cpp -- the C++ half of bench/run.sh: memory bandwidth, the heat
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
#include <gmp.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <hpcffi/hpcffi.h>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace {

// ---- small utilities ---------------------------------------------------------

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

std::string loadavg() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

struct FreeDeleter {
    void operator()(double *p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<double, FreeDeleter>;

Buffer allocate(size_t n) {
    const size_t bytes = (n * sizeof(double) + 4095) / 4096 * 4096;
    auto *p = static_cast<double *>(std::aligned_alloc(4096, bytes));
    if (p == nullptr) {
        std::fprintf(stderr, "heat_bench: out of memory (%zu bytes)\n", bytes);
        std::exit(1);
    }
    return Buffer(p);
}

void check(int status, const char *what) {
    if (status != HPCFFI_OK) {
        std::fprintf(stderr, "heat_bench: %s failed: %s\n", what, hpcffi_last_error());
        std::exit(1);
    }
}

std::vector<long> parse_list(const std::string &text) {
    std::vector<long> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(std::stol(item));
    return out;
}

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

// ---- 1. bandwidth: STREAM-style copy, triad and fill -------------------------
//
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

// ---- 2. the heat kernels --------------------------------------------------------

constexpr double heat_a = 0.5, heat_dx2 = 0.0001, heat_dy2 = 0.0001;  // the lesson's dx = dy = 0.01

// The lesson's C kernel, as the course wrote it but with the row index fixed
// (the lesson used nx as the row stride): a division per term inside the
// loop, then a memcpy of the whole field every step. Serial.
void lesson_evolve(double *u, double *u_previous, int nx, int ny, double a, double dt, double dx2, double dy2) {
    for (int i = 1; i < nx - 1; i++) {
        for (int j = 1; j < ny - 1; j++) {
            int ij = i * ny + j;
            int ip = (i + 1) * ny + j;
            int im = (i - 1) * ny + j;
            int jp = i * ny + j + 1;
            int jm = i * ny + j - 1;
            u[ij] = u_previous[ij] +
                    a * dt *
                        ((u_previous[ip] - 2 * u_previous[ij] + u_previous[im]) / dx2 +
                         (u_previous[jp] - 2 * u_previous[ij] + u_previous[jm]) / dy2);
        }
    }
    memcpy(u_previous, u, nx * ny * sizeof(double));
}

// A plain C++ OpenMP loop, the way a user would write it (the baseline
// column "plain C++ OpenMP loop" of the performance issue): the lesson's
// expression with its divisions, one `omp parallel for` per step, buffers
// swapped instead of copied. Returns the buffer holding the result.
double *openmp_loop_evolve(double *u, double *u_previous, int64_t nx, int64_t ny, double a, double dt, double dx2,
                           double dy2, int64_t steps, int threads) {
    for (int64_t step = 0; step < steps; ++step) {
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t i = 1; i < nx - 1; ++i)
            for (int64_t j = 1; j < ny - 1; ++j) {
                const int64_t ij = i * ny + j;
                u[ij] = u_previous[ij] + a * dt *
                                             ((u_previous[ij + ny] - 2 * u_previous[ij] + u_previous[ij - ny]) / dx2 +
                                              (u_previous[ij + 1] - 2 * u_previous[ij] + u_previous[ij - 1]) / dy2);
            }
        std::swap(u, u_previous);
    }
    return u_previous;
}

// The lesson's initial condition flavour: a hot disc in a cold field, with
// hot boundaries on two sides (any values do for timing; these keep the
// check against the lesson kernel meaningful).
void initial_field(double *u, int64_t nx, int64_t ny) {
    for (int64_t i = 0; i < nx; ++i)
        for (int64_t j = 0; j < ny; ++j) {
            const double x = (i - nx / 2.0) / nx, y = (j - ny / 2.0) / ny;
            double v = x * x + y * y < 0.09 ? 65.0 : 5.0;
            if (i == 0 || j == 0) v = 85.0;
            u[i * ny + j] = v;
        }
}

struct HeatConfig {
    std::string name;  // plain, streaming, blocked, auto, blocked-d<N>, single_step_api, lesson, openmp_loop
    int threads;
    int64_t steps = 0;
    std::vector<double> seconds;
    HeatConfig(std::string name_, int threads_) : name(std::move(name_)), threads(threads_) {}
};

struct HeatSize {
    int64_t nx, ny;
    Buffer initial, field, scratch;
};

// "blocked-d<depth>" and "blocked-d<depth>-w<strip>" are tuning variants.
void set_path(const std::string &name) {
    unsetenv("HPCFFI_HEAT_STRIP_WIDTH");
    if (name.rfind("blocked-d", 0) == 0) {
        setenv("HPCFFI_HEAT_KERNEL", "blocked", 1);
        const size_t w = name.find("-w");
        setenv("HPCFFI_HEAT_BLOCK_DEPTH", name.substr(9, w == std::string::npos ? std::string::npos : w - 9).c_str(), 1);
        if (w != std::string::npos) setenv("HPCFFI_HEAT_STRIP_WIDTH", name.substr(w + 2).c_str(), 1);
    } else {
        unsetenv("HPCFFI_HEAT_BLOCK_DEPTH");
        if (name == "auto")
            unsetenv("HPCFFI_HEAT_KERNEL");
        else
            setenv("HPCFFI_HEAT_KERNEL", name.c_str(), 1);
    }
}

// Runs `steps` steps of configuration cfg from the initial field; returns seconds.
double run_heat(HeatSize &s, const HeatConfig &cfg, int64_t steps, double dt) {
    const size_t bytes = static_cast<size_t>(s.nx * s.ny) * sizeof(double);
    std::memcpy(s.field.get(), s.initial.get(), bytes);
    check(hpcffi_set_num_threads(cfg.threads), "hpcffi_set_num_threads");
    if (cfg.name == "lesson") {
        std::memcpy(s.scratch.get(), s.initial.get(), bytes);
        const double t0 = now();
        for (int64_t k = 0; k < steps; ++k)
            lesson_evolve(s.field.get(), s.scratch.get(), static_cast<int>(s.nx), static_cast<int>(s.ny), heat_a, dt,
                          heat_dx2, heat_dy2);
        return now() - t0;
    }
    if (cfg.name == "openmp_loop") {
        std::memcpy(s.scratch.get(), s.initial.get(), bytes);
        const double t0 = now();
        const double *result = openmp_loop_evolve(s.scratch.get(), s.field.get(), s.nx, s.ny, heat_a, dt, heat_dx2,
                                                  heat_dy2, steps, cfg.threads);
        const double seconds = now() - t0;
        if (result != s.field.get()) std::memcpy(s.field.get(), result, bytes);
        return seconds;
    }
    if (cfg.name == "single_step_api") {
        std::memcpy(s.scratch.get(), s.initial.get(), bytes);
        const double t0 = now();
        for (int64_t k = 0; k < steps; ++k)
            check(hpcffi_heat_evolve(s.field.get(), s.scratch.get(), s.nx, s.ny, heat_a, dt, heat_dx2, heat_dy2),
                  "hpcffi_heat_evolve");
        return now() - t0;
    }
    set_path(cfg.name);
    const double t0 = now();
    check(hpcffi_heat_evolve_steps(s.field.get(), s.scratch.get(), s.nx, s.ny, heat_a, dt, heat_dx2, heat_dy2, steps),
          "hpcffi_heat_evolve_steps");
    return now() - t0;
}

void bench_heat(const Options &opt, Json &json) {
    double dt = 0.0;
    check(hpcffi_heat_max_stable_dt(heat_a, heat_dx2, heat_dy2, &dt), "hpcffi_heat_max_stable_dt");
    json.open("heat", '[');
    for (long n : opt.sizes) {
        HeatSize s{n, n, allocate(n * n), allocate(n * n), allocate(n * n)};
        initial_field(s.initial.get(), n, n);
        std::memcpy(s.scratch.get(), s.initial.get(), n * n * sizeof(double));  // first touch
        const double points = static_cast<double>((n - 2) * (n - 2));

        std::vector<HeatConfig> configs;
        for (long t : opt.threads) {
            const int threads = static_cast<int>(t);
            for (const char *path : {"plain", "streaming", "blocked", "auto"}) configs.push_back({path, threads});
            for (long d : opt.depths) {
                if (opt.strips.empty()) configs.push_back({"blocked-d" + std::to_string(d), threads});
                for (long w : opt.strips)
                    configs.push_back({"blocked-d" + std::to_string(d) + "-w" + std::to_string(w), threads});
            }
            if (opt.baselines) {
                configs.push_back({"single_step_api", threads});
                configs.push_back({"openmp_loop", threads});
            }
        }
        if (opt.baselines) configs.push_back({"lesson", 1});

        // Correctness first: every hpcffi path gives the plain path's bits;
        // the lesson kernel and the OpenMP loop (divisions) agree to rounding.
        const int64_t check_steps = 13;
        std::vector<double> reference(static_cast<size_t>(n * n));
        bool identical = true, have_reference = false;
        double divisions_max_rel = 0.0;  // the kernels with divisions
        // plain comes first in configs at every thread count: the first one
        // (1 thread unless --threads says otherwise) is the reference.
        for (auto &cfg : configs) {
            run_heat(s, cfg, check_steps, dt);
            if (cfg.name == "plain" && !have_reference) {
                have_reference = true;
                std::memcpy(reference.data(), s.field.get(), reference.size() * 8);
            } else if (cfg.name == "lesson" || cfg.name == "openmp_loop") {
                for (size_t k = 0; k < reference.size(); ++k)
                    divisions_max_rel = std::max(divisions_max_rel,
                                                 std::abs(s.field.get()[k] - reference[k]) / std::abs(reference[k]));
            } else if (std::memcmp(reference.data(), s.field.get(), reference.size() * 8) != 0) {
                identical = false;
                std::fprintf(stderr, "heat_bench: %s %d threads differs from plain at %ldx%ld\n", cfg.name.c_str(),
                             cfg.threads, n, n);
            }
        }

        // Calibrate: steps for about opt.seconds per measurement; multi-step
        // runs use a multiple of two full passes at the default blocking depth
        // (blocked runs split their steps into an even number of passes:
        // fewer steps would time shallower passes than a long run makes).
        int default_depth = 0, default_strip = 0;
        check(hpcffi_heat_blocking(n, n, &default_depth, &default_strip), "hpcffi_heat_blocking");
        const int64_t step_multiple = std::max<int64_t>(16, 2 * default_depth);
        for (auto &cfg : configs) {
            const bool multi = cfg.name != "lesson" && cfg.name != "single_step_api" && cfg.name != "openmp_loop";
            int64_t steps = multi ? step_multiple : 1;
            double t = run_heat(s, cfg, steps, dt);
            while (t < opt.seconds / 4) {
                steps *= 2;
                t = run_heat(s, cfg, steps, dt);
            }
            int64_t want = std::max<int64_t>(1, static_cast<int64_t>(steps * opt.seconds / t));
            if (multi) want = std::max<int64_t>(step_multiple, (want + step_multiple - 1) / step_multiple * step_multiple);
            cfg.steps = want;
        }
        const std::string load_before = loadavg();
        for (int r = 0; r < opt.rounds; ++r)
            for (auto &cfg : configs) cfg.seconds.push_back(run_heat(s, cfg, cfg.steps, dt));
        for (auto &cfg : configs) {
            const double t = median(cfg.seconds);
            json.open();
            json.field("nx", n);
            json.field("ny", n);
            json.field("kernel", cfg.name);
            json.field("threads", static_cast<long>(cfg.threads));
            json.field("steps", static_cast<long>(cfg.steps));
            json.field("seconds", t);
            json.field("mpts", points * cfg.steps / t / 1e6);
            json.field("mpts_min", points * cfg.steps / *std::max_element(cfg.seconds.begin(), cfg.seconds.end()) / 1e6);
            json.field("mpts_max", points * cfg.steps / *std::min_element(cfg.seconds.begin(), cfg.seconds.end()) / 1e6);
            json.field("rounds", static_cast<long>(cfg.seconds.size()));
            json.field("default_depth", static_cast<long>(default_depth));
            json.field("default_strip", static_cast<long>(default_strip));
            const bool divisions = cfg.name == "lesson" || cfg.name == "openmp_loop";
            json.field("identical_to_plain", divisions ? false : identical);
            if (divisions) json.field("max_rel_diff_to_plain", divisions_max_rel);
            json.field("load_before", load_before);
            json.field("load_after", loadavg());
            json.close();
        }
    }
    unsetenv("HPCFFI_HEAT_KERNEL");
    unsetenv("HPCFFI_HEAT_BLOCK_DEPTH");
    check(hpcffi_set_num_threads(0), "hpcffi_set_num_threads");
    json.close(']');
}

// ---- 3. Fibonacci ---------------------------------------------------------------

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

// ---- 4. the C++ side of the Python overhead comparison ----------------------------

void bench_overhead(const Options &opt, Json &json) {
    const int64_t n = 200, steps = 200;
    double dt = 0.0;
    check(hpcffi_heat_max_stable_dt(heat_a, heat_dx2, heat_dy2, &dt), "hpcffi_heat_max_stable_dt");
    HeatSize s{n, n, allocate(n * n), allocate(n * n), allocate(n * n)};
    initial_field(s.initial.get(), n, n);
    unsetenv("HPCFFI_HEAT_KERNEL");
    json.open("overhead", '[');
    for (int threads : {1, 2}) {
        std::vector<double> t_single, t_multi;
        const int reps = opt.quick ? 5 : 21;
        for (int r = 0; r < reps; ++r) {
            t_single.push_back(run_heat(s, {"single_step_api", threads}, steps, dt));
            t_multi.push_back(run_heat(s, {"auto", threads}, steps, dt));
        }
        json.open();
        json.field("threads", static_cast<long>(threads));
        json.field("nx", n);
        json.field("steps", static_cast<long>(steps));
        json.field("single_step_loop_seconds", median(t_single));
        json.field("evolve_steps_seconds", median(t_multi));
        json.close();
    }
    check(hpcffi_set_num_threads(0), "hpcffi_set_num_threads");
    json.close(']');
}

}  // namespace

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
