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
