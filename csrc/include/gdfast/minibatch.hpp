// gdfast L0: OpenMP mini-batch SGD. One parallel region per epoch (not a fork/join per
// batch); every scalar of the update is computed redundantly by every thread from the
// same inputs (no shared scalar writes), and the result has the same bits for any
// thread count.
//
// Dense X -- each row read once, one barrier per batch. A batch is cut into fixed row
// groups (a function of the batch size only). Each thread owns a range of groups; for
// each of its rows it computes the margin, the loss and the slope, and adds the row's
// gradient into its group's buffer while the row is still in L1 (four rows at a time,
// as in the fused pass of objective.hpp). One barrier publishes the group buffers;
// every thread then sums them in group order and applies the same step to its own
// private copy of the iterate. That costs O(n_cols * groups) per batch, small next to
// the batch's rows, and keeps the copies identical, so the next batch needs no barrier.
// Group buffers and sums are double-buffered by batch parity: a thread can run one
// batch ahead of the slowest reader, never two (it must pass the next barrier first).
//
// CSR X: (A) the rows of the batch are split among threads, which compute margins and
// slopes; (B) the columns are split, each thread adding the batch's gradient into its
// own columns; two barriers per batch. (A private iterate per thread would cost
// O(n_cols) per batch, which for wide sparse data exceeds the batch's own work.) In (A)
// each row's positions where its columns cross the threads' ranges are found too
// (CsrRows::cuts_at), so that in (B) a thread reads only its own part of each row; a
// row whose indices are not sorted is scanned whole, each value tested. The threads'
// column ranges start at multiples of 16 columns: the vector loops over a range (the L1
// step, the averaging, momentum) and their scalar remainders can round differently (FMA
// contraction, seen with AVX-512), so with ranges starting anywhere a column at the end
// of one team's range but inside another team's got different bits (1 ulp of the
// averaged coefficients, d = 301 on 4 threads); aligned, every column is updated by the
// same code for any team, and ranges do not share cache lines.
#pragma once

#include <algorithm>
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
#include "simd.hpp"
#include "status.hpp"

GDFAST_BEGIN_NAMESPACE

/// Fixed row groups of the dense mini-batch kernel: a function of the batch size only.
/// Groups of >= 32 rows (a group buffer is zeroed and summed once per batch: n_cols per
/// group, against 2 n_cols per row for the rows), at most 16; batches of 16 to 63 rows
/// still get two groups (of >= 8 rows), so that two threads can share them.
struct RowGroups {
    std::int64_t count = 1;
    explicit RowGroups(std::int64_t batch) noexcept
        : count(std::max<std::int64_t>(
              1, std::clamp<std::int64_t>(batch / 32, std::min<std::int64_t>(batch / 8, 2), 16))) {}
    /// First row of group g, relative to the start of a batch of nb rows.
    std::int64_t begin(std::int64_t g, std::int64_t nb) const noexcept { return nb * g / count; }
};

/// The scalar state of the iterate; every thread keeps a copy and updates it alike.
struct BatchScalars {
    double scale = 1.0, b = 0.0, S = 0.0, avg_b = 0.0, t = 0.0, vb = 0.0;
    double r2 = 0.0;  ///< learning_rate="auto", first epoch: largest row bound seen so far
    std::int64_t k = 0;
};

/// The columns [j0, j1) of the arrays a thread updates. U / base: averaging (else null);
/// vel / g: momentum (else null).
template <class T>
struct ColumnView {
    T* v = nullptr;
    T* U = nullptr;
    T* base = nullptr;
    T* vel = nullptr;
    T* g = nullptr;
    std::int64_t j0 = 0, j1 = 0;
};

/// One batch's step on columns [j0, j1). `add_grad(c, out)` adds c times the batch's
/// gradient sum (sum_k slope_k x_k) into out[j0:j1); gsum / wb are the summed slopes and
/// sample weights of the batch (wb > 0).
template <class T, class AddGrad>
inline void apply_batch(const ColumnView<T>& cv, BatchScalars& s, double gsum, double wb,
                        double eta, const FitParams& p, AddGrad&& add_grad) {
    const double l2 = p.penalty.l2(), l1 = p.penalty.l1(), mu = p.momentum;
    T* const v = cv.v;
    T* const U = cv.U;
    if (!(mu > 0.0)) {
        const double f = std::max(0.0, 1.0 - eta * l2);
        if (f > 0.0) {
            s.scale *= f;
        } else {  // weights collapse to zero: fold the segment, zero v
            for (std::int64_t j = cv.j0; j < cv.j1; ++j) {
                if (U != nullptr && s.S != 0.0) {
                    cv.base[j] = static_cast<T>(static_cast<double>(cv.base[j]) + s.S * static_cast<double>(v[j]) -
                                                static_cast<double>(U[j]));
                    U[j] = T(0);
                }
                v[j] = T(0);
            }
            s.S = 0.0;
            s.scale = 1.0;
        }
        const double c = -eta / (wb * s.scale);
        add_grad(c, v);
        if (U != nullptr && s.S != 0.0) add_grad(s.S * c, U);
        if (l1 > 0.0) {
            const auto thr = static_cast<T>(eta * l1 / s.scale);
            for (std::int64_t j = cv.j0; j < cv.j1; ++j) {
                const T nv = soft_threshold(v[j], thr);
                if (U != nullptr && s.S != 0.0) U[j] += static_cast<T>(s.S * static_cast<double>(nv - v[j]));
                v[j] = nv;
            }
        }
        if (p.fit_intercept) s.b -= eta * gsum / wb;
    } else {
        T* const g = cv.g;
        T* const vl = cv.vel;
        for (std::int64_t j = cv.j0; j < cv.j1; ++j) g[j] = static_cast<T>(l2 * static_cast<double>(v[j]));
        add_grad(1.0 / wb, g);
        for (std::int64_t j = cv.j0; j < cv.j1; ++j) {
            const double gj = static_cast<double>(g[j]);
            const double vj = static_cast<double>(vl[j]);
            const double nvel = mu * vj - eta * gj;
            // Nesterov in Bengio's form: v holds the look-ahead point.
            const double step_j = p.nesterov ? mu * mu * vj - (1.0 + mu) * eta * gj : nvel;
            double nw = static_cast<double>(v[j]) + step_j;
            if (l1 > 0.0) nw = soft_threshold(nw, eta * l1);
            if (U != nullptr && s.S != 0.0) U[j] += static_cast<T>(s.S * (nw - static_cast<double>(v[j])));
            vl[j] = static_cast<T>(nvel);
            v[j] = static_cast<T>(nw);
        }
        if (p.fit_intercept) {
            const double gb = gsum / wb;
            const double nvb = mu * s.vb - eta * gb;
            s.b += p.nesterov ? mu * mu * s.vb - (1.0 + mu) * eta * gb : nvb;
            s.vb = nvb;
        }
    }
}

/// Closes a batch: accumulates the average, rescales v when the scale gets small.
template <class T>
inline void end_batch(const ColumnView<T>& cv, BatchScalars& s, std::int64_t average_start) {
    if (average_start > 0 && s.t >= static_cast<double>(average_start)) {
        s.S += s.scale;
        ++s.k;
        s.avg_b += (s.b - s.avg_b) / static_cast<double>(s.k);
    }
    if (s.scale < (cv.U != nullptr ? 1e-4 : 1e-9)) {
        for (std::int64_t j = cv.j0; j < cv.j1; ++j) {
            if (cv.U != nullptr && s.S != 0.0) {
                cv.base[j] = static_cast<T>(static_cast<double>(cv.base[j]) + s.S * static_cast<double>(cv.v[j]) -
                                            static_cast<double>(cv.U[j]));
                cv.U[j] = T(0);
            }
            cv.v[j] = static_cast<T>(static_cast<double>(cv.v[j]) * s.scale);
        }
        s.S = 0.0;
        s.scale = 1.0;
    }
    s.t += 1.0;
}

namespace detail {

template <class T>
BatchScalars scalars_of(const ScaledIterate<T>& it, double t, double vel_b) {
    BatchScalars s;
    s.scale = it.scale;
    s.b = it.b;
    s.S = it.S;
    s.avg_b = it.avg_b;
    s.t = t;
    s.vb = vel_b;
    s.k = it.k;
    return s;
}

template <class T>
void store_scalars(const BatchScalars& s, ScaledIterate<T>& it, double& t, double& vel_b) {
    it.scale = s.scale;
    it.b = s.b;
    it.S = s.S;
    it.avg_b = s.avg_b;
    it.k = s.k;
    t = s.t;
    vel_b = s.vb;
}

/// Loss sums of one row group (own cache line: groups are written by different threads).
struct alignas(kCacheLine) GroupSums {
    double slope = 0.0, weight = 0.0, loss = 0.0;
    double r2 = 0.0;  ///< largest row bound of the group (while the rows are measured)
};

}  // namespace detail

/// Shared epoch bookkeeping of both kernels: shuffling, the step rule, the epoch end.
template <class Rows, class T>
struct MinibatchDriver {
    const FitParams& p;
    StepRule step;
    // learning_rate="auto": the first epoch measures each row (see StepRule); the
    // kernel's largest row bound at the epoch's end goes to r2.
    bool measuring;
    double r2 = 0.0;
    std::vector<std::int64_t> order, block_ids;
    Rng rng;
    EpochEnd<Rows, T> epoch_end;
    double t;
    double eta_fixed;
    bool fixed;

    MinibatchDriver(const Rows& rows, const T* y, const T* sw, const FitParams& params,
                    const StepRule& s, EpochObserver<T> observer, Poller& poller, int n_threads)
        : p(params), step(s), measuring(s.measures_rows()), rng(params.seed),
          epoch_end(rows, y, sw, params, observer, poller, n_threads), t(params.t_start),
          eta_fixed(params.eta0),
          fixed(params.schedule == Schedule::constant || params.schedule == Schedule::adaptive) {
        if (!p.shuffle) {
            order.resize(static_cast<std::size_t>(rows.n_rows));
            for (std::int64_t i = 0; i < rows.n_rows; ++i) order[static_cast<std::size_t>(i)] = i;
        }
    }
    const std::int64_t* begin_epoch(std::int64_t n) {
        if (p.shuffle) shuffle_order(order, n, p.shuffle_block, rng, block_ids, order_parts());
        return order.data();
    }
    /// Batches of whole groups of blocks (at least kShuffleGroup blocks) visit each group
    /// in two parts of 8 blocks (shuffle_order's `parts`): the same rows per batch, read
    /// as 8 instead of 16 interleaved streams, and on 2 threads each thread reads whole
    /// blocks of its own. Fixed at 2 for any thread count (the order, hence the bits,
    /// must not depend on it). C++ harness, 500,000 x 100 dense, blocks of 16, batch 256,
    /// epoch ms, 3 interleaved rounds, 1 part -> 2: float32 1 thread 16.3-17.2 ->
    /// 14.4-15.9, 2 threads 11.6-12.4 -> 9.7-10.4; float64 32.3-33.2 -> 30.1-31.8 and
    /// 19.0-21.5 -> 17.3-18.0 (4 parts: 2 threads alike, 1 thread slower). Python, next
    /// epoch, W1-W3 (2 runs): 1 thread 1-9% faster, 2 threads 7-16% (W3 float64
    /// 20.3-21.5 -> 17.4-18.3 ms); W4 (CSR, 1 thread) 1-8%.
    std::int64_t order_parts() const {
        const std::int64_t blk = std::max<std::int64_t>(1, p.shuffle_block);
        return blk > 1 && p.batch_size / kShuffleGroup >= blk ? 2 : 1;
    }
    double eta(double tt) const { return fixed ? eta_fixed : step.eta(tt); }
    /// The step of the batch at tt; r2: the largest row bound so far, the batch's included.
    double batch_eta(double tt, double r2_seen) const {
        return measuring ? step.eta_rows(tt, r2_seen) : eta(tt);
    }
    /// After an epoch's batches: 0 continue, 1 stop with `st` (ok / converged included).
    bool end_epoch(std::int64_t epoch, bool stopped, double sumloss, double wsum,
                   ScaledIterate<T>& it, FitReport& rep, Status& st) {
        rep.n_iter = stopped ? epoch - 1 : epoch;
        rep.t = t;
        if (stopped) {
            st = Status::interrupted;
            return true;
        }
        if (measuring) {  // every row was visited
            measuring = false;
            step.curvature = step.curvature_for(r2);
        }
        double eta_now = eta(t);
        const EpochVerdict verdict =
            epoch_end(epoch, t, wsum > 0.0 ? sumloss / wsum : 0.0, NAN, eta_now, it, rep);
        if (p.schedule == Schedule::adaptive) eta_fixed = eta_now;
        rep.final_eta = eta_now;
        st = Status::ok;
        if (verdict == EpochVerdict::diverged) {
            st = Status::non_finite;
            return true;
        }
        if (verdict == EpochVerdict::stop_interrupted) {
            st = Status::interrupted;
            return true;
        }
        if (verdict == EpochVerdict::converged) {
            rep.converged = true;
            return true;
        }
        return false;
    }
};

/// Dense kernel (see the top of this file).
template <class Rows, class T = typename Rows::value_type>
Status minibatch_dense(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                       ScaledIterate<T>& it, const FitParams& p, const StepRule& step,
                       EpochObserver<T> observer, Poller& poller, int n_threads, FitReport& rep) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    const std::int64_t B = std::max<std::int64_t>(1, std::min(p.batch_size, n));
    const bool use_momentum = p.momentum > 0.0;
    if (use_momentum) it.finalize();  // momentum keeps scale == 1 (the velocity is not lazy)
    const RowGroups groups(B);
    const std::int64_t G = groups.count;
    // Group buffers start on cache lines: they are written by different threads.
    constexpr auto kLine = static_cast<std::int64_t>(kCacheLine / sizeof(T));
    const std::int64_t ld = (d + kLine - 1) / kLine * kLine;
    AlignedVector<T> gbuf(static_cast<std::size_t>(2 * G * ld));
    std::vector<detail::GroupSums> gsums(static_cast<std::size_t>(2 * G));
    AlignedVector<T> vel(use_momentum ? static_cast<std::size_t>(d) : 0, T(0));
    double vel_b = 0.0;
    MinibatchDriver<Rows, T> drv(rows, y, sw, p, step, observer, poller, n_threads);
    const std::int64_t n_batches = (n + B - 1) / B;
    const int nt = static_cast<int>(std::min<std::int64_t>(std::max(1, n_threads), G));
    const double extra = p.fit_intercept ? 1.0 : 0.0;
    // Rows left over after the four-row loop: prefetched 12 ahead, into L2 (4 to 16: alike).
    constexpr std::int64_t kAhead = 12;
    // Dense rows, four at a time: the row ~24 KiB ahead in visiting order is prefetched
    // into L2 (up to 2 KiB of it, rows.prefetch) when it starts a run -- when it does
    // not follow the row before it in X, where the hardware streamer would not look.
    // Next epoch at batch 256 on AMD Zen 4 (Python, medians of 5; blocks of 16 rows),
    // 1 / 2 threads, against the previous scheme (every row ~12 KiB ahead into L1, a
    // line per vector step of dot4 / axpy4, tuned on an Intel Xeon): W1 float64
    // 33.6-35.4 -> 25.5-26.1 / 22.1-22.2 -> 16.7-18.0 ms, float32 16.8-17.1 -> 15.2-16.1
    // / 11.2-13.0 -> 9.8-10.7 ms; W3 float64 33.8-39.8 -> 30.5-31.0 ms (1 thread). No
    // prefetch at all: 38.2 / 23.4 ms (W1 float64); only the run starts, 12 KiB ahead:
    // 28.0-29.0 / 17.5-19.1 ms; 48 KiB ahead: as 24.
    const std::int64_t rows_ahead = std::clamp<std::int64_t>(
        24576 / std::max<std::int64_t>(1, d * static_cast<std::int64_t>(sizeof(T))), 4, 64);

    // Per-thread buffers, allocated here: an allocation failure inside the parallel
    // region could not propagate (it would terminate the process).
    struct Private {
        AlignedVector<T> v, gtot, U, base, vl, gr;
    };
    std::vector<Private> priv(static_cast<std::size_t>(nt));
    const auto du = static_cast<std::size_t>(d);
    for (Private& q : priv) {
        q.v.resize(du);
        q.gtot.resize(du);
        if (it.averaging()) {
            q.U.resize(du);
            q.base.resize(du);
        }
        if (use_momentum) {
            q.vl.resize(du);
            q.gr.assign(du, T(0));
        }
    }

    for (std::int64_t epoch = 1; epoch <= p.max_iter; ++epoch) {
        const std::int64_t* const ord = drv.begin_epoch(n);
        double sumloss = 0.0, wsum = 0.0;
        int stop_at[2] = {0, 0};  // the poll result of the batch of that parity
        bool overflow = false;    // a row bound overflowed
        const bool measuring = drv.measuring;
        T* const gbuf_p = gbuf.data();
        detail::GroupSums* const gsums_p = gsums.data();

        // (an epoch on one thread runs without a team: run_team)
        auto epoch_body = [&] {
            const std::int64_t tid = thread_id(), team = team_size();
            std::int64_t g0, g1;
            split_range(G, team, tid, g0, g1);
            // This thread's copy of the iterate; all copies evolve alike.
            Private& own = priv[static_cast<std::size_t>(tid)];
            AlignedVector<T>&v = own.v, &gtot = own.gtot, &U = own.U, &base = own.base, &vl = own.vl,
                            &gr = own.gr;
            std::copy(it.v, it.v + d, v.begin());
            if (it.averaging()) {
                std::copy(it.U.begin(), it.U.end(), U.begin());
                std::copy(it.base.begin(), it.base.end(), base.begin());
            }
            if (use_momentum) std::copy(vel.begin(), vel.end(), vl.begin());
            ColumnView<T> cv;
            cv.v = v.data();
            cv.U = it.averaging() ? U.data() : nullptr;
            cv.base = it.averaging() ? base.data() : nullptr;
            cv.vel = use_momentum ? vl.data() : nullptr;
            cv.g = use_momentum ? gr.data() : nullptr;
            cv.j1 = d;
            BatchScalars s = detail::scalars_of(it, drv.t, vel_b);
            const T* const vp = v.data();
            T* const gt = gtot.data();
            double my_loss = 0.0, my_w = 0.0;
            bool stopped = false;
            for (std::int64_t bi = 0; bi < n_batches; ++bi) {
                const std::int64_t r0 = bi * B, r1 = std::min(n, r0 + B), nb = r1 - r0;
                const int parity = static_cast<int>(bi & 1);
                if (tid == 0) stop_at[parity] = poller.should_stop() ? 1 : 0;
                T* const gb = gbuf_p + parity * G * ld;
                detail::GroupSums* const gs = gsums_p + parity * G;
                // Prefetch along this thread's rows, into the next batch past its last.
                const std::int64_t own1 = r0 + groups.begin(g1, nb);
                const std::int64_t nnb = std::min(n, r1 + B) - r1;
                const std::int64_t next0 = r1 + groups.begin(g0, nnb);
                auto ahead = [&](std::int64_t k) {
                    std::int64_t q = k + kAhead;
                    if (q >= own1) q = next0 + (q - own1);
                    if (q < n) {
                        const std::int64_t ia = ord[q];
                        rows.prefetch(ia);
                        prefetch_row_entries(rows, y, sw, ia);
                    }
                };
                // The row rows_ahead after position k (and its label and weight): into
                // L2 if it starts a run of rows (see rows_ahead).
                auto ahead_row = [&](std::int64_t k) {
                    std::int64_t q = k + rows_ahead;
                    if (q >= own1) q = next0 + (q - own1);
                    if (q >= n) return;
                    const std::int64_t ia = ord[q];
                    prefetch_row_entries(rows, y, sw, ia);
                    if (q == 0 || ord[q - 1] + 1 != ia) rows.prefetch(ia);
                };
                const double scale = s.scale, b = s.b;
                for (std::int64_t g = g0; g < g1; ++g) {
                    const std::int64_t a = r0 + groups.begin(g, nb), e = r0 + groups.begin(g + 1, nb);
                    T* const acc = gb + g * ld;
                    std::fill(acc, acc + d, T(0));
                    detail::GroupSums sum;
                    // One row given its loss l and dL/dp: accumulates the sums, returns its slope.
                    // (a non-finite margin p makes the epoch's loss NaN: see sgd.hpp)
                    auto account = [&](std::int64_t i, double pm, double l, double dl) -> T {
                        const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
                        const double slope = si * std::clamp(dl, -1e12, 1e12);
                        sum.slope += slope;
                        sum.weight += si;
                        sum.loss += si * (std::isfinite(pm) ? l : NAN);
                        return static_cast<T>(slope);
                    };
                    auto visit = [&](std::int64_t i, T xv) -> T {
                        double dl;
                        const double pm = scale * static_cast<double>(xv) + b;
                        const double l = p.loss.eval_row(static_cast<double>(y[i]), pm, dl);
                        return account(i, pm, l, dl);
                    };
                    std::int64_t k = a;
                    for (; k + 4 <= e; k += 4) {  // four rows share the loads and stores of acc
                        for (int u = 0; u < 4; ++u) ahead_row(k + u);
                        const std::int64_t i0 = ord[k], i1 = ord[k + 1], i2 = ord[k + 2], i3 = ord[k + 3];
                        const T *x0 = rows.row(i0), *x1 = rows.row(i1), *x2 = rows.row(i2), *x3 = rows.row(i3);
                        T xv[4];
                        if (measuring) {  // the norms in the dots' loops (the bits of sq_norm)
                            T sq[4];
                            simd::dot4_sq(x0, x1, x2, x3, vp, d, xv, sq);
                            const std::int64_t iq[4] = {i0, i1, i2, i3};
                            for (int u = 0; u < 4; ++u) {
                                const double si = sw != nullptr ? static_cast<double>(sw[iq[u]]) : 1.0;
                                sum.r2 = std::max(sum.r2, row_bound(rows, iq[u], sq[u], si, extra));
                            }
                        } else {
                            simd::dot4(x0, x1, x2, x3, vp, d, xv);
                        }
                        const double yk[4] = {static_cast<double>(y[i0]), static_cast<double>(y[i1]),
                                              static_cast<double>(y[i2]), static_cast<double>(y[i3])};
                        double pk[4], lk[4], dk[4];
                        for (int u = 0; u < 4; ++u) pk[u] = scale * static_cast<double>(xv[u]) + b;
                        p.loss.eval4(yk, pk, lk, dk);
                        const T sl[4] = {account(i0, pk[0], lk[0], dk[0]), account(i1, pk[1], lk[1], dk[1]),
                                         account(i2, pk[2], lk[2], dk[2]), account(i3, pk[3], lk[3], dk[3])};
                        if (sl[0] != T(0) || sl[1] != T(0) || sl[2] != T(0) || sl[3] != T(0))
                            simd::axpy4(sl, x0, x1, x2, x3, acc, d);
                    }
                    for (; k < e; ++k) {
                        ahead(k);
                        const std::int64_t i = ord[k];
                        if (measuring) {
                            const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
                            sum.r2 = std::max(sum.r2, weighted_row_bound(rows, i, si, extra));
                        }
                        const T sl = visit(i, rows.dot(i, vp));
                        if (sl != T(0)) rows.axpy(i, sl, acc);
                    }
                    gs[g] = sum;
                }
#pragma omp barrier
                if (stop_at[parity] != 0) {
                    stopped = true;
                    break;
                }
                double gsum = 0.0, wb = 0.0;
                for (std::int64_t g = 0; g < G; ++g) {
                    gsum += gs[g].slope;
                    wb += gs[g].weight;
                    my_loss += gs[g].loss;
                    if (measuring) s.r2 = std::max(s.r2, gs[g].r2);  // (NaN: not taken)
                }
                if (!std::isfinite(s.r2)) {  // squared row norms overflow double: no step exists
                    if (tid == 0) overflow = true;  // (every thread sees the same s.r2)
                    break;
                }
                my_w += wb;
                if (wb > 0.0) {
                    // The batch's gradient sum: the group buffers added in group order.
                    std::copy(gb, gb + d, gt);
                    for (std::int64_t g = 1; g < G; ++g) {
                        const T* GDFAST_RESTRICT src = gb + g * ld;
                        T* GDFAST_RESTRICT dst = gt;
                        for (std::int64_t j = 0; j < d; ++j) dst[j] += src[j];
                    }
                    apply_batch(cv, s, gsum, wb, drv.batch_eta(s.t, s.r2), p, [&](double c, T* GDFAST_RESTRICT out) {
                        const auto ct = static_cast<T>(c);
                        const T* GDFAST_RESTRICT src = gt;
                        for (std::int64_t j = 0; j < d; ++j) out[j] += ct * src[j];
                    });
                }
                end_batch(cv, s, it.average_start);
            }
            if (tid == 0) {
                std::copy(v.begin(), v.end(), it.v);
                if (it.averaging()) {
                    std::copy(U.begin(), U.end(), it.U.begin());
                    std::copy(base.begin(), base.end(), it.base.begin());
                }
                if (use_momentum) std::copy(vl.begin(), vl.end(), vel.begin());
                detail::store_scalars(s, it, drv.t, vel_b);
                drv.r2 = s.r2;
                sumloss = my_loss;
                wsum = my_w;
                if (stopped) stop_at[0] = stop_at[1] = 1;
            }
        };
        run_team(nt, epoch_body);
        if (overflow) return row_overflow(epoch, rep);
        Status st;
        if (drv.end_epoch(epoch, stop_at[0] != 0 || stop_at[1] != 0, sumloss, wsum, it, rep, st)) return st;
    }
    return Status::ok;
}

/// CSR kernel (see the top of this file).
template <class Rows, class T = typename Rows::value_type>
Status minibatch_csr(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                     ScaledIterate<T>& it, const FitParams& p, const StepRule& step,
                     EpochObserver<T> observer, Poller& poller, int n_threads, FitReport& rep) {
    const std::int64_t n = rows.n_rows, d = rows.n_cols;
    const std::int64_t B = std::max<std::int64_t>(1, std::min(p.batch_size, n));
    const bool use_momentum = p.momentum > 0.0;
    std::vector<double> slope(static_cast<std::size_t>(B)), lossv(static_cast<std::size_t>(B)),
        wts(static_cast<std::size_t>(B)), bound(static_cast<std::size_t>(B));
    const int nt = std::max(1, n_threads);
    // cuts[k * (nt + 1) + t]: row k's first stored value in thread t's columns; -1 in
    // cuts[k * (nt + 1)]: the row's indices are not sorted (only with a team of >= 2)
    std::vector<std::int64_t> cuts(nt > 1 ? static_cast<std::size_t>(B) * static_cast<std::size_t>(nt + 1) : 0);
    AlignedVector<T> vel, grad;  // aligned: threads write column ranges
    double vel_b = 0.0;
    if (use_momentum) {
        it.finalize();  // momentum keeps scale == 1 (the velocity is not lazy)
        vel.assign(static_cast<std::size_t>(d), T(0));
        grad.assign(static_cast<std::size_t>(d), T(0));
    }
    MinibatchDriver<Rows, T> drv(rows, y, sw, p, step, observer, poller, n_threads);
    const std::int64_t n_batches = (n + B - 1) / B;
    constexpr std::int64_t kAhead = 6;
    const double extra = p.fit_intercept ? 1.0 : 0.0;

    for (std::int64_t epoch = 1; epoch <= p.max_iter; ++epoch) {
        const std::int64_t* const ord = drv.begin_epoch(n);
        double sumloss = 0.0, wsum = 0.0;
        int stop = 0;
        bool overflow = false;  // a row bound overflowed
        const bool measuring = drv.measuring;
        double* const bound_p = bound.data();
        double* const slope_p = slope.data();
        double* const loss_p = lossv.data();
        double* const wts_p = wts.data();
        std::int64_t* const cuts_p = cuts.data();

        // (an epoch on one thread runs without a team: run_team)
        auto epoch_body = [&] {
            const std::int64_t tid = thread_id(), team = team_size();
            // boundaries of the threads' column ranges (the same in every thread)
            std::vector<std::int64_t> cols(static_cast<std::size_t>(team + 1));
            for (std::int64_t t = 0; t < team; ++t) cols[static_cast<std::size_t>(t)] = d * t / team / 16 * 16;
            cols[static_cast<std::size_t>(team)] = d;
            ColumnView<T> cv;
            cv.j0 = cols[static_cast<std::size_t>(tid)];
            cv.j1 = cols[static_cast<std::size_t>(tid + 1)];
            cv.v = it.v;
            cv.U = it.averaging() ? it.U.data() : nullptr;
            cv.base = it.averaging() ? it.base.data() : nullptr;
            cv.vel = use_momentum ? vel.data() : nullptr;
            cv.g = use_momentum ? grad.data() : nullptr;
            BatchScalars s = detail::scalars_of(it, drv.t, vel_b);
            double my_loss = 0.0, my_w = 0.0;
            for (std::int64_t bi = 0; bi < n_batches; ++bi) {
                const std::int64_t r0 = bi * B, r1 = std::min(n, r0 + B), nb = r1 - r0;
                if (tid == 0 && poller.should_stop()) stop = 1;
                const double scale = s.scale, b = s.b;
#pragma omp for schedule(static)
                for (std::int64_t k = r0; k < r1; ++k) {
                    const std::int64_t i = ord[k];
                    if (k + 2 * kAhead < n) prefetch_row_entries(rows, y, sw, ord[k + 2 * kAhead]);  // (see sgd.hpp)
                    if (k + kAhead < n) rows.prefetch(ord[k + kAhead]);
                    T sq = 0;
                    const double pred =
                        scale * static_cast<double>(measuring ? rows.dot_sq(i, it.v, sq) : rows.dot(i, it.v)) + b;
                    double dl;
                    const double l = p.loss.eval_row(static_cast<double>(y[i]), pred, dl);
                    const double si = sw != nullptr ? static_cast<double>(sw[i]) : 1.0;
                    slope_p[k - r0] = si * std::clamp(dl, -1e12, 1e12);
                    loss_p[k - r0] = si * (std::isfinite(pred) ? l : NAN);  // (see sgd.hpp)
                    wts_p[k - r0] = si;
                    if (measuring) bound_p[k - r0] = row_bound(rows, i, sq, si, extra);
                    if (team > 1) {
                        std::int64_t* const ck = cuts_p + (k - r0) * (team + 1);
                        if (!rows.cuts_at(i, cols.data(), team + 1, ck)) ck[0] = -1;
                    }
                }
                // (implicit barrier: slopes complete; `stop` visible)
                if (stop != 0) break;
                double gsum = 0.0, wb = 0.0;
                for (std::int64_t k = 0; k < nb; ++k) {
                    gsum += slope_p[k];
                    wb += wts_p[k];
                    my_loss += loss_p[k];
                    if (measuring) s.r2 = std::max(s.r2, bound_p[k]);  // (NaN: not taken)
                }
                if (!std::isfinite(s.r2)) {  // squared row norms overflow double: no step exists
                    if (tid == 0) overflow = true;  // (every thread sees the same s.r2)
                    break;
                }
                my_w += wb;
                if (wb > 0.0) {
                    apply_batch(cv, s, gsum, wb, drv.batch_eta(s.t, s.r2), p, [&](double c, T* out) {
                        for (std::int64_t k = 0; k < nb; ++k) {
                            if (slope_p[k] == 0.0) continue;
                            const auto a = static_cast<T>(c * slope_p[k]);
                            if (team == 1) {
                                rows.axpy(ord[r0 + k], a, out);
                            } else {
                                const std::int64_t* const ck = cuts_p + k * (team + 1);
                                if (ck[0] >= 0)
                                    rows.axpy_span(ck[tid], ck[tid + 1], a, out);
                                else
                                    rows.axpy_cols(ord[r0 + k], a, out, cv.j0, cv.j1);
                            }
                        }
                    });
                }
                end_batch(cv, s, it.average_start);
#pragma omp barrier
            }
            if (tid == 0) {
                detail::store_scalars(s, it, drv.t, vel_b);
                drv.r2 = s.r2;
                sumloss = my_loss;
                wsum = my_w;
            }
        };
        run_team(nt, epoch_body);
        if (overflow) return row_overflow(epoch, rep);
        Status st;
        if (drv.end_epoch(epoch, stop != 0, sumloss, wsum, it, rep, st)) return st;
    }
    return Status::ok;
}

/// Mini-batch SGD epochs (see the top of this file).
template <class Rows, class T = typename Rows::value_type>
Status minibatch_epochs(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw,
                        ScaledIterate<T>& it, const FitParams& p, const StepRule& step,
                        EpochObserver<T> observer, Poller& poller, int n_threads,
                        FitReport& rep) {
    if constexpr (!Rows::is_sparse) {
        return minibatch_dense(rows, y, sw, it, p, step, observer, poller, n_threads, rep);
    } else {
        // Threads write disjoint column ranges of the iterate, so it is kept in a
        // cache-line aligned copy while they run: the caller's buffer may share a cache
        // line across a range boundary.
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
        return minibatch_csr(rows, y, sw, it, p, step, observer, poller, n_threads, rep);
    }
}

GDFAST_END_NAMESPACE
