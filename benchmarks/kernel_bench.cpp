// gdfast kernel microbenchmark: the C++ kernels alone, no Python. The per-value and
// per-update costs quoted in benchmarks/RESULTS.md and issue 4's notes come from here
// (perf's cycle counters are not available in the development VM).
//
// Build against the installed headers (one ISA, chosen at compile time):
//   g++ -std=c++17 -O3 -fopenmp -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma
//       -DGDFAST_TARGET_AVX512 -I"$(python3 -c 'import gdfast; print(gdfast.get_include())')"
//       benchmarks/kernel_bench.cpp -o /tmp/kernel_bench          (one command line)
//   /tmp/kernel_bench [threads] [scale]      (scale 1 = W1-sized: 500,000 x 100)
// (drop the -m flags and -DGDFAST_TARGET_AVX512 for the portable kernels.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "gdfast/c_api.hpp"

using namespace gdfast;

namespace {

template <class F>
double median_seconds(F&& f, int reps) {
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const auto a = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

template <class T>
struct Dense {
    std::int64_t n, d;
    std::vector<T> X, y;
    Dense(std::int64_t n_, std::int64_t d_) : n(n_), d(d_), X(static_cast<std::size_t>(n_ * d_)), y(static_cast<std::size_t>(n_)) {
        std::mt19937 rng(1);
        std::normal_distribution<double> nd;
        for (auto& x : X) x = static_cast<T>(nd(rng));
        for (auto& v : y) v = nd(rng) > 0 ? T(1) : T(-1);
    }
    DenseRows<T> rows() const { return DenseRows<T>{X.data(), n, d}; }
};

const char* name(std::size_t bytes) { return bytes == 8 ? "f64" : "f32"; }

/// One fused objective + gradient pass.
template <class T>
void pass(const Dense<T>& data, LossKind kind, int threads, int reps) {
    std::vector<T> w(static_cast<std::size_t>(data.d), T(0.01)), g(static_cast<std::size_t>(data.d));
    PassWorkspace<T> ws;
    Loss loss;
    loss.kind = kind;
    const double s = median_seconds([&] {
        fused_pass<DenseRows<T>, T>(data.rows(), data.y.data(), static_cast<const T*>(nullptr), w.data(), 1.0, 0.0,
                                    loss, g.data(), static_cast<T*>(nullptr), ws, threads);
    }, reps);
    const double values = static_cast<double>(data.n * data.d);
    std::printf("fused pass  %s %8lld x %-4lld loss=%d threads=%d  %8.3f ms  %.3f ns/value  %6.2f GB/s\n",
                name(sizeof(T)), static_cast<long long>(data.n), static_cast<long long>(data.d),
                static_cast<int>(kind), threads, s * 1e3, s / values * 1e9, values * sizeof(T) / s / 1e9);
}

/// One SGD epoch (per-sample or mini-batch), shuffled.
template <class T>
void epoch(const Dense<T>& data, LossKind kind, std::int64_t batch, std::int64_t block, int threads, int reps) {
    FitParams p;
    p.loss.kind = kind;
    p.max_iter = 1;
    p.tol = -1.0;
    p.track_objective = false;
    p.batch_size = batch;
    p.shuffle_block = block;
    p.schedule = Schedule::optimal;
    std::vector<T> coef(static_cast<std::size_t>(data.d));
    int seed = 0;
    const double s = median_seconds([&] {
        std::fill(coef.begin(), coef.end(), T(0));
        double b = 0.0;
        p.seed = static_cast<std::uint64_t>(seed++);
        c_api::fit_dense<T>(data.X.data(), data.n, data.d, data.y.data(), nullptr, coef.data(), &b, p,
                            threads, nullptr);
    }, reps);
    std::printf("SGD epoch   %s %8lld x %-4lld batch=%-4lld shuffle_block=%-3lld threads=%d  %8.1f ms  %.1f ns/row\n",
                name(sizeof(T)), static_cast<long long>(data.n), static_cast<long long>(data.d),
                static_cast<long long>(batch), static_cast<long long>(block), threads, s * 1e3,
                s / static_cast<double>(data.n) * 1e9);
}

}  // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
    const double scale = argc > 2 ? std::atof(argv[2]) : 1.0;
    const auto n = std::max<std::int64_t>(4000, static_cast<std::int64_t>(500000 * scale));
    std::printf("gdfast kernels (%s), %d thread(s)\n", simd::isa_name, threads);
    // In cache: 2,000 rows (1.6 MB float64) -- the compute cost per stored value.
    const Dense<double> small64(2000, 100);
    const Dense<float> small32(2000, 100);
    pass(small64, LossKind::squared, 1, 501);
    pass(small32, LossKind::squared, 1, 501);
    pass(small64, LossKind::log, 1, 501);
    // Out of cache: W1-sized.
    const Dense<double> big64(n, 100);
    const Dense<float> big32(n, 100);
    pass(big64, LossKind::squared, threads, 15);
    pass(big32, LossKind::squared, threads, 15);
    pass(big64, LossKind::log, threads, 15);
    for (std::int64_t block : {1, 8}) {
        epoch(big64, LossKind::hinge, 1, block, 1, 5);
        epoch(big32, LossKind::hinge, 1, block, 1, 5);
    }
    epoch(big64, LossKind::hinge, 256, 8, threads, 5);
    epoch(big32, LossKind::hinge, 256, 8, threads, 5);
    return 0;
}
