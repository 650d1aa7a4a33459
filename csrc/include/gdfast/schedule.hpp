// gdfast L0: learning-rate schedules (scikit-learn's definitions, plus "auto").
#pragma once

#include <algorithm>
#include <cmath>

#include "config.hpp"
#include "loss.hpp"
#include "params.hpp"

GDFAST_BEGIN_NAMESPACE

/// eta(t) for t = 1, 2, ... (t counts updates, as scikit-learn's t_).
struct StepRule {
    Schedule kind = Schedule::constant;
    double eta0 = 0.01;
    double power_t = 0.25;
    double alpha = 0.0;         ///< strength of the smooth (L2) part of the penalty
    double optimal_init = 1.0;  ///< Bottou's t0 (optimal)
    double curvature = 1.0;     ///< auto: bound on the curvature of one update's loss
    // auto for SGD and mini-batch SGD: the bound comes from r2, the largest weighted row
    // norm s_i (||x_i||^2 + [fit_intercept]). The kernels measure each row as they first
    // visit it (its values are in L1 then) instead of reading X once more before the
    // first epoch: until an epoch has visited every row, an update's bound uses the
    // largest r2 of the rows seen so far, its own rows included (so every step is
    // stable for the rows it is made of); from then on `curvature`, set from the full r2.
    double loss_curvature = 0.0;  ///< auto: curvature(L), a bound on d2L/dp2
    double l2 = 0.0;              ///< auto: strength of the L2 part of the penalty
    double lambda2 = -1.0;        ///< auto, mini-batch: twice the lambda_max estimate (< 0: none)
    double batch = 1.0;           ///< auto, mini-batch: the batch size

    /// auto: the bound on the curvature of an update whose rows have r2 at most `r2`:
    /// curvature(L) r2 + l2 for one row; for a batch of B rows, with lambda2 >= 0,
    /// curvature(L) (2 lambda_max + r2 / B) + l2 when that is smaller (the mean over B
    /// rows; the factor 2 covers the subsample estimate of lambda_max); 1 if that is not
    /// positive. Non-finite when r2 is (the caller reports it).
    double curvature_for(double r2) const noexcept {
        const double curv = loss_curvature * r2;
        double c = curv + l2;
        if (lambda2 >= 0.0 && batch > 1.0) {
            const double mb = loss_curvature * (lambda2 + r2 / batch);
            if (mb > 0.0 && mb < curv) c = mb + l2;
        }
        return c > 0.0 ? c : 1.0;
    }
    /// auto with `curvature` not set yet (NaN): the kernel measures the rows.
    bool measures_rows() const noexcept { return kind == Schedule::automatic && std::isnan(curvature); }
    /// auto, while the first epoch measures the rows: the step of an update at t whose
    /// rows (and those before) have largest weighted norm r2. Zero while r2 == 0 (only
    /// empty rows seen, no intercept): their loss gradient is zero, and the step of the
    /// penalty alone, 1/l2, would discard a warm start.
    double eta_rows(double t, double r2) const noexcept {
        if (!(r2 > 0.0)) return 0.0;
        return 1.0 / (curvature_for(r2) + alpha * (t - 1.0));
    }

    /// Bottou's heuristic as scikit-learn defines it: the first step is
    /// sqrt(1/sqrt(alpha)) / max(1, dL/dp(y=1, p=-typw)).
    static double bottou_t0(const Loss& loss, double alpha) noexcept {
        const double typw = std::sqrt(1.0 / std::sqrt(alpha));
        double dl;
        loss.eval(1.0, -typw, dl);
        const double initial_eta0 = typw / std::max(1.0, dl);
        return 1.0 / (initial_eta0 * alpha);
    }

    double eta(double t) const noexcept {
        switch (kind) {
            case Schedule::optimal:
                return 1.0 / (alpha * (optimal_init + t - 1.0));
            case Schedule::invscaling:
                // scikit-learn's default exponents by square roots: a few cycles per
                // update instead of a pow() call (within an ulp or two of pow)
                if (power_t == 0.25) return eta0 / std::sqrt(std::sqrt(t));
                if (power_t == 0.5) return eta0 / std::sqrt(t);
                return eta0 / std::pow(t, power_t);
            case Schedule::automatic:
                // Never larger than the stable step 1/curvature; decays like 1/(alpha t)
                // (the optimal rate for strongly convex objectives) once alpha t dominates.
                return 1.0 / (curvature + alpha * (t - 1.0));
            default:
                return eta0;  // constant, adaptive (caller divides), pa1/pa2 (C)
        }
    }
};

GDFAST_END_NAMESPACE
