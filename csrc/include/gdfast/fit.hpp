// gdfast L0: the one entry point of the solvers, chosen by batch_size, and the
// one-vs-rest driver that solves several binary problems in parallel.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "config.hpp"
#include "gd.hpp"
#include "iterate.hpp"
#include "lbfgs.hpp"
#include "minibatch.hpp"
#include "objective.hpp"
#include "parallel.hpp"
#include "params.hpp"
#include "rows.hpp"
#include "schedule.hpp"
#include "sgd.hpp"
#include "status.hpp"

GDFAST_BEGIN_NAMESPACE

namespace detail {
/// max_i s_i (||x_i||^2 + [fit_intercept]): bounds the curvature of one sample's loss.
/// With `weighted` false, max over the rows with s_i > 0 of ||x_i||^2 + [fit_intercept]:
/// a bound for the weighted *mean* (full batch) that does not change when a row of
/// weight k is replaced by k copies.
template <class Rows, class T>
double max_weighted_sq_norm(const Rows& rows, const T* sw, bool fit_intercept, int n_threads,
                            bool weighted = true) {
    const std::int64_t n = rows.n_rows;
    const double extra = fit_intercept ? 1.0 : 0.0;
    double best = 0.0;
#pragma omp parallel for num_threads(n_threads) schedule(static) reduction(max : best)
    for (std::int64_t i = 0; i < n; ++i) {
        double s = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
        if (!weighted) s = s > 0.0 ? 1.0 : 0.0;
        // Rows in storage order, no software prefetch (as fused_pass: the hardware
        // streamers follow). A row's worth of lines 8 KiB ahead into L2, tuned on an
        // Intel Xeon (31-33 -> 28-29 ms there), cost on AMD Zen 4: 500,000 x 100,
        // both versions in one process, minima of 15, without -> with: float64 15.3-15.7
        // -> 17.6-18.2 ms on 1 thread, 12.7 -> 13.8 ms on 2; float32 7.0-7.1 -> 8.1-8.5 ms.
        const double v = weighted_row_bound(rows, i, s, extra);  // (NaN: not taken)
        if (v > best) best = v;
    }
    return best;
}
/// The k-th of m rows sampled evenly from n (the power iteration's sample).
inline std::int64_t sampled_row(std::int64_t k, std::int64_t n, std::int64_t m) noexcept { return k * n / m; }
/// Power iteration for the largest eigenvalue of (1/m) sum_k s_k x~_k x~_k^T over the
/// rows k * n / m, k < m (see estimate_lambda_max).
template <class Rows, class T>
double power_iteration(const Rows& rows, const T* sw, bool fit_intercept, std::int64_t m) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    std::vector<T> v(static_cast<std::size_t>(d), T(1)), u(static_cast<std::size_t>(d));
    double vb = fit_intercept ? 1.0 : 0.0;
    double lambda = 0.0;
    auto sample = [&](std::int64_t k) { return sampled_row(k, n, m); };
    for (int iter = 0; iter < 30; ++iter) {
        double nrm = vb * vb;
        for (std::int64_t j = 0; j < d; ++j) nrm += static_cast<double>(v[j]) * static_cast<double>(v[j]);
        nrm = std::sqrt(nrm);
        if (!(nrm > 0.0)) return 0.0;
        for (std::int64_t j = 0; j < d; ++j) v[j] = static_cast<T>(static_cast<double>(v[j]) / nrm);
        vb /= nrm;
        std::fill(u.begin(), u.end(), T(0));
        double ub = 0.0, wsum = 0.0;
        std::int64_t k = 0;
        if constexpr (!Rows::is_sparse) {
            for (; k + 4 <= m; k += 4) {
                const std::int64_t i[4] = {sample(k), sample(k + 1), sample(k + 2), sample(k + 3)};
                T xv[4], a[4];
                simd::dot4(rows.row(i[0]), rows.row(i[1]), rows.row(i[2]), rows.row(i[3]), v.data(), d, xv);
                for (int q = 0; q < 4; ++q) {
                    const double s = sw != nullptr ? static_cast<double>(sw[i[q]]) : 1.0;
                    const double z = static_cast<double>(xv[q]) + vb;
                    a[q] = static_cast<T>(s * z);
                    if (fit_intercept) ub += s * z;
                    wsum += s;
                }
                simd::axpy4(a, rows.row(i[0]), rows.row(i[1]), rows.row(i[2]), rows.row(i[3]), u.data(), d);
            }
        }
        for (; k < m; ++k) {
            const std::int64_t i = sample(k);
            const double s = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
            const double z = static_cast<double>(rows.dot(i, v.data())) + vb;
            rows.axpy(i, static_cast<T>(s * z), u.data());
            if (fit_intercept) ub += s * z;
            wsum += s;
        }
        if (!(wsum > 0.0)) return 0.0;
        double unrm = ub * ub;
        for (std::int64_t j = 0; j < d; ++j) unrm += static_cast<double>(u[j]) * static_cast<double>(u[j]);
        const double next = std::sqrt(unrm) / wsum;
        std::swap(u, v);
        vb = ub;
        if (std::fabs(next - lambda) <= 1e-3 * next) {
            lambda = next;
            break;
        }
        lambda = next;
    }
    return lambda;
}
/// Largest eigenvalue of the weighted second-moment matrix (1/m) sum s_i x~_i x~_i^T
/// (x~ = [x, 1] with an intercept), estimated by power iteration on at most 4096
/// evenly spaced rows: the curvature of a large mini-batch's mean loss is about
/// curvature(L) * lambda_max, far below the worst single row's.
/// Dense X: the sampled rows are first copied into one float32 block (up to 16 MiB).
/// The sample is spread over X, out of the hardware prefetchers' reach, and in place
/// each iteration waited on a cache miss per row; the copy is read from cache, four
/// rows at a time (W1-shaped float64, 30 iterations: 10.5 -> 2 ms). float32 is ample
/// for an estimate that the caller doubles; an overflow to inf makes the caller keep
/// its single-row bound.
template <class Rows, class T>
double estimate_lambda_max(const Rows& rows, const T* sw, bool fit_intercept) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    const std::int64_t m = std::min<std::int64_t>(n, 4096);
    if constexpr (!Rows::is_sparse) {
        if (m * d <= (std::int64_t{1} << 22)) {
            std::vector<float> block(static_cast<std::size_t>(m * d));
            std::vector<float> wb(sw != nullptr ? static_cast<std::size_t>(m) : 0);
            for (std::int64_t k = 0; k < m; ++k) {
                const std::int64_t i = sampled_row(k, n, m);
                const T* src = rows.row(i);
                float* dst = block.data() + k * d;
                for (std::int64_t j = 0; j < d; ++j) dst[j] = static_cast<float>(src[j]);
                if (sw != nullptr) wb[static_cast<std::size_t>(k)] = static_cast<float>(sw[i]);
            }
            const DenseRows<float> copy{block.data(), m, d};
            return power_iteration(copy, sw != nullptr ? wb.data() : nullptr, fit_intercept, m);
        }
    }
    return power_iteration(rows, sw, fit_intercept, m);
}
}  // namespace detail

/// Fits one linear model. `sw` must be normalized to mean 1 (or null).
/// Never throws across threads; returns a Status, details in `rep`.
/// \param check_csr_indices  CSR whose column indices were not checked yet (csr_check
///     with check_indices=false): per-sample SGD checks them row by row in its first
///     epoch, the other solvers in a scan before they start; a bad index returns
///     Status::bad_index.
template <class Rows, class T = typename Rows::value_type>
Status fit(const Rows& rows, const T* y, const T* sw, const FitBuffers<T>& buf,
           const FitParams& p, EpochObserver<T> observer, Poller& poller, int n_threads,
           FitReport& rep, bool check_csr_indices = false) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    rep = FitReport{};
    rep.t = p.t_start;
    const bool full = p.batch_size <= 0 || p.batch_size >= n;
    if constexpr (Rows::is_sparse) {
        if (check_csr_indices && (full || p.batch_size != 1)) {
            // (indptr was checked: indptr[0] == 0 and nnz() fits the index array)
            if (!csr_indices_in_range(rows.indices, rows.nnz(), rows.n_cols, n_threads))
                return Status::bad_index;
            check_csr_indices = false;
        }
    }
    StepRule step;
    step.kind = p.schedule;
    step.eta0 = p.eta0;
    step.power_t = p.power_t;
    step.alpha = p.penalty.l2() > 0.0 ? p.penalty.l2() : p.penalty.alpha;
    if (p.schedule == Schedule::optimal) step.optimal_init = StepRule::bottou_t0(p.loss, p.penalty.alpha);
    if (p.schedule == Schedule::optimal) step.alpha = p.penalty.alpha;
    double curv = 0.0;
    // Full batch: auto = L-BFGS unless the penalty has an L1 part or momentum is asked for.
    const bool use_gd = p.full_solver == FullSolver::gd ||
                        (p.full_solver == FullSolver::automatic &&
                         (p.penalty.l1() > 0.0 || p.momentum > 0.0 || p.nesterov));
    // (L-BFGS measures the rows in its first pass instead of a pass of their own)
    if (full && use_gd) {
        curv = p.loss.curvature() * detail::max_weighted_sq_norm(rows, sw, p.fit_intercept, n_threads,
                                                                  /*weighted=*/false);
        step.curvature = curv + p.penalty.l2();
        if (step.curvature <= 0.0) step.curvature = 1.0;
        if (!std::isfinite(step.curvature) || !std::isfinite(curv)) {
            rep.bad_epoch = 0;  // squared row norms overflow double: no step size exists
            return Status::non_finite;
        }
    }
    if (!full && p.schedule == Schedule::automatic) {
        // SGD and mini-batch: the kernels measure the rows in their first epoch (see
        // StepRule::curvature_for); only the mini-batch's lambda_max is estimated here.
        step.loss_curvature = p.loss.curvature();
        step.l2 = p.penalty.l2();
        step.batch = static_cast<double>(p.batch_size);
        if (p.batch_size > 1) step.lambda2 = 2.0 * detail::estimate_lambda_max(rows, sw, p.fit_intercept);
        step.curvature = NAN;  // set by the kernel once an epoch has measured every row
    }
    Status st;
    if (full) {
        double b = *buf.intercept;
        // Full batch: the curvature of the mean is at most the largest per-row one.
        if (use_gd)
            st = gd_solve(rows, y, sw, buf.coef, b, p, std::max(step.curvature, 1e-12), observer,
                          poller, n_threads, rep);
        else
            st = lbfgs_solve(rows, y, sw, buf.coef, b, p, NAN, observer, poller, n_threads, rep);
        *buf.intercept = b;
        rep.t = p.t_start + static_cast<double>(rep.n_iter);
        rep.intercept = rep.standard_intercept = b;
        if (buf.avg_coef != nullptr) std::copy(buf.coef, buf.coef + d, buf.avg_coef);
        if (buf.avg_intercept != nullptr) *buf.avg_intercept = b;
        if (buf.n_averaged != nullptr) *buf.n_averaged = 0;
        return st;
    }
    ScaledIterate<T> it;
    const std::int64_t k0 = buf.n_averaged != nullptr ? *buf.n_averaged : 0;
    it.init(buf.coef, d, *buf.intercept, p.average_start, buf.avg_coef,
            buf.avg_intercept != nullptr ? *buf.avg_intercept : 0.0, k0);
    if (p.batch_size == 1)
        st = sgd_epochs(rows, y, sw, it, p, step, observer, poller, n_threads, rep, check_csr_indices);
    else
        st = minibatch_epochs(rows, y, sw, it, p, step, observer, poller, n_threads, rep);
    // Outputs: averaged coefficients first (they need v and the segment state).
    if (it.averaging() && it.k > 0 && buf.avg_coef != nullptr) it.average(buf.avg_coef);
    it.finalize();
    *buf.intercept = it.b;
    rep.standard_intercept = it.b;
    rep.intercept = it.returned_intercept();
    rep.n_averaged = it.averaging() ? it.k : 0;
    if (buf.avg_intercept != nullptr) *buf.avg_intercept = rep.intercept;
    if (buf.n_averaged != nullptr) *buf.n_averaged = rep.n_averaged;
    if (buf.avg_coef != nullptr && !(it.averaging() && it.k > 0))
        std::copy(buf.coef, buf.coef + d, buf.avg_coef);
    return st;
}

/// Solves K binary problems that share X (one-vs-rest), in parallel over problems.
/// Y is K x n (labels +-1), sw is K x n (or null), buffers are per problem; `alphas`
/// (length K, or null for p.penalty.alpha) gives each problem its own penalty strength.
/// Every problem uses the same seed, as scikit-learn's one-vs-rest does.
/// Each problem runs single-threaded; results are independent of n_threads.
template <class Rows, class T = typename Rows::value_type>
Status fit_many(const Rows& rows, const T* Y, const T* sw, std::int64_t sw_stride,
                const FitBuffers<T>* bufs, std::int64_t K, const FitParams& p,
                const double* alphas, Interrupt hook, int n_threads, FitReport* reps,
                Status* statuses) {
    const std::int64_t n = rows.n_rows;
    std::atomic<int> stop{0};
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (std::int64_t k = 0; k < K; ++k) {
        Poller poller(hook, thread_id() == 0, &stop);
        if (stop.load(std::memory_order_relaxed) != 0) {
            statuses[k] = Status::interrupted;
            continue;
        }
        FitParams pk = p;
        if (alphas != nullptr) pk.penalty.alpha = alphas[k];  // per-class (e.g. class weights)
        statuses[k] = fit(rows, Y + k * n, sw != nullptr ? sw + k * sw_stride : nullptr, bufs[k],
                          pk, EpochObserver<T>{}, poller, 1, reps[k]);
    }
    for (std::int64_t k = 0; k < K; ++k)
        if (statuses[k] != Status::ok) return statuses[k];
    return Status::ok;
}

GDFAST_END_NAMESPACE
