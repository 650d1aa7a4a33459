// gdfast kernel A/B: two versions of the C++ kernels in one process, called in turn.
//
// The development VM shares its host: the same binary's timings move by 20-40% from one
// run to the next, so two builds timed one after the other (or even alternated process
// by process) cannot resolve a 5-10% change. Here both versions live in one binary --
// each header tree compiled in a translation unit of its own, inside an ISA namespace of
// its own (GDFAST_ISA), so their template instantiations do not collide -- and every
// round calls base, then head, on the same data. Both see the same host noise; the
// minima and medians over the rounds compare them (rounds alternate which side goes
// first). An A/A run (the same tree twice) measures the harness's own bias.
//
// Driven by benchmarks/kernel_ab.py, which builds this file three times:
//   -DGDFAST_AB_SIDE=base -I<base headers>   the base kernels  (ab_base_* functions)
//   -DGDFAST_AB_SIDE=head -I<head headers>   the head kernels  (ab_head_* functions)
//   (no GDFAST_AB_SIDE)                      main: data, rounds, the report
// The headers outside the ISA namespace (aligned, config, loss, params, penalty,
// status.hpp) are shared by both sides and must not differ (one definition rule): the
// driver checks that.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

/// One case: what to run and on what.
struct AbCase {
    int fit = 0;        ///< 0: one fused objective + gradient pass; 1: a fit
    int csr = 0;        ///< 0: dense rows; 1: CSR (50 stored values a row)
    int f32 = 0;        ///< float32 (else float64)
    std::int64_t n = 0, d = 0;
    int loss = 0;       ///< 0 squared, 1 hinge, 2 log
    std::int64_t batch = 256;  ///< fit: 1 per-sample, n full batch (L-BFGS)
    std::int64_t block = 16;   ///< fit: shuffle_block (0: storage order)
    int automatic = 1;  ///< fit: learning_rate "auto" (else "optimal")
    int epochs = 1;
    int threads = 1;
};

#define GDFAST_AB_CAT2(a, b) a##b
#define GDFAST_AB_CAT(a, b) GDFAST_AB_CAT2(a, b)

#ifdef GDFAST_AB_SIDE
// ------------------------------------------------------------------ one side's kernels
#define GDFAST_ISA GDFAST_AB_CAT(ab_, GDFAST_AB_SIDE)
#include "gdfast/c_api.hpp"

namespace {
using namespace gdfast;

Loss loss_of(int k) {
    Loss loss;
    loss.kind = k == 0 ? LossKind::squared : (k == 1 ? LossKind::hinge : LossKind::log);
    return loss;
}

template <class Rows, class T>
void run_case(const AbCase& c, const Rows& rows, const T* y, T* out) {
    if (c.fit == 0) {
        static PassWorkspace<T> ws;  // (kept across calls, as a solver keeps its own)
        std::vector<T> w(static_cast<std::size_t>(c.d), T(0.01));
        fused_pass<Rows, T>(rows, y, static_cast<const T*>(nullptr), w.data(), 1.0, 0.0, loss_of(c.loss),
                            out, static_cast<T*>(nullptr), ws, c.threads);
        return;
    }
    FitParams p;
    p.loss = loss_of(c.loss);
    p.penalty.alpha = 1e-4;
    p.max_iter = c.epochs;
    p.tol = -1.0;
    p.track_objective = false;
    p.batch_size = c.batch;
    p.shuffle = c.block > 0;
    p.shuffle_block = std::max<std::int64_t>(1, c.block);
    p.schedule = c.automatic ? Schedule::automatic : Schedule::optimal;
    p.seed = 7;
    std::vector<T> avg(static_cast<std::size_t>(c.d));
    double b = 0.0, avg_b = 0.0;
    std::int64_t k = 0;
    for (std::int64_t j = 0; j < c.d; ++j) out[j] = T(0);
    FitBuffers<T> buf{out, &b, avg.data(), &avg_b, &k};
    Poller poller(Interrupt{});
    FitReport rep;
    fit(rows, y, static_cast<const T*>(nullptr), buf, p, EpochObserver<T>{}, poller, c.threads, rep);
}
}  // namespace

extern "C" void GDFAST_AB_CAT(GDFAST_AB_CAT(ab_, GDFAST_AB_SIDE), _f64)(
        const AbCase& c, const double* X, const double* data, const std::int32_t* idx,
        const std::int32_t* ptr, const double* y, double* out) {
    if (c.csr) run_case(c, CsrRows<double, std::int32_t>{data, idx, ptr, c.n, c.d}, y, out);
    else run_case(c, DenseRows<double>{X, c.n, c.d}, y, out);
}
extern "C" void GDFAST_AB_CAT(GDFAST_AB_CAT(ab_, GDFAST_AB_SIDE), _f32)(
        const AbCase& c, const float* X, const float* data, const std::int32_t* idx,
        const std::int32_t* ptr, const float* y, float* out) {
    if (c.csr) run_case(c, CsrRows<float, std::int32_t>{data, idx, ptr, c.n, c.d}, y, out);
    else run_case(c, DenseRows<float>{X, c.n, c.d}, y, out);
}

#else
// ------------------------------------------------------------------ main
extern "C" {
void ab_base_f64(const AbCase&, const double*, const double*, const std::int32_t*, const std::int32_t*,
                 const double*, double*);
void ab_head_f64(const AbCase&, const double*, const double*, const std::int32_t*, const std::int32_t*,
                 const double*, double*);
void ab_base_f32(const AbCase&, const float*, const float*, const std::int32_t*, const std::int32_t*,
                 const float*, float*);
void ab_head_f32(const AbCase&, const float*, const float*, const std::int32_t*, const std::int32_t*,
                 const float*, float*);
}

namespace {

/// Standard normal X (dense) or W4-shaped CSR rows (50 distinct random columns, sorted,
/// exponential values, unit row norms); labels from a random sparse model (+-1, 5%
/// flipped) or, for the squared loss, its scores plus noise.
template <class T>
struct Data {
    std::vector<T> X, data, y;
    std::vector<std::int32_t> idx, ptr;
    explicit Data(const AbCase& c) {
        std::mt19937_64 rng(42);
        std::normal_distribution<double> nd;
        std::vector<double> wt(static_cast<std::size_t>(c.d));
        for (auto& v : wt) v = (rng() % 10 == 0) ? nd(rng) : 0.0;
        std::vector<double> score(static_cast<std::size_t>(c.n), 0.0);
        if (c.csr) {
            std::uniform_int_distribution<std::int64_t> col(0, c.d - 1);
            std::exponential_distribution<double> ex(1.0);
            std::vector<std::int64_t> cols(50);
            ptr.push_back(0);
            for (std::int64_t i = 0; i < c.n; ++i) {
                for (auto& j : cols) j = col(rng);
                std::sort(cols.begin(), cols.end());
                cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
                std::vector<double> v(cols.size());
                double sq = 0.0;
                for (auto& x : v) {
                    x = ex(rng);
                    sq += x * x;
                }
                for (std::size_t q = 0; q < cols.size(); ++q) {
                    idx.push_back(static_cast<std::int32_t>(cols[q]));
                    data.push_back(static_cast<T>(v[q] / std::sqrt(sq)));
                    score[static_cast<std::size_t>(i)] += v[q] / std::sqrt(sq) * wt[static_cast<std::size_t>(cols[q])];
                }
                ptr.push_back(static_cast<std::int32_t>(data.size()));
                cols.resize(50);
            }
        } else {
            X.resize(static_cast<std::size_t>(c.n * c.d));
            for (std::int64_t i = 0; i < c.n; ++i)
                for (std::int64_t j = 0; j < c.d; ++j) {
                    const double x = nd(rng);
                    X[static_cast<std::size_t>(i * c.d + j)] = static_cast<T>(x);
                    score[static_cast<std::size_t>(i)] += x * wt[static_cast<std::size_t>(j)];
                }
        }
        y.resize(static_cast<std::size_t>(c.n));
        for (std::int64_t i = 0; i < c.n; ++i) {
            const double s = score[static_cast<std::size_t>(i)];
            y[static_cast<std::size_t>(i)] =
                c.loss == 0 ? static_cast<T>(s + 0.1 * nd(rng)) : static_cast<T>(((s > 0) != (rng() % 20 == 0)) ? 1 : -1);
        }
    }
};

template <class T, class F>
int run(const AbCase& c, int rounds, int inner, F base, F head) {
    Data<T> data(c);
    std::vector<T> out[2] = {std::vector<T>(static_cast<std::size_t>(c.d)),
                             std::vector<T>(static_cast<std::size_t>(c.d))};
    std::vector<double> t[2];
    auto call = [&](int side) {
        (side == 0 ? base : head)(c, data.X.data(), data.data.data(), data.idx.data(), data.ptr.data(),
                                  data.y.data(), out[side].data());
    };
    call(0);  // warm-up: page faults, the workspace's allocation
    call(1);
    // Rounds alternate which side goes first (ABBA...): a call can leave state that
    // helps or hurts the next one (freed pages, caches, clocks), whoever made it. (An
    // A/A run of the per-sample fit read 0.90-0.92 with base always first, and still
    // 0.80-0.97 in some runs this way: see benchmarks/README.md.)
    for (int r = 0; r < rounds; ++r)
        for (int step = 0; step < 2; ++step) {
            const int side = (r % 2 == 0) ? step : 1 - step;
            const auto a = std::chrono::steady_clock::now();
            for (int k = 0; k < inner; ++k) call(side);
            t[side].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count() / inner);
        }
    const bool same = std::memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(T)) == 0;
    double mn[2], md[2];
    for (int side = 0; side < 2; ++side) {
        std::sort(t[side].begin(), t[side].end());
        mn[side] = t[side].front() * 1e3;
        md[side] = t[side][t[side].size() / 2] * 1e3;
    }
    // one line, parsed by kernel_ab.py
    std::printf("base_min=%.4f base_med=%.4f head_min=%.4f head_med=%.4f bits=%s\n", mn[0], md[0], mn[1],
                md[1], same ? "same" : "differ");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 14) {
        std::fprintf(stderr, "usage: kernel_ab fit csr f32 n d loss batch block auto epochs threads rounds inner\n");
        return 2;
    }
    AbCase c;
    int k = 1;
    c.fit = std::atoi(argv[k++]);
    c.csr = std::atoi(argv[k++]);
    c.f32 = std::atoi(argv[k++]);
    c.n = std::atoll(argv[k++]);
    c.d = std::atoll(argv[k++]);
    c.loss = std::atoi(argv[k++]);
    c.batch = std::atoll(argv[k++]);
    c.block = std::atoll(argv[k++]);
    c.automatic = std::atoi(argv[k++]);
    c.epochs = std::atoi(argv[k++]);
    c.threads = std::atoi(argv[k++]);
    const int rounds = std::atoi(argv[k++]);
    const int inner = std::atoi(argv[k++]);
    if (c.n < 8 || c.d < 1 || rounds < 1 || inner < 1 || (c.csr && c.d < 50)) return 2;
    return c.f32 ? run<float>(c, rounds, inner, ab_base_f32, ab_head_f32)
                 : run<double>(c, rounds, inner, ab_base_f64, ab_head_f64);
}
#endif
