// gdfast kernel microbenchmark: the C++ kernels alone, no Python. The per-value and
// per-update costs quoted in benchmarks/RESULTS.md and issue 4's notes come from here
// (perf's cycle counters are not available in the development VM).
//
// Build against the installed headers (one ISA, chosen at compile time):
//   g++ -std=c++17 -O3 -fopenmp -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma
//       -DGDFAST_TARGET_AVX512 -I"$(python3 -c 'import gdfast; print(gdfast.get_include())')"
//       benchmarks/kernel_bench.cpp -o /tmp/kernel_bench          (one command line)
//   /tmp/kernel_bench [threads] [scale]      (scale 1 = W1-sized: 500,000 x 100, and
//                                             W4-sized CSR: 200,000 x 50,000)
// (drop the -m flags and -DGDFAST_TARGET_AVX512 for the portable kernels.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <random>
#include <type_traits>
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

/// W4-shaped CSR: rows of `k` stored values in distinct random columns (uniform,
/// sorted), exponential values, each row of unit norm (as benchmarks/_workloads.py).
template <class T>
struct Csr {
    std::int64_t n, d;
    std::vector<T> data, y;
    std::vector<std::int32_t> indices, indptr;
    Csr(std::int64_t n_, std::int64_t d_, std::int64_t k) : n(n_), d(d_), y(static_cast<std::size_t>(n_)) {
        std::mt19937 rng(4);
        std::uniform_int_distribution<std::int32_t> col(0, static_cast<std::int32_t>(d_ - 1));
        std::exponential_distribution<double> ex(1.0);
        std::vector<std::int32_t> cols(static_cast<std::size_t>(k));
        indptr.push_back(0);
        for (std::int64_t i = 0; i < n; ++i) {
            for (auto& c : cols) c = col(rng);
            std::sort(cols.begin(), cols.end());
            const auto first = data.size();
            double sq = 0.0;
            for (std::size_t q = 0; q < cols.size(); ++q) {
                if (q > 0 && cols[q] == cols[q - 1]) continue;
                const double x = ex(rng);
                indices.push_back(cols[q]);
                data.push_back(static_cast<T>(x));
                sq += x * x;
            }
            for (auto q = first; q < data.size(); ++q) data[q] = static_cast<T>(data[q] / std::sqrt(sq));
            indptr.push_back(static_cast<std::int32_t>(data.size()));
            y[static_cast<std::size_t>(i)] = (i % 3) != 0 ? T(1) : T(-1);
        }
    }
    CsrRows<T, std::int32_t> rows() const { return {data.data(), indices.data(), indptr.data(), n, d}; }
    double bytes() const { return static_cast<double>(data.size()) * (sizeof(T) + sizeof(std::int32_t)); }
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

/// A plain read of the CSR values and indices (integer sums, which vectorize): what a
/// pass over them cannot beat.
template <class T>
void csr_read(const Csr<T>& m, int threads, int reps) {
    using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    const auto nnz = static_cast<std::int64_t>(m.data.size());
    const T* x = m.data.data();
    const std::int32_t* ix = m.indices.data();
    std::uint64_t sink = 0;
    const double s = median_seconds([&] {
        std::uint64_t acc = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : acc)
        for (std::int64_t q = 0; q < nnz; ++q) {
            U bits;
            std::memcpy(&bits, x + q, sizeof(T));
            acc += static_cast<std::uint64_t>(bits >> 20) + static_cast<std::uint64_t>(ix[q]);
        }
        sink += acc;
    }, reps);
    std::printf("CSR read    %s %8lld x %-6lld nnz=%-9lld threads=%d  %8.3f ms  %.3f ns/value  %6.2f GB/s  (%llu)\n",
                name(sizeof(T)), static_cast<long long>(m.n), static_cast<long long>(m.d),
                static_cast<long long>(nnz), threads, s * 1e3, s / static_cast<double>(nnz) * 1e9,
                m.bytes() / s / 1e9, static_cast<unsigned long long>(sink % 10));
}

/// One fused objective + gradient pass over CSR rows.
template <class T>
void csr_pass(const Csr<T>& m, LossKind kind, int threads, int reps) {
    std::vector<T> w(static_cast<std::size_t>(m.d)), g(static_cast<std::size_t>(m.d));
    std::mt19937 rng(5);
    std::normal_distribution<double> nd;
    for (auto& v : w) v = static_cast<T>(3.0 * nd(rng));  // margins of order 1: both hinge sides
    PassWorkspace<T> ws;
    Loss loss;
    loss.kind = kind;
    const double s = median_seconds([&] {
        fused_pass<CsrRows<T, std::int32_t>, T>(m.rows(), m.y.data(), static_cast<const T*>(nullptr), w.data(),
                                                1.0, 0.0, loss, g.data(), static_cast<T*>(nullptr), ws, threads);
    }, reps);
    const auto nnz = static_cast<double>(m.data.size());
    std::printf("CSR pass    %s %8lld x %-6lld nnz=%-9lld loss=%d threads=%d  %8.3f ms  %.3f ns/value  %6.2f GB/s\n",
                name(sizeof(T)), static_cast<long long>(m.n), static_cast<long long>(m.d),
                static_cast<long long>(m.data.size()), static_cast<int>(kind), threads, s * 1e3, s / nnz * 1e9,
                m.bytes() / s / 1e9);
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
    // CSR (W4-shaped: 200,000 x 50,000, ~50 stored values a row). The pass's compute
    // cost per stored value first: 16,000 rows (9.6 MB, in the last-level cache) passed
    // again and again, w and the gradient as large as W4's (0.8 MB together; fewer rows
    // and the pass's fixed cost, zeroing and reducing the gradient, would weigh in);
    // the same with 2,000 columns (w and the gradient in L1: what the random accesses to
    // them cost); then the rows streamed from memory, and a plain read of them.
    const auto d4 = std::max<std::int64_t>(1000, static_cast<std::int64_t>(50000 * scale));
    const Csr<double> cached_csr(std::max<std::int64_t>(1000, static_cast<std::int64_t>(16000 * scale)), d4, 50);
    csr_pass(cached_csr, LossKind::hinge, 1, 51);
    const Csr<double> narrow_csr(cached_csr.n, std::min<std::int64_t>(d4, 2000), 50);
    csr_pass(narrow_csr, LossKind::hinge, 1, 51);
    const auto n4 = std::max<std::int64_t>(4000, static_cast<std::int64_t>(200000 * scale));
    const Csr<double> csr64(n4, d4, 50);
    const Csr<float> csr32(n4, d4, 50);
    csr_read(csr64, threads, 15);
    csr_pass(csr64, LossKind::hinge, threads, 15);
    csr_pass(csr64, LossKind::log, threads, 15);
    csr_read(csr32, threads, 15);
    csr_pass(csr32, LossKind::hinge, threads, 15);
    return 0;
}
