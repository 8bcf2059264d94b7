// heat_tuner.cpp -- times the heat kernels' configurations on this machine
// and returns the fastest per field size and thread count (the wisdom, see
// heat_wisdom.hpp). Compiled once: it calls the variants through their
// KernelTables, as evolve_steps does.
//
// For each size (ascending) and thread count (1, then the library's), with
// an equal share of the budget left:
//   A. screen each ISA variant (best three) on the plain path and on the
//      blocked path with its default blocking: short runs;
//   B. screen a grid of blocking depth x strip width on the best blocked
//      variant, nearest to the rule's blocking first, until its share of
//      the budget is spent;
//   C. time the finalists (the rule's choice, the best plain, the two best
//      blocked) in interleaved rounds after a warm-up round: the sustained
//      rate, median of the rounds, decides. On the AMD EPYC host of issue 20
//      a 0.2 s burst ranked plain above blocked and 2 s rounds the other way
//      round, so the screening only picks finalists and never decides.
// A size whose single shortest run would not fit its share keeps the rule's
// choice (marked untimed), so a tiny budget finishes and still writes a
// complete, valid file. The field stays in [1, 2] (no denormals, whose slow
// arithmetic would distort later timings), so runs need no reset.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "heat_wisdom.hpp"

namespace hpcffi::heat {

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Candidate {
    const KernelTable *kernels;
    KernelPath path;
    int depth, strip;  // blocked: explicit values (resolved before timing)
    double screened = 0;  // Mpts/s from the screening run
};

bool same(const Candidate &a, const Candidate &b) {
    return a.kernels == b.kernels && a.path == b.path && (a.path != KernelPath::blocked ||
                                                         (a.depth == b.depth && a.strip == b.strip));
}

class Problem {
public:
    Problem(int64_t n, int threads) : n_(n), threads_(threads), field_(new double[n * n]), scratch_(new double[n * n]) {
        // First touch with the kernels' static row schedule; values in [1, 2].
        double *f = field_.get();
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                f[i * n + j] = (i == 0 || j == 0 || i == n - 1 || j == n - 1) ? 1.0 : 1.0 + ((i * 7 + j * 13) % 17) / 17.0;
        const double dx2 = 1e-4, dy2 = 1e-4, a = 0.5;
        c_ = make_coefficients(a, 0.99 * dx2 * dy2 / (2 * a * (dx2 + dy2)), dx2, dy2);
    }
    double points_per_step() const { return static_cast<double>(n_ - 2) * static_cast<double>(n_ - 2); }
    // The fewest steps that exercise the candidate as a long run would: two passes when blocked.
    int64_t min_steps(const Candidate &k) const { return k.path == KernelPath::blocked ? 2 * k.depth : 4; }
    double run(const Candidate &k, int64_t steps) {
        const double t0 = now();
        k.kernels->evolve_steps_with(k.path, field_.get(), scratch_.get(), n_, n_, c_, steps, threads_, k.depth,
                                     k.strip);
        return std::max(now() - t0, 1e-9);
    }
    // Steps for a run of about `seconds` at `mpts` Mpts/s, a whole number of min_steps.
    int64_t steps_for(const Candidate &k, double seconds, double mpts) const {
        const int64_t unit = min_steps(k);
        const double want = seconds * mpts * 1e6 / points_per_step();
        return std::max<int64_t>(unit, static_cast<int64_t>(want / unit) * unit);
    }
    // A short run after a shortest one (the warm-up): Mpts/s.
    double screen(const Candidate &k, double seconds) {
        const int64_t first = min_steps(k);
        const double t = run(k, first);
        const double rate = points_per_step() * first / t / 1e6;
        if (t >= seconds) return rate;
        const int64_t steps = steps_for(k, seconds, rate);
        return points_per_step() * steps / run(k, steps) / 1e6;
    }

private:
    int64_t n_;
    int threads_;
    std::unique_ptr<double[]> field_, scratch_;
    Coefficients c_;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// The rule's choice (what auto runs without wisdom), with explicit blocking.
Candidate rule_choice(int64_t n, int threads, const KernelTable *best) {
    Candidate k{best, choose_path(n, n, 1000, threads), 0, 0};
    if (k.path != KernelPath::blocked) k.path = KernelPath::plain;  // streaming is for single steps
    if (k.path == KernelPath::blocked) {
        const Blocking b = effective_blocking(n, n, threads, 0, 0);
        k.depth = b.depth;
        k.strip = b.strip;
    }
    return k;
}

Candidate blocked(const KernelTable *kernels, int64_t n, int threads, int depth, int strip) {
    const Blocking b = effective_blocking(n, n, threads, depth, strip);
    return {kernels, KernelPath::blocked, b.depth, b.strip};
}

WisdomEntry entry_of(int64_t n, int threads, const Candidate &k, double mpts, bool timed) {
    WisdomEntry e;
    e.n = n;
    e.threads = threads;
    e.path = k.path;
    e.isa = k.kernels->name;
    e.depth = k.path == KernelPath::blocked ? k.depth : 0;
    e.strip = k.path == KernelPath::blocked ? k.strip : 0;
    e.mpts = mpts;
    e.timed = timed;
    return e;
}

std::vector<int64_t> default_sizes() {
    // One size per regime: in L2, a few L2s, beyond the L2s, L3 or memory.
    std::vector<int64_t> sizes = {256, 1024, 2048, 4096, 8192};
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const double memory = pages > 0 && page > 0 ? static_cast<double>(pages) * page : 8e9;
    sizes.erase(std::remove_if(sizes.begin(), sizes.end(), [&](int64_t n) { return 16.0 * n * n > memory / 4; }),
                sizes.end());
    return sizes;
}

}  // namespace

std::vector<WisdomEntry> tune(double budget_seconds, std::vector<int64_t> sizes, int threads, FILE *log) {
    if (sizes.empty()) sizes = default_sizes();
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    std::vector<int> thread_counts = {1};
    if (threads > 1) thread_counts.push_back(threads);

    // The ISA variants worth timing: the best three that run here (baseline
    // only when nothing better is built).
    int available = 0;
    const char *const *names = available_variant_names(&available);
    std::vector<const KernelTable *> tables;
    for (int i = 0; i < available && tables.size() < 3; ++i)
        if (tables.empty() || std::string(names[i]) != "baseline") tables.push_back(kernel_table_named(names[i]));
    const KernelTable *best = tables.at(0);

    const double started = now(), deadline = started + budget_seconds;
    std::vector<WisdomEntry> entries;
    std::vector<double> last_rate(thread_counts.size(), 0.0);  // per thread count, from smaller sizes
    size_t left = sizes.size() * thread_counts.size();
    for (int64_t n : sizes) {
        for (size_t ti = 0; ti < thread_counts.size(); ++ti, --left) {
            const int t = thread_counts[ti];
            const Candidate rule = rule_choice(n, t, best);
            const double share = (deadline - now()) / static_cast<double>(left);
            // The shortest run of the rule's choice, at the rate of the last
            // size (or a slow guess), plus allocating the fields.
            const double guess = last_rate[ti] > 0 ? last_rate[ti] / 2 : 200.0 * t;
            const double shortest = static_cast<double>(n) * n * (rule.depth > 0 ? 2 * rule.depth : 4) / (guess * 1e6) +
                                    16.0 * n * n / 2e9;
            if (share < 4 * shortest) {
                entries.push_back(entry_of(n, t, rule, 0, false));
                if (log) std::fprintf(log, "tune %lldx%lld, %d thread(s): budget spent, keeping the rule's choice\n",
                                      static_cast<long long>(n), static_cast<long long>(n), t);
                continue;
            }
            const double combo_start = now(), combo_end = combo_start + share;
            Problem problem(n, t);

            // A. ISA variants on both paths.
            std::vector<Candidate> stage_a;
            for (const KernelTable *k : tables) {
                stage_a.push_back({k, KernelPath::plain, 0, 0});
                stage_a.push_back(blocked(k, n, t, 0, 0));
            }
            const double a_seconds = 0.1 * share / static_cast<double>(stage_a.size());
            Candidate best_plain{}, best_blocked{};
            for (Candidate &k : stage_a) {
                // Large fields: stop once a fifth of the share is gone and both paths have a candidate.
                if (now() > combo_start + 0.2 * share && best_plain.kernels && best_blocked.kernels) break;
                k.screened = problem.screen(k, a_seconds);
                Candidate &slot = k.path == KernelPath::plain ? best_plain : best_blocked;
                if (slot.kernels == nullptr || k.screened > slot.screened) slot = k;
            }

            // B. Blocking grid on the best blocked variant, nearest the rule's blocking first.
            const Blocking base = effective_blocking(n, n, t, 0, 0);
            std::vector<Candidate> grid;
            for (int depth : {2, 3, 4, 6, 8, 12, 16, 24, 32})
                for (int strip : {64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048}) {
                    if (strip > std::max<int64_t>(64, n)) continue;
                    Candidate k = blocked(best_blocked.kernels, n, t, depth, strip);
                    if (!same(k, best_blocked)) grid.push_back(k);
                }
            const auto distance = [&](const Candidate &k) {
                return std::fabs(std::log(static_cast<double>(k.depth) / base.depth)) +
                       std::fabs(std::log(static_cast<double>(k.strip) / base.strip));
            };
            std::stable_sort(grid.begin(), grid.end(),
                             [&](const Candidate &x, const Candidate &y) { return distance(x) < distance(y); });
            const double b_end = combo_start + 0.45 * share;  // the finals keep at least about half
            const double b_seconds = std::max(0.3 * share / static_cast<double>(grid.size()), 0.01);
            std::vector<Candidate> screened_blocked = {best_blocked};
            size_t tried = 0;
            for (Candidate &k : grid) {
                if (now() >= b_end) break;
                k.screened = problem.screen(k, b_seconds);
                screened_blocked.push_back(k);
                ++tried;
            }
            std::sort(screened_blocked.begin(), screened_blocked.end(),
                      [](const Candidate &x, const Candidate &y) { return x.screened > y.screened; });

            // C. Finalists, sustained: interleaved rounds after a warm-up round.
            std::vector<Candidate> finalists = {rule};
            for (const Candidate &k : {best_plain, screened_blocked[0],
                                       screened_blocked.size() > 1 ? screened_blocked[1] : screened_blocked[0]})
                if (std::none_of(finalists.begin(), finalists.end(), [&](const Candidate &f) { return same(f, k); }))
                    finalists.push_back(k);
            for (Candidate &f : finalists)  // the rule's choice was screened as one of stage A's (or the grid's)
                for (const Candidate &k : stage_a)
                    if (same(f, k) && f.screened == 0) f.screened = k.screened;
            constexpr int rounds = 3;
            const double round_seconds =
                std::max(0.0, combo_end - now()) / static_cast<double>(finalists.size() * (rounds + 1));
            std::vector<int64_t> steps;
            for (const Candidate &f : finalists)
                steps.push_back(problem.steps_for(f, round_seconds, f.screened > 0 ? f.screened : guess));
            std::vector<std::vector<double>> rates(finalists.size());
            for (int r = 0; r <= rounds; ++r)
                for (size_t i = 0; i < finalists.size(); ++i) {
                    const double seconds = problem.run(finalists[i], steps[i]);
                    if (r > 0) rates[i].push_back(problem.points_per_step() * steps[i] / seconds / 1e6);
                }
            size_t winner = 0;
            for (size_t i = 1; i < finalists.size(); ++i)
                if (median(rates[i]) > median(rates[winner])) winner = i;
            const double rate = median(rates[winner]);
            last_rate[ti] = rate;
            entries.push_back(entry_of(n, t, finalists[winner], rate, true));
            if (log) {
                const Candidate &w = finalists[winner];
                std::fprintf(log,
                             "tune %lldx%lld, %d thread(s): %s %s depth %d strip %d, %.0f Mpts/s sustained "
                             "(rule's choice %.0f; %zu blocking candidates screened; rounds of %.2f s)\n",
                             static_cast<long long>(n), static_cast<long long>(n), t, path_name(w.path),
                             w.kernels->name, w.depth, w.strip, rate, median(rates[0]), tried, round_seconds);
                std::fflush(log);
            }
        }
    }
    return entries;
}

}  // namespace hpcffi::heat
