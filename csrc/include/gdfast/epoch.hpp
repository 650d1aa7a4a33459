// gdfast L0: what every stochastic solver does at the end of an epoch: finiteness
// check, exact objective (optional), observer, stopping rule, adaptive step.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "config.hpp"
#include "iterate.hpp"
#include "objective.hpp"
#include "params.hpp"
#include "status.hpp"

GDFAST_BEGIN_NAMESPACE

enum class EpochVerdict { go_on, converged, stop_interrupted, diverged };

template <class Rows, class T = typename Rows::value_type>
struct EpochEnd {
    const Rows& rows;
    const T* y;
    const T* sw;
    const FitParams& p;
    EpochObserver<T> observer;
    Poller& poller;
    int n_threads;
    StopRule rule;
    std::vector<T> tmp;  ///< materialized coefficients
    PassWorkspace<T> ws;

    EpochEnd(const Rows& r, const T* y_, const T* sw_, const FitParams& params,
             EpochObserver<T> obs, Poller& pol, int nt)
        : rows(r), y(y_), sw(sw_), p(params), observer(obs), poller(pol), n_threads(nt),
          rule{params.tol, params.n_iter_no_change} {}

    /// \param train_loss  mean weighted loss seen during the epoch
    /// \param penalty     mean penalty seen during the epoch (NaN: use the final weights')
    /// \param eta         current step (divided by 5 here for the adaptive schedule)
    EpochVerdict operator()(std::int64_t epoch, double t, double train_loss, double penalty,
                            double& eta, const ScaledIterate<T>& it, FitReport& rep) {
        if (!it.finite() || !std::isfinite(train_loss)) {
            rep.bad_epoch = epoch;
            return EpochVerdict::diverged;
        }
        const std::int64_t d = rows.n_cols;
        const bool need_coef = p.track_objective || observer.fn != nullptr;
        double objective = NAN;
        if (need_coef) {
            tmp.resize(static_cast<std::size_t>(d));
            it.returned(tmp.data());
        }
        if (p.track_objective) {
            const PassSums s = fused_pass(rows, y, sw, tmp.data(), 1.0, it.returned_intercept(),
                                          p.loss, static_cast<T*>(nullptr), static_cast<T*>(nullptr),
                                          ws, n_threads);
            objective = s.loss / s.weight + p.penalty.value(tmp.data(), d);
            if (!std::isfinite(objective)) {
                rep.bad_epoch = epoch;
                return EpochVerdict::diverged;
            }
            rep.objective_history.push_back(objective);
        }
        // scikit-learn's criterion: loss plus penalty seen during the epoch, on average.
        double criterion = train_loss + (std::isnan(penalty) ? p.penalty.value(it.v, d, it.scale) : penalty);
        if (!std::isfinite(criterion)) {
            rep.bad_epoch = epoch;
            return EpochVerdict::diverged;
        }
        rep.criterion_history.push_back(criterion);
        if (observer.fn != nullptr) {
            EpochInfo<T> info;
            info.epoch = epoch;
            info.t = t;
            info.train_loss = train_loss;
            info.objective = objective;
            info.eta = eta;
            info.coef = tmp.data();
            info.intercept = it.returned_intercept();
            int stop = 0;
            const double score = observer.fn(observer.ctx, info, &stop);
            if (stop != 0) return EpochVerdict::stop_interrupted;
            if (!std::isnan(score)) criterion = -score;
        }
        if (poller.poll_now()) return EpochVerdict::stop_interrupted;
        if (rule.update(criterion)) {
            if (p.schedule == Schedule::adaptive && eta > 1e-6) {
                eta /= 5.0;
                rule.count = 0;
            } else {
                return EpochVerdict::converged;
            }
        }
        return EpochVerdict::go_on;
    }
};

/// Ask for the per-row entries of row i that a shuffled SGD loop reads at random places:
/// indptr[i] for CSR (Rows::prefetch_index), y[i] and sw[i]. See sgd.hpp for the distance.
template <class Rows, class T>
inline void prefetch_row_entries(const Rows& rows, const T* y, const T* sw, std::int64_t i) noexcept {
    rows.prefetch_index(i);
    GDFAST_PREFETCH(y + i);
    if (sw != nullptr) GDFAST_PREFETCH(sw + i);
}

/// A row bound of learning_rate="auto" overflowed in `epoch` (X finite, squared norm
/// beyond double): no step size exists, as when fit() measured X before the first epoch.
inline Status row_overflow(std::int64_t epoch, FitReport& rep) {
    rep.n_iter = epoch - 1;
    rep.bad_epoch = epoch;
    return Status::non_finite;
}

GDFAST_END_NAMESPACE
