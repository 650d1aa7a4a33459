// gdfast L0: OpenMP mini-batch SGD. One parallel region per epoch (not a fork/join per
// batch); every scalar of the update is computed redundantly by every thread from the
// same inputs (no shared scalar writes), and the result has the same bits for any
// thread count.
//
// Dense X: each thread owns a fixed range of column chunks (the chunks depend only on
// n_cols). Per batch it computes the partial dot products of the batch's rows over its
// own chunks, one barrier publishes them, every thread sums the chunk partials in chunk
// order (so margins do not depend on the thread count), evaluates the losses and adds
// the batch's gradient into its own columns. X's bytes and v's columns are each touched
// by one thread only; the next batch needs no barrier because a thread only reads the
// columns of v it wrote itself. The partials are double-buffered by batch parity.
//
// CSR X: (A) the rows of the batch are split among threads, which compute margins and
// slopes; (B) the columns are split, each thread adding the batch's gradient into its
// own columns; two barriers per batch.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "aligned.hpp"
#include "config.hpp"
#include "epoch.hpp"
#include "iterate.hpp"
#include "parallel.hpp"
#include "params.hpp"
#include "penalty.hpp"
#include "rng.hpp"
#include "rows.hpp"
#include "schedule.hpp"
#include "status.hpp"

GDFAST_BEGIN_NAMESPACE

/// Fixed column chunks of the dense mini-batch kernel: a function of n_cols only.
/// Chunks are whole multiples of 16 columns (cache-line aligned for float32/64 rows),
/// at least ~48 columns each (a partial dot costs a horizontal sum), at most 16.
struct ColumnChunks {
    std::int64_t n_cols = 0, count = 1, units = 1;
    explicit ColumnChunks(std::int64_t d) noexcept : n_cols(d) {
        units = std::max<std::int64_t>(1, (d + 15) / 16);
        count = std::clamp<std::int64_t>(d / 48, 1, std::min<std::int64_t>(16, units));
    }
    std::int64_t begin(std::int64_t c) const noexcept {
        return std::min(n_cols, 16 * (units * c / count));
    }
    std::int64_t end(std::int64_t c) const noexcept { return begin(c + 1); }
};

template <class Rows, class T = typename Rows::value_type>
Status minibatch_epochs_impl(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                        ScaledIterate<T>& it, const FitParams& p, const StepRule& step,
                        EpochObserver<T> observer, Poller& poller, int n_threads,
                        FitReport& rep) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    const std::int64_t B = std::max<std::int64_t>(1, std::min(p.batch_size, n));
    const double l2 = p.penalty.l2(), l1 = p.penalty.l1();
    const double mu = p.momentum;
    const bool use_momentum = mu > 0.0;
    // CSR only: the batch's slopes, losses and weights shared between the two phases
    const auto shared = static_cast<std::size_t>(Rows::is_sparse ? B : 0);
    std::vector<double> slope(shared), lossv(shared), wts(shared);
    AlignedVector<T> vel, grad;  // aligned: threads write column ranges
    double vel_b = 0.0;
    if (use_momentum) {
        it.finalize();  // momentum keeps scale == 1 (the velocity is not lazy)
        vel.assign(static_cast<std::size_t>(d), T(0));
        grad.assign(static_cast<std::size_t>(d), T(0));
    }
    std::vector<std::int64_t> order, block_ids;
    Rng rng(p.seed);
    if (!p.shuffle) {
        order.resize(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
    }
    EpochEnd<Rows, T> epoch_end(rows, y, sw, p, observer, poller, n_threads);
    double t = p.t_start;
    double eta_fixed = p.eta0;
    const bool fixed = p.schedule == Schedule::constant || p.schedule == Schedule::adaptive;
    const std::int64_t n_batches = (n + B - 1) / B;
    constexpr std::int64_t kAhead = 6;
    constexpr std::int64_t kAheadDense = 12;  // the dot loop alone runs faster: look further  // the dot loop alone runs faster: look further
    constexpr bool dense = !Rows::is_sparse;
    const ColumnChunks chunks(d);
    const std::int64_t C = chunks.count;
    // Dense: a thread per chunk at most. The partial dots, two batches' worth.
    const int nt = dense ? static_cast<int>(std::min<std::int64_t>(std::max(1, n_threads), C))
                         : std::max(1, n_threads);
    std::vector<T> partial(dense ? static_cast<std::size_t>(2 * B * C) : 0);

    for (std::int64_t epoch = 1; epoch <= p.max_iter; ++epoch) {
        if (p.shuffle) shuffle_order(order, n, p.shuffle_block, rng, block_ids);
        const std::int64_t* ord = order.data();
        double sumloss = 0.0, wsum = 0.0;
        int stop = 0;
        int stop_at[2] = {0, 0};  // dense: the poll result of the batch of that parity
        T* const part_p = partial.data();
        T* const v = it.v;
        T* const U = it.averaging() ? it.U.data() : nullptr;
        double* const slope_p = slope.data();
        double* const loss_p = lossv.data();
        double* const wts_p = wts.data();

#pragma omp parallel num_threads(nt)
        {
            const std::int64_t tid = thread_id(), team = team_size();
            std::int64_t j0, j1, c0 = 0, c1 = 0;
            if constexpr (dense) {
                split_range(C, team, tid, c0, c1);
                j0 = chunks.begin(c0);
                j1 = chunks.begin(c1);
            } else {
                split_range(d, team, tid, j0, j1);
            }
            // Dense: this thread's copy of the batch's slopes (every thread computes all).
            std::vector<double> own_slope(dense ? static_cast<std::size_t>(B) : 0);
            double* const sl = dense ? own_slope.data() : slope_p;
            // Thread-private copies of the scalar state; all threads update them alike.
            double scale = it.scale, b = it.b, S = it.S, avg_b = it.avg_b, tt = t, vb = vel_b;
            std::int64_t kavg = it.k;
            double my_loss = 0.0, my_w = 0.0;
            for (std::int64_t bi = 0; bi < n_batches; ++bi) {
                const std::int64_t r0 = bi * B, r1 = std::min(n, r0 + B), nb = r1 - r0;
                double gsum = 0.0, wb = 0.0;
                if constexpr (dense) {
                    const int parity = static_cast<int>(bi & 1);
                    if (tid == 0) stop_at[parity] = poller.should_stop() ? 1 : 0;
                    T* const pb = part_p + parity * B * C;
                    auto ahead = [&](std::int64_t k) {
                        if (k + kAheadDense < n) {
                            const std::int64_t ia = ord[k + kAheadDense];
                            rows.prefetch_cols(ia, j0, j1);
                            GDFAST_PREFETCH(y + ia);
                            if (sw != nullptr) GDFAST_PREFETCH(sw + ia);
                        }
                    };
                    std::int64_t k = r0;
                    for (; k + 4 <= r1; k += 4) {  // four rows share the loads of v
                        for (int u = 0; u < 4; ++u) ahead(k + u);
                        const T *x0 = rows.row(ord[k]), *x1 = rows.row(ord[k + 1]),
                                *x2 = rows.row(ord[k + 2]), *x3 = rows.row(ord[k + 3]);
                        for (std::int64_t c = c0; c < c1; ++c) {
                            const std::int64_t a = chunks.begin(c);
                            T out[4];
                            simd::dot4(x0 + a, x1 + a, x2 + a, x3 + a, v + a, chunks.end(c) - a, out);
                            for (int u = 0; u < 4; ++u) pb[(k + u - r0) * C + c] = out[u];
                        }
                    }
                    for (; k < r1; ++k) {
                        ahead(k);
                        const T* const row = rows.row(ord[k]);
                        for (std::int64_t c = c0; c < c1; ++c) {
                            const std::int64_t a = chunks.begin(c);
                            pb[(k - r0) * C + c] = simd::dot(row + a, v + a, chunks.end(c) - a);
                        }
                    }
#pragma omp barrier
                    if (stop_at[parity] != 0) break;
                    for (std::int64_t k = 0; k < nb; ++k) {
                        const std::int64_t i = ord[r0 + k];
                        double xv = 0.0;
                        for (std::int64_t c = 0; c < C; ++c) xv += static_cast<double>(pb[k * C + c]);
                        double dl;
                        const double l = p.loss.eval(static_cast<double>(y[i]), scale * xv + b, dl);
                        const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
                        sl[k] = si * std::clamp(dl, -1e12, 1e12);
                        gsum += sl[k];
                        wb += si;
                        my_loss += si * l;
                    }
                } else {
                    if (tid == 0 && poller.should_stop()) stop = 1;
#pragma omp for schedule(static)
                    for (std::int64_t k = r0; k < r1; ++k) {
                        const std::int64_t i = ord[k];
                        if (k + kAhead < n) rows.prefetch(ord[k + kAhead]);
                        const double pred = scale * static_cast<double>(rows.dot(i, v)) + b;
                        double dl;
                        const double l = p.loss.eval(static_cast<double>(y[i]), pred, dl);
                        const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
                        slope_p[k - r0] = si * std::clamp(dl, -1e12, 1e12);
                        loss_p[k - r0] = si * l;
                        wts_p[k - r0] = si;
                    }
                    // (implicit barrier: slopes complete; `stop` visible)
                    if (stop != 0) break;
                    for (std::int64_t k = 0; k < nb; ++k) {
                        gsum += slope_p[k];
                        wb += wts_p[k];
                        my_loss += loss_p[k];
                    }
                }
                my_w += wb;
                const double eta = fixed ? eta_fixed : step.eta(tt);
                if (wb > 0.0) {
                    if (!use_momentum) {
                        const double f = std::max(0.0, 1.0 - eta * l2);
                        if (f > 0.0) {
                            scale *= f;
                        } else {  // weights collapse to zero: fold the segment, zero v
                            for (std::int64_t j = j0; j < j1; ++j) {
                                if (U != nullptr && S != 0.0) {
                                    it.base[j] = static_cast<T>(static_cast<double>(it.base[j]) + S * static_cast<double>(v[j]) - static_cast<double>(U[j]));
                                    U[j] = T(0);
                                }
                                v[j] = T(0);
                            }
                            S = 0.0;
                            scale = 1.0;
                        }
                        const double c = -eta / (wb * scale);
                        for (std::int64_t k = 0; k < nb; ++k) {
                            if (sl[k] == 0.0) continue;
                            const auto ck = static_cast<T>(c * sl[k]);
                            rows.axpy_cols(ord[r0 + k], ck, v, j0, j1);
                            if (U != nullptr && S != 0.0)
                                rows.axpy_cols(ord[r0 + k], static_cast<T>(S * c * sl[k]), U, j0, j1);
                        }
                        if (l1 > 0.0) {
                            const auto thr = static_cast<T>(eta * l1 / scale);
                            for (std::int64_t j = j0; j < j1; ++j) {
                                const T nv = soft_threshold(v[j], thr);
                                if (U != nullptr && S != 0.0) U[j] += static_cast<T>(S * static_cast<double>(nv - v[j]));
                                v[j] = nv;
                            }
                        }
                        if (p.fit_intercept) b -= eta * gsum / wb;
                    } else {
                        T* const g = grad.data();
                        T* const vl = vel.data();
                        for (std::int64_t j = j0; j < j1; ++j) g[j] = static_cast<T>(l2 * static_cast<double>(v[j]));
                        const double inv = 1.0 / wb;
                        for (std::int64_t k = 0; k < nb; ++k)
                            if (sl[k] != 0.0)
                                rows.axpy_cols(ord[r0 + k], static_cast<T>(inv * sl[k]), g, j0, j1);
                        for (std::int64_t j = j0; j < j1; ++j) {
                            const double gj = static_cast<double>(g[j]);
                            const double vj = static_cast<double>(vl[j]);
                            const double nvel = mu * vj - eta * gj;
                            // Nesterov in Bengio's form: v holds the look-ahead point.
                            double step_j = p.nesterov ? mu * mu * vj - (1.0 + mu) * eta * gj : nvel;
                            double nw = static_cast<double>(v[j]) + step_j;
                            if (l1 > 0.0) nw = soft_threshold(nw, eta * l1);
                            if (U != nullptr && S != 0.0) U[j] += static_cast<T>(S * (nw - static_cast<double>(v[j])));
                            vl[j] = static_cast<T>(nvel);
                            v[j] = static_cast<T>(nw);
                        }
                        if (p.fit_intercept) {
                            const double gb = gsum / wb;
                            const double nvb = mu * vb - eta * gb;
                            b += p.nesterov ? mu * mu * vb - (1.0 + mu) * eta * gb : nvb;
                            vb = nvb;
                        }
                    }
                }
                if (it.average_start > 0 && tt >= static_cast<double>(it.average_start)) {
                    S += scale;
                    ++kavg;
                    avg_b += (b - avg_b) / static_cast<double>(kavg);
                }
                if (scale < (U != nullptr ? 1e-4 : 1e-9)) {
                    for (std::int64_t j = j0; j < j1; ++j) {
                        if (U != nullptr && S != 0.0) {
                            it.base[j] = static_cast<T>(static_cast<double>(it.base[j]) + S * static_cast<double>(v[j]) - static_cast<double>(U[j]));
                            U[j] = T(0);
                        }
                        v[j] = static_cast<T>(static_cast<double>(v[j]) * scale);
                    }
                    S = 0.0;
                    scale = 1.0;
                }
                tt += 1.0;
                if constexpr (!dense) {
#pragma omp barrier
                }
            }
            if (tid == 0) {
                vel_b = vb;
                it.scale = scale;
                it.b = b;
                it.S = S;
                it.k = kavg;
                it.avg_b = avg_b;
                t = tt;
                sumloss = my_loss;
                wsum = my_w;
            }
        }
        if (stop_at[0] != 0 || stop_at[1] != 0) stop = 1;
        rep.n_iter = stop != 0 ? epoch - 1 : epoch;
        rep.t = t;
        if (stop != 0) return Status::interrupted;
        double eta_now = fixed ? eta_fixed : step.eta(t);
        const EpochVerdict verdict =
            epoch_end(epoch, t, wsum > 0.0 ? sumloss / wsum : 0.0, NAN, eta_now, it, rep);
        if (p.schedule == Schedule::adaptive) eta_fixed = eta_now;
        rep.final_eta = eta_now;
        if (verdict == EpochVerdict::diverged) return Status::non_finite;
        if (verdict == EpochVerdict::stop_interrupted) return Status::interrupted;
        if (verdict == EpochVerdict::converged) {
            rep.converged = true;
            break;
        }
    }
    return Status::ok;
}

/// Mini-batch SGD epochs (see the top of this file). Threads write disjoint column
/// ranges of the iterate, so it is kept in a cache-line aligned copy while they run:
/// the caller's buffer may share a cache line across a range boundary.
template <class Rows, class T = typename Rows::value_type>
Status minibatch_epochs(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                        ScaledIterate<T>& it, const FitParams& p, const StepRule& step,
                        EpochObserver<T> observer, Poller& poller, int n_threads,
                        FitReport& rep) {
    struct Restore {
        ScaledIterate<T>& it;
        T* user;
        AlignedVector<T> work;
        ~Restore() {
            std::copy(work.begin(), work.end(), user);
            it.v = user;
        }
    } guard{it, it.v, AlignedVector<T>(it.v, it.v + it.d)};
    it.v = guard.work.data();
    return minibatch_epochs_impl(rows, y, sw, it, p, step, observer, poller, n_threads, rep);
}

GDFAST_END_NAMESPACE
