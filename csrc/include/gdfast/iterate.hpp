// gdfast L0: the weight vector of the stochastic solvers, w = scale * v, and its
// running average, both updated in O(nnz of the touched rows) per step.
//
// Lazy L2: shrinking w by (1 - eta*l2) only changes `scale`.
// Lazy averaging: with s_tau the scale after step tau and Delta_tau the change of v at
// step tau, sum_{tau} s_tau v_tau = S_t v_t - sum_tau S_{tau-1} Delta_tau, where
// S_t = sum_{tau<=t} s_tau. So we keep U = sum_tau S_{tau-1} Delta_tau (sparse updates)
// and S; the average is (base + S v - U) / k. When `scale` gets small, v is rescaled and
// the current segment is folded into `base` (O(n_cols), rare).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "aligned.hpp"
#include "config.hpp"

GDFAST_BEGIN_NAMESPACE

template <class T>
struct ScaledIterate {
    T* v = nullptr;  ///< caller's coefficient buffer, holds v (w = scale * v)
    std::int64_t d = 0;
    double scale = 1.0;
    double b = 0.0;  ///< intercept

    // Averaging (enabled when average_start > 0).
    std::int64_t average_start = 0;
    AlignedVector<T> U, base;  // aligned: mini-batch threads write column ranges
    double S = 0.0;
    std::int64_t k = 0;  ///< number of averaged steps
    double avg_b = 0.0;

    void init(T* coef, std::int64_t n_cols, double intercept, std::int64_t avg_start,
              const T* avg_coef_init, double avg_b_init, std::int64_t k_init) {
        v = coef;
        d = n_cols;
        b = intercept;
        average_start = avg_start;
        if (average_start > 0) {
            U.assign(static_cast<std::size_t>(d), T(0));
            base.assign(static_cast<std::size_t>(d), T(0));
            k = k_init;
            avg_b = avg_b_init;
            if (k > 0 && avg_coef_init != nullptr)
                for (std::int64_t j = 0; j < d; ++j)
                    base[static_cast<std::size_t>(j)] = static_cast<T>(avg_coef_init[j] * static_cast<double>(k));
        }
    }
    bool averaging() const noexcept { return average_start > 0; }
    /// The coefficient S_{tau-1} by which a change of v is recorded into U (0: none).
    double u_coef() const noexcept { return S; }

    /// Shrink w by `factor` (lazy L2). factor 0 zeroes w.
    void shrink(double factor) noexcept {
        if (factor > 0.0) {
            scale *= factor;
        } else {
            fold();
            for (std::int64_t j = 0; j < d; ++j) v[j] = T(0);
            scale = 1.0;
        }
    }
    /// Closes step t: accumulate the average if t >= average_start.
    void end_step(double t) noexcept {
        if (average_start > 0 && t >= static_cast<double>(average_start)) {
            S += scale;
            ++k;
            avg_b += (b - avg_b) / static_cast<double>(k);
        }
    }
    /// Rescale v when the scale leaves a safe range (keeps v and U well conditioned).
    void maybe_rescale() noexcept {
        const double lo = averaging() ? 1e-4 : 1e-9;
        if (scale < lo || scale > 1e4) {
            fold();
            for (std::int64_t j = 0; j < d; ++j) v[j] = static_cast<T>(static_cast<double>(v[j]) * scale);
            scale = 1.0;
        }
    }
    /// Move the current averaging segment into `base`.
    void fold() noexcept {
        if (average_start <= 0 || S == 0.0) return;
        for (std::int64_t j = 0; j < d; ++j) {
            const auto jj = static_cast<std::size_t>(j);
            base[jj] = static_cast<T>(static_cast<double>(base[jj]) + S * static_cast<double>(v[j]) -
                                      static_cast<double>(U[jj]));
            U[jj] = T(0);
        }
        S = 0.0;
    }
    /// w (not averaged) into out.
    void current(T* out) const noexcept {
        for (std::int64_t j = 0; j < d; ++j) out[j] = static_cast<T>(scale * static_cast<double>(v[j]));
    }
    /// The averaged coefficients into out (requires k > 0).
    void average(T* out) const noexcept {
        const double inv = 1.0 / static_cast<double>(k);
        for (std::int64_t j = 0; j < d; ++j) {
            const auto jj = static_cast<std::size_t>(j);
            out[j] = static_cast<T>((static_cast<double>(base[jj]) + S * static_cast<double>(v[j]) -
                                     static_cast<double>(U[jj])) * inv);
        }
    }
    /// What the fit returns: the average once averaging started, else w.
    void returned(T* out) const noexcept {
        if (average_start > 0 && k > 0) average(out); else current(out);
    }
    double returned_intercept() const noexcept { return (average_start > 0 && k > 0) ? avg_b : b; }
    bool finite() const noexcept {
        if (!std::isfinite(b) || !std::isfinite(scale)) return false;
        for (std::int64_t j = 0; j < d; ++j)
            if (!std::isfinite(static_cast<double>(v[j]))) return false;
        return true;
    }
    /// Write w = scale * v back into the caller's buffer (end of fit).
    void finalize() noexcept {
        fold();
        if (scale != 1.0) {
            for (std::int64_t j = 0; j < d; ++j) v[j] = static_cast<T>(static_cast<double>(v[j]) * scale);
            scale = 1.0;
        }
    }
};

/// scikit-learn's stopping rule: no improvement of at least `tol` over the best value
/// for `n_iter_no_change` consecutive epochs. Lower values are better.
struct StopRule {
    double tol = 1e-3;  ///< < 0: never
    std::int64_t patience = 5;
    double best = INFINITY;
    std::int64_t count = 0;

    /// true when patience ran out.
    bool update(double value) noexcept {
        if (tol >= 0.0 && value > best - tol) ++count; else count = 0;
        if (value < best) best = value;
        return count >= patience;
    }
};

GDFAST_END_NAMESPACE
