// gdfast L0: the fused objective pass -- margins, loss and gradient in one read of X.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "config.hpp"
#include "loss.hpp"
#include "parallel.hpp"
#include "rows.hpp"

GDFAST_BEGIN_NAMESPACE

/// Reusable scratch for `fused_pass` (block partial gradients); keep one per solver.
template <class T>
struct PassWorkspace {
    std::vector<T> partial;
    std::vector<PassSums> block_sums;
};

/// One pass over `rows`: p_i = scale * x_i.v + b, accumulates PassSums and, if `grad` is
/// not null, grad = sum_i s_i dL/dp_i x_i (overwritten, length n_cols). If `margins` is
/// not null it receives p_i (M: T, or double for line searches). Rows are cut into `reduction_blocks` fixed blocks whose
/// partials are combined in block order: the result has the same bits for any
/// `n_threads`.
/// \param sw  sample weights or null (all ones)
/// \param row_norms  also return max ||x_i||^2 over the rows of positive weight in
///     PassSums::max_sq_norm (the rows are in L1 then: a full-batch solver gets its step
///     bound without a pass of its own)
/// \param check_indices  CSR: check each row's column indices just before the row is
///     read (for a matrix whose indices csr_check did not scan); a row that fails is
///     skipped and PassSums::bad_index set
/// \param known_margins  CSR only (ignored for dense rows): the margins p_i are given
///     (`v`, `scale` and `b` are not read) and the pass only scatters the gradient: no
///     dot products. A full-batch line search knows the margins of the point it accepts.
template <class Rows, class M, class T = typename Rows::value_type>
PassSums fused_pass(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                    const T* GDFAST_RESTRICT v, double scale, double b, const Loss& loss,
                    T* GDFAST_RESTRICT grad, M* GDFAST_RESTRICT margins, PassWorkspace<T>& ws,
                    int n_threads, bool row_norms = false, bool check_indices = false,
                    const double* GDFAST_RESTRICT known_margins = nullptr) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    const std::int64_t nb = reduction_blocks(n, d, rows.nnz(), Rows::is_sparse);
    ws.block_sums.assign(static_cast<std::size_t>(nb), PassSums{});
    if (grad != nullptr) ws.partial.resize(static_cast<std::size_t>(nb * d));
    T* const part = grad != nullptr ? ws.partial.data() : nullptr;
    PassSums* const sums = ws.block_sums.data();
    const bool smoothing = loss.smoothing > 0.0;
    Loss exact = loss;
    exact.smoothing = 0.0;

    parallel_for(n_threads, nb, [&](std::int64_t k) {
        std::int64_t i0, i1;
        split_range(n, nb, k, i0, i1);
        T* g = part != nullptr ? part + k * d : nullptr;
        if (g != nullptr)
            for (std::int64_t j = 0; j < d; ++j) g[j] = T(0);
        PassSums s;
        // One row given its margin p and loss l, dl: accumulates the sums, returns s_i dL/dp.
        auto account = [&](std::int64_t i, double p, double l, double dl) -> T {
            const double wi = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
            s.loss += wi * l;
            if (smoothing) {
                double unused;
                s.loss_exact += wi * exact.eval_row(static_cast<double>(y[i]), p, unused);
            }
            s.grad_b += wi * dl;
            s.weight += wi;
            if (!std::isfinite(p) || !std::isfinite(l)) s.finite = false;
            if (margins != nullptr) margins[i] = static_cast<M>(p);
            return static_cast<T>(wi * dl);
        };
        // ||x_i||^2 in T by SIMD (the row is in L1), in double if T's sum overflows.
        auto note_norm = [&](std::int64_t i, T sq_t) {
            if (sw != nullptr && !(static_cast<double>(sw[i]) > 0.0)) return;
            double sq = static_cast<double>(sq_t);
            if (!std::isfinite(sq)) {
                sq = 0.0;
                rows.for_each(i, [&sq](std::int64_t, T x) { sq += static_cast<double>(x) * static_cast<double>(x); });
            }
            if (sq > s.max_sq_norm) s.max_sq_norm = sq;  // (NaN rows: the pass reports them)
        };
        auto visit = [&](std::int64_t i, T xv) -> T {
            if (row_norms) note_norm(i, rows.sq_norm(i));
            const double p = scale * static_cast<double>(xv) + b;
            double dl;
            const double l = loss.eval_row(static_cast<double>(y[i]), p, dl);
            return account(i, p, l, dl);
        };
        std::int64_t i = i0;
        if constexpr (!Rows::is_sparse) {
            // Dense: four rows at a time -- g is read and written once for four rows.
            // Rows in storage order, one after the other, and no software prefetch: the
            // hardware streamers follow that. Measured on AMD Zen 4 (C++ harness on
            // 500,000 x 100, X in huge pages, 1 thread; a plain read of X: 12.3-12.7 ms
            // for float64): prefetching the next rows a line per vector step, 1 KiB ahead
            // (tuned on an Intel Xeon, where the streamer alone left a core at ~60% of
            // its bandwidth), took the float64 squared-loss pass from 16.6-17.2 to
            // 19.5-19.7 ms, and bursts of prefetches 1-16 KiB ahead, into L1 or L2, cost
            // 2.5x. Reading float32 blocks as two interleaved streams (+10% on the Xeon)
            // is 3-7% slower there too.
            const std::int64_t d4 = rows.n_cols;
            // Rows r..r+3 in two halves: `front` reads them (dots, margins), `back` adds
            // their gradient, once their losses are known (pk/yk in, lk/dk out).
            auto front = [&](std::int64_t r, double* pk, double* yk) {
                const T *r0 = rows.row(r), *r1 = rows.row(r + 1), *r2 = rows.row(r + 2),
                        *r3 = rows.row(r + 3);
                T xv[4] = {T(0), T(0), T(0), T(0)};
                if (row_norms) {  // the norms in the dots' loops (the bits of sq_norm)
                    T sq[4];
                    simd::dot4_sq(r0, r1, r2, r3, v, d4, xv, sq);
                    for (int q = 0; q < 4; ++q) note_norm(r + q, sq[q]);
                } else {
                    simd::dot4(r0, r1, r2, r3, v, d4, xv);
                }
                for (int q = 0; q < 4; ++q) {
                    pk[q] = scale * static_cast<double>(xv[q]) + b;
                    yk[q] = static_cast<double>(y[r + q]);
                }
            };
            auto back = [&](std::int64_t r, const double* pk, const double* lk, const double* dk) {
                T a[4];
                for (int q = 0; q < 4; ++q) a[q] = account(r + q, pk[q], lk[q], dk[q]);
                if (g != nullptr && (a[0] != T(0) || a[1] != T(0) || a[2] != T(0) || a[3] != T(0)))
                    simd::axpy4(a, rows.row(r), rows.row(r + 1), rows.row(r + 2), rows.row(r + 3), g, d4);
            };
            if (sizeof(T) < 8 && loss.kind == LossKind::log) {
                // float32 with the log loss: two fours' dots, then the losses of their
                // eight rows in one vector loop (exp and log1p), then the two updates
                // (400-byte rows: the loss weighs twice as much per byte as in float64).
                // Zen 4 harness, against one evaluation per four, 1 thread: 13.0-13.6 ->
                // 11.1-11.5 ms (float64: 17.6-18.3 -> 16.6-18.2 ms, within the noise;
                // left at four).
                for (; i + 8 <= i1; i += 8) {
                    double pk[8], yk[8], lk[8], dk[8];
                    front(i, pk, yk);
                    front(i + 4, pk + 4, yk + 4);
                    loss.eval_rows<8>(yk, pk, lk, dk);
                    back(i, pk, lk, dk);
                    back(i + 4, pk + 4, lk + 4, dk + 4);
                }
            }
            for (; i + 4 <= i1; i += 4) {
                double pk[4], yk[4], lk[4], dk[4];
                front(i, pk, yk);
                loss.eval4(yk, pk, lk, dk);
                back(i, pk, lk, dk);
            }
        }
        // CSR: rows ahead are prefetched (values and indices; the hardware streamers
        // alone left W4's pass at 19 instead of 18 ms, 1 thread). Four rows at a time:
        // their losses in one eval4 (the log loss's exp and log1p vectorized), then
        // their updates in row order -- the bits of the row-at-a-time loop below where
        // `Loss::eval` is inlined (else equal to rounding, see loss.hpp); W4
        // with the log loss, C++ harness, 1 thread: 24.1-25.0 -> 22.2-23.6 ms.
        constexpr std::int64_t kAhead = 12;
        if constexpr (Rows::is_sparse) {
            for (std::int64_t r = i; r < std::min(i1, i + kAhead); ++r) rows.prefetch(r);
            for (; i + 4 <= i1; i += 4) {
                bool ok[4];
                double pk[4], yk[4], lk[4], dk[4];
                for (int q = 0; q < 4; ++q) {
                    const std::int64_t r = i + q;
                    if (r + kAhead < i1) rows.prefetch(r + kAhead);
                    ok[q] = !check_indices || rows.row_indices_ok(r);
                    if (!ok[q]) s.bad_index = true;
                    if (row_norms && ok[q]) note_norm(r, rows.sq_norm(r));
                    if (known_margins != nullptr) {
                        pk[q] = known_margins[r];
                    } else {
                        const T xv = ok[q] ? rows.dot(r, v) : T(0);
                        pk[q] = scale * static_cast<double>(xv) + b;
                    }
                    yk[q] = static_cast<double>(y[r]);
                }
                loss.eval4(yk, pk, lk, dk);
                for (int q = 0; q < 4; ++q) {
                    if (!ok[q]) continue;
                    const T a = account(i + q, pk[q], lk[q], dk[q]);
                    if (g != nullptr && a != T(0)) rows.axpy(i + q, a, g);
                }
            }
        }
        for (; i < i1; ++i) {
            if constexpr (Rows::is_sparse) {
                if (i + kAhead < i1) rows.prefetch(i + kAhead);
                if (check_indices && !rows.row_indices_ok(i)) {
                    s.bad_index = true;
                    continue;
                }
            }
            T a;
            if (Rows::is_sparse && known_margins != nullptr) {
                if (row_norms) note_norm(i, rows.sq_norm(i));
                double dl;
                const double p = known_margins[i];
                const double l = loss.eval_row(static_cast<double>(y[i]), p, dl);
                a = account(i, p, l, dl);
            } else {
                a = visit(i, rows.dot(i, v));
            }
            if (g != nullptr && a != T(0)) rows.axpy(i, a, g);
        }
        if (!smoothing) s.loss_exact = s.loss;
        sums[k] = s;
    });

    PassSums total;
    for (std::int64_t k = 0; k < nb; ++k) {
        total.loss += sums[k].loss;
        total.loss_exact += sums[k].loss_exact;
        total.grad_b += sums[k].grad_b;
        total.weight += sums[k].weight;
        total.finite = total.finite && sums[k].finite;
        total.max_sq_norm = std::max(total.max_sq_norm, sums[k].max_sq_norm);
        total.bad_index = total.bad_index || sums[k].bad_index;
    }
    if (grad != nullptr) {
        // Column-chunk-parallel reduction in block order (deterministic, vectorizable).
        const std::int64_t n_chunks = (d + 511) / 512;
        parallel_for(n_threads, n_chunks, [&](std::int64_t c) {
            const std::int64_t j0 = c * 512, j1 = std::min<std::int64_t>(d, j0 + 512);
            T* GDFAST_RESTRICT out = grad;
            for (std::int64_t j = j0; j < j1; ++j) out[j] = part[j];
            for (std::int64_t k = 1; k < nb; ++k) {
                const T* GDFAST_RESTRICT src = part + k * d;
                for (std::int64_t j = j0; j < j1; ++j) out[j] += src[j];
            }
        });
    }
    return total;
}

/// Means of the rows of X, for full-batch solvers that optimise over (w, c) with
/// the intercept b = c - mu.w, i.e. on margins (x_i - mu).w + c. The optimum is the
/// same (a change of variables, for any mu); what changes is the conditioning. With
/// features of non-zero mean, the intercept and the coefficients' mean direction are
/// nearly collinear: ridge on features of mean 3 (1,500 x 30), L-BFGS with the default
/// tol returned b = 0.1 against 10, at a relative gap of 2.8, after 8 iterations, and
/// needed 130 iterations with tol=None (centred: b exact, gap 7.6e-3, and 45). mu comes
/// from k = 4,096 evenly spaced rows (weighted; fewer, down to 256, when the rows hold
/// more than 256 stored values on average, so that the sample reads at most ~2^20
/// values), the same for any thread count.
/// Empty (no centring) when the sample's means do not stand out of their own sampling
/// noise (||mu||^2 <= 4 sum_j var_j / k): centred data (W1-W3, standardized) keep their
/// iterates, which a sampled mu's noise moved (W1 to relative suboptimality 1e-4 in 4
/// L-BFGS iterations instead of 2), and so does W4 (sampled ||mu||^2 at 0.78 of that
/// noise level); also empty for non-finite X (the first pass reports it). On CSR only
/// the intercept is reparametrised, X stays sparse. One-hot rows (5 groups of 10 levels,
/// 5,000 rows, 4 seeds), default tol, L-BFGS, relative gap: ridge 7.7e-3-1.3e-2 ->
/// 3.9e-5-4.5e-3, log 2.8e-4-2.6e-3 -> 9.2e-6-1.8e-4 (gd: 7.4e-3-1.6e-2 ->
/// 1.3e-3-2.8e-3 and 3.2e-4-3.6e-3 -> 4.9e-5-1.1e-3).
template <class Rows, class T = typename Rows::value_type>
std::vector<double> centring_means(const Rows& rows, const T* sw) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    const auto du = static_cast<std::size_t>(d);
    std::vector<double> mu(du, 0.0);
    std::vector<double> sq(du, 0.0);
    const std::int64_t per_row = std::max<std::int64_t>(1, rows.nnz() / std::max<std::int64_t>(1, n));
    const std::int64_t k = std::min<std::int64_t>(n, std::clamp<std::int64_t>((std::int64_t{1} << 20) / per_row, 256, 4096));
    double wsum = 0.0;
    std::int64_t used = 0;
    for (std::int64_t r = 0; r < k; ++r) {
        const auto i = static_cast<std::int64_t>((static_cast<double>(r) + 0.5) * static_cast<double>(n) /
                                                 static_cast<double>(k));
        const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
        if (!(si > 0.0)) continue;
        wsum += si;
        ++used;
        rows.for_each(i, [&](std::int64_t j, T x) {
            if (j < 0 || j >= d) return;  // (fit() checks CSR indices before these solvers; a bad one stays out of mu)
            const double v = static_cast<double>(x);
            mu[static_cast<std::size_t>(j)] += si * v;
            sq[static_cast<std::size_t>(j)] += si * v * v;
        });
    }
    double mean_sq = 0.0, var = 0.0;
    bool ok = wsum > 0.0 && used > 1;
    for (std::size_t j = 0; ok && j < du; ++j) {
        const double m = mu[j] / wsum;
        mu[j] = m;
        mean_sq += m * m;
        var += std::max(0.0, sq[j] / wsum - m * m);
        ok = std::isfinite(mean_sq) && std::isfinite(var);
    }
    if (!ok || !(mean_sq > 4.0 * var / static_cast<double>(used))) mu.clear();
    return mu;
}

/// The scores of a linear model with K outputs: out[i K + k] = x_i . coef_k, with coef_k
/// = coef[k d, (k + 1) d) (row-major n x K; the caller adds the intercepts). For
/// predictions: a numpy product would run in BLAS, whose threads keep spinning after it
/// and take a core from the next multi-threaded gdfast kernel (a grid search alternates
/// fit and score: LinearSVC on 20,000 x 100 fitted in 97-102 ms on 2 threads after each
/// score, against 12.6 ms on 1). Rows are split over threads; each output is one dot
/// product in row order, so the result does not depend on n_threads.
template <class Rows, class T = typename Rows::value_type>
void linear_scores(const Rows& rows, const T* coef, std::int64_t K, T* out, int n_threads) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    parallel_for(n_threads, n, [&](std::int64_t i) {
        for (std::int64_t k = 0; k < K; ++k) out[i * K + k] = rows.dot(i, coef + k * d);
    });
}

/// The unit of the full-batch solvers' smoothing widths (continuation from 1 unit down
/// to max(1e-6, min(tol, 1e-2)) units). hinge and perceptron: 1, the margin scale their
/// kink is defined in. epsilon_insensitive: the kink sits on the residuals, in the
/// targets' units, so the unit is the weighted mean absolute deviation of y from its
/// weighted mean (1 if that is 0 or not finite). With a fixed unit of 1, LinearSVR on
/// targets of magnitude ~100 (diabetes) solved to a relative gap of 4e-9 in 381
/// iterations, and on the same targets / 1000 to 4e-6 in 84: the widths' unit makes the
/// accuracy, and the work, depend on the targets' scale.
template <class T>
double smoothing_unit(const Loss& loss, const T* y, const T* sw, std::int64_t n) {
    if (loss.kind != LossKind::epsilon_insensitive) return 1.0;
    double wsum = 0.0, mean = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double s = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
        wsum += s;
        mean += s * static_cast<double>(y[i]);
    }
    if (!(wsum > 0.0)) return 1.0;
    mean /= wsum;
    double dev = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double s = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
        dev += s * std::fabs(static_cast<double>(y[i]) - mean);
    }
    dev /= wsum;
    return std::isfinite(dev) && dev > 0.0 ? dev : 1.0;
}

/// Largest squared row norm max_i ||x_i||^2 (a deterministic max; any thread count).
template <class Rows, class T = typename Rows::value_type>
double max_sq_row_norm(const Rows& rows, int n_threads) {
    const std::int64_t n = rows.n_rows;
    double best = 0.0;
#pragma omp parallel for num_threads(n_threads) schedule(static) reduction(max : best)
    for (std::int64_t i = 0; i < n; ++i) {
        const double s = static_cast<double>(rows.sq_norm(i));
        if (s > best) best = s;
    }
    return best;
}

GDFAST_END_NAMESPACE
