// gdfast L0: per-sample SGD (scikit-learn's algorithm), lazy L2 scale, cumulative L1
// (Tsuruoka et al., 2009), lazy averaging, prefetching of upcoming rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "config.hpp"
#include "epoch.hpp"
#include "iterate.hpp"
#include "params.hpp"
#include "rng.hpp"
#include "rows.hpp"
#include "schedule.hpp"
#include "status.hpp"

GDFAST_BEGIN_NAMESPACE

/// Rows of a per-sample epoch with the log loss whose loss value is still to be added to
/// the epoch's sum: the step needs only the slope at once, and the log1p of the value
/// (a long chain with two divisions) cost W3's epoch ~17% when evaluated row by row,
/// though nothing waits for it (C++ harness, 500,000 x 100 float64: 65 -> 54 ms with the
/// value dropped). `flush` evaluates the values of up to 16 rows in one vector loop and
/// adds them in row order: the sum has the bits of adding each row's `Loss::log_loss`.
struct PendingLogLoss {
    static constexpr int kSize = 16;
    double z[kSize] = {}, e[kSize] = {}, weight[kSize] = {};
    int count = 0;
    /// Queues one row (weight NaN for a row whose margin is not finite); true when full.
    bool add(double zi, double ei, double wi) noexcept {
        z[count] = zi;
        e[count] = ei;
        weight[count] = wi;
        return ++count == kSize;
    }
    double flush(double sum) noexcept {
        double value[kSize];
        for (int q = 0; q < kSize; ++q) value[q] = Loss::log_loss_value(z[q], e[q]);
        for (int q = 0; q < count; ++q) sum += weight[q] * value[q];
        count = 0;
        return sum;
    }
};

/// Runs per-sample SGD epochs on `it` (its v is the caller's coefficient buffer).
/// \param sw  normalized sample weights (mean 1) or null
/// \param check_indices  CSR whose column indices were not checked: the first epoch
///     (which visits every row) checks each row just before reading it, and returns
///     Status::bad_index at the first bad one. That saves a read of all indices before
///     the fit (W4: ~10% of a one-epoch fit, e.g. each partial_fit on sparse data).
template <class Rows, class T = typename Rows::value_type>
Status sgd_epochs(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                  ScaledIterate<T>& it, const FitParams& p, const StepRule& step,
                  EpochObserver<T> observer, Poller& poller, int n_threads,
                  FitReport& rep, bool check_indices = false) {
    const std::int64_t n = rows.n_rows;
    const double l2 = p.penalty.l2(), l1 = p.penalty.l1();
    const bool pa = p.schedule == Schedule::pa1 || p.schedule == Schedule::pa2;
    const bool defer_log = p.loss.kind == LossKind::log && !pa;  // (PA steps use the value)
    PendingLogLoss pending;
    std::vector<T> q;  // cumulative L1 penalty actually applied to each weight
    double u = 0.0;    // cumulative L1 penalty that could have been applied
    if (l1 > 0.0) q.assign(static_cast<std::size_t>(rows.n_cols), T(0));
    T* const v = it.v;

    std::vector<std::int64_t> order, block_ids;
    Rng rng(p.seed);
    if (!p.shuffle) {
        order.resize(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
    }
    EpochEnd<Rows, T> epoch_end(rows, y, sw, p, observer, poller, n_threads);
    // learning_rate="auto": the first epoch measures each row as it visits it (see
    // StepRule); `step` is then copied with the curvature of all rows.
    StepRule rule = step;
    bool measuring = rule.measures_rows();
    double r2 = 0.0;  // largest weighted row norm seen so far (while measuring)
    const double extra = p.fit_intercept ? 1.0 : 0.0;
    double t = p.t_start;
    double eta_fixed = p.eta0;  // constant / adaptive / pa
    // Rows prefetched ahead (into L2, see DenseRows): 40. One-epoch fits on AMD Zen 4
    // (Python, medians of 5), 12 -> 24 -> 36-48 rows ahead: W1 float64 62.9 -> 50.5-53.7
    // -> 48.8-50.4 ms, float32 41.7 -> 33.4-35.3 -> 30.4-31.2 ms, W3 float32 47.0 ->
    // 38.0-38.6 -> 34.3 ms; W4 alike (24-28 ms); none: W1 float64 79.5 ms. (12 was
    // chosen on an Intel Xeon.)
    constexpr std::int64_t kAhead = 40;
    // scikit-learn's stopping criterion averages loss + penalty over the samples of the
    // epoch, the penalty taken at the weights of each step: track Q = ||v||^2 and
    // A = ||v||_1 incrementally (exactly, O(nnz) per step) when a tol is set.
    const bool track_pen = p.tol >= 0.0 && (l2 > 0.0 || l1 > 0.0);
    double Q = 0.0, A = 0.0;
    const std::int64_t d = rows.n_cols;
    // Q's update needs the row's squared norm at every step. X averaging >= 8 values a
    // row keeps it here, summed the first time the row takes a step (-1: not yet) and
    // read in later epochs: the same T sum, so the same bits. 5-epoch fits, 1 thread,
    // tol=None against tol=1e-3, summed at every step -> kept: W1 float64 squared
    // 206-227 against 255-268 ms -> 217-223 against 221-236 ms; W4 hinge 103-107
    // against 135-136 -> 103-105 against 112-117; W3 float32 log 182-195 against
    // 208-214 -> 164-173 against 173-196.
    const bool cache_norms = track_pen && !(l1 > 0.0) && !pa && rows.nnz() >= 8 * n;
    std::vector<T> norms(cache_norms ? static_cast<std::size_t>(n) : 0, T(-1));
    T* const norms_p = norms.data();

    for (std::int64_t epoch = 1; epoch <= p.max_iter; ++epoch) {
        if (p.shuffle) shuffle_order(order, n, p.shuffle_block, rng, block_ids);
        const std::int64_t* ord = order.data();
        double sumloss = 0.0, wsum = 0.0, sumpen = 0.0;
        std::int64_t steps = 0;
        if (track_pen) {
            Q = 0.0;
            A = 0.0;
            for (std::int64_t j = 0; j < d; ++j) {
                Q += static_cast<double>(v[j]) * static_cast<double>(v[j]);
                A += std::fabs(static_cast<double>(v[j]));
            }
        }
        for (std::int64_t k = 0; k < n; ++k) {
            const std::int64_t i = ord[k];
            // indptr[i], y[i] and sw[i] of the row 2 kAhead ahead: in a shuffled order
            // they lie at random places, and rows.prefetch(i) reads indptr[i] -- a
            // prefetch waiting on a cache miss for its address holds up everything
            // behind it. One-epoch fit on W4, 1 thread (Python, medians), without ->
            // with: hinge 24.4 -> 22.6 ms, log 35.3 -> 29.8 ms; batch 256 (minibatch.hpp
            // does the same): 28.2 -> 25.2 and 35.4 -> 31.3 ms.
            if (k + 2 * kAhead < n) {
                prefetch_row_entries(rows, y, sw, ord[k + 2 * kAhead]);
                if (cache_norms) GDFAST_PREFETCH(norms_p + ord[k + 2 * kAhead]);
            }
            if (k + kAhead < n) rows.prefetch(ord[k + kAhead]);
            if constexpr (Rows::is_sparse) {
                if (check_indices && epoch == 1 && !rows.row_indices_ok(i)) {
                    it.finalize();
                    rep.n_iter = 0;
                    rep.t = t;
                    return Status::bad_index;
                }
            }
            if ((k & 1023) == 0 && poller.should_stop()) {
                it.finalize();
                rep.n_iter = epoch - 1;
                rep.t = t;
                return Status::interrupted;
            }
            T sq = 0;
            const double xv = static_cast<double>(measuring ? rows.dot_sq(i, v, sq) : rows.dot(i, v));
            const double pred = it.scale * xv + it.b;
            const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
            double eta;
            if (measuring) {
                r2 = std::max(r2, row_bound(rows, i, sq, si, extra));  // (NaN: not taken)
                if (!std::isfinite(r2)) {  // squared row norms overflow double: no step exists
                    it.finalize();
                    rep.t = t;
                    return row_overflow(epoch, rep);
                }
                eta = rule.eta_rows(t, r2);
            } else {
                eta = (p.schedule == Schedule::constant || p.schedule == Schedule::adaptive || pa)
                          ? eta_fixed
                          : rule.eta(t);
            }
            // A non-finite margin (X holds NaN/inf, or the weights diverged) makes the
            // epoch's loss NaN, which stops the fit: the loss itself can be finite there
            // (hinge or log at a margin of +inf is 0), so the row would pass unnoticed.
            double dl, loss = 0.0;
            if (defer_log) {
                double z, e;
                dl = Loss::log_loss_slope(static_cast<double>(y[i]), pred, z, e);
                if (pending.add(z, e, std::isfinite(pred) ? si : NAN)) sumloss = pending.flush(sumloss);
            } else {
                loss = p.loss.eval_row(static_cast<double>(y[i]), pred, dl);
                sumloss += si * (std::isfinite(pred) ? loss : NAN);
            }
            wsum += si;
            if (track_pen) {
                sumpen += 0.5 * l2 * it.scale * it.scale * Q + l1 * std::fabs(it.scale) * A;
                ++steps;
            }
            double update;
            if (pa) {
                const double nrm = static_cast<double>(rows.sq_norm(i));
                double size;
                if (p.schedule == Schedule::pa1) {
                    if (nrm == 0.0) continue;  // as scikit-learn: no step, t unchanged
                    size = std::min(p.eta0, loss / nrm);
                } else {
                    size = loss / (nrm + 0.5 / p.eta0);
                }
                update = dl > 0.0 ? -size : (dl < 0.0 ? size : 0.0);
            } else {
                dl = std::clamp(dl, -1e12, 1e12);
                update = -eta * dl;
            }
            update *= si;
            if (l2 > 0.0) {
                const double f = std::max(0.0, 1.0 - eta * l2);
                it.shrink(f);
                if (f == 0.0) Q = A = 0.0;
            }
            if (update != 0.0) {
                const double c = update / it.scale;
                if (track_pen && l1 > 0.0) {  // exact |v_j| bookkeeping needs the old values
                    const auto cT = static_cast<T>(c);
                    rows.for_each(i, [&](std::int64_t j, T x) {
                        const double old = static_cast<double>(v[j]);
                        v[j] += cT * x;
                        const double nw = static_cast<double>(v[j]);
                        Q += nw * nw - old * old;
                        A += std::fabs(nw) - std::fabs(old);
                    });
                } else {
                    if (track_pen) {
                        T sq;
                        if (cache_norms) {
                            sq = norms_p[i];
                            if (sq < T(0)) norms_p[i] = sq = rows.sq_norm(i);
                        } else {
                            sq = rows.sq_norm(i);
                        }
                        Q += 2.0 * c * xv + c * c * static_cast<double>(sq);
                    }
                    rows.axpy(i, static_cast<T>(c), v);
                }
                if (it.S != 0.0) rows.axpy(i, static_cast<T>(it.S * c), it.U.data());
            }
            if (p.fit_intercept) it.b += update * p.intercept_decay;
            if (l1 > 0.0) {
                u += eta * l1;
                const double sc = it.scale, S = it.S;
                T* const qq = q.data();
                T* const U = it.U.data();
                rows.for_each(i, [&](std::int64_t j, T x) {
                    // Only the features present in the row are truncated (stored zeros
                    // of a dense row are skipped, so dense and CSR give the same model).
                    if (x == T(0)) return;
                    const double z = static_cast<double>(v[j]);
                    double nv = z;
                    if (sc * z > 0.0) {
                        nv = std::max(0.0, z - (u + static_cast<double>(qq[j])) / sc);
                    } else if (sc * z < 0.0) {
                        nv = std::min(0.0, z + (u - static_cast<double>(qq[j])) / sc);
                    }
                    if (nv != z) {
                        v[j] = static_cast<T>(nv);
                        if (S != 0.0) U[j] += static_cast<T>(S * (nv - z));
                        if (track_pen) {
                            Q += nv * nv - z * z;
                            A += std::fabs(nv) - std::fabs(z);
                        }
                    }
                    qq[j] += static_cast<T>(sc * (nv - z));
                });
            }
            it.end_step(t);
            const double before = it.scale;
            it.maybe_rescale();
            if (it.scale != before) {  // v was multiplied by `before`
                Q *= before * before;
                A *= std::fabs(before);
            }
            t += 1.0;
        }
        if (pending.count > 0) sumloss = pending.flush(sumloss);
        rep.n_iter = epoch;
        rep.t = t;
        if (measuring) {  // every row was visited
            measuring = false;
            rule.curvature = rule.curvature_for(r2);
        }
        double eta_now = (p.schedule == Schedule::constant || p.schedule == Schedule::adaptive || pa)
                             ? eta_fixed
                             : rule.eta(t);
        const EpochVerdict verdict =
            epoch_end(epoch, t, wsum > 0.0 ? sumloss / wsum : 0.0,
                      track_pen && steps > 0 ? sumpen / static_cast<double>(steps) : NAN, eta_now,
                      it, rep);
        if (p.schedule == Schedule::adaptive) eta_fixed = eta_now;
        rep.final_eta = eta_now;
        if (verdict == EpochVerdict::diverged) return Status::non_finite;
        if (verdict == EpochVerdict::stop_interrupted) {
            it.finalize();
            return Status::interrupted;
        }
        if (verdict == EpochVerdict::converged) {
            rep.converged = true;
            break;
        }
    }
    return Status::ok;
}

GDFAST_END_NAMESPACE
