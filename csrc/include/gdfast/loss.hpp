// gdfast L0: the losses L(y, p) of DESIGN.md, with dL/dp.
// A loss is a runtime choice: it is evaluated once per row, never per element.
#pragma once

#include <cmath>
#include <cstdint>

#include "config.hpp"

namespace gdfast {

enum class LossKind : int {
    squared = 0,
    huber = 1,
    epsilon_insensitive = 2,
    squared_epsilon_insensitive = 3,
    hinge = 4,
    squared_hinge = 5,
    log = 6,
    modified_huber = 7,
    perceptron = 8,
};

namespace detail {
/// max(0, u) smoothed with a quadratic piece of width mu (mu == 0: exact).
/// value: 0 (u<=0), u^2/(2 mu) (0<u<mu), u - mu/2 (u>=mu); slope clip(u/mu, 0, 1).
/// At the kink u == 0 of the exact function the slope is 1 if `closed` (scikit-learn's
/// hinge and perceptron update when z <= threshold), else 0.
inline double smooth_plus(double u, double mu, double& slope, bool closed = false) noexcept {
    if (u < 0.0 || (u == 0.0 && (mu > 0.0 || !closed))) {
        slope = 0.0;
        return 0.0;
    }
    if (mu > 0.0 && u < mu) {
        slope = u / mu;
        return 0.5 * u * u / mu;
    }
    slope = 1.0;
    return u - 0.5 * mu;
}
}  // namespace detail

/// A loss with its parameter. `smoothing` > 0 replaces the kinks of the non-smooth
/// losses (hinge, perceptron, epsilon_insensitive) by quadratic pieces of that width;
/// the full-batch solver uses it for continuation, everything else uses 0.
struct Loss {
    LossKind kind = LossKind::squared;
    double epsilon = 0.1;
    double smoothing = 0.0;

    bool is_classification() const noexcept {
        return kind >= LossKind::hinge;
    }
    bool is_smooth() const noexcept {
        return smoothing > 0.0 ||
               !(kind == LossKind::hinge || kind == LossKind::perceptron ||
                 kind == LossKind::epsilon_insensitive);
    }
    /// Lipschitz constant of dL/dp (the curvature bound used for step sizes); for the
    /// non-smooth losses, that of the smoothed loss, or 1 when not smoothed (a
    /// passive-aggressive scale: one step moves a margin by about one unit).
    double curvature() const noexcept {
        switch (kind) {
            case LossKind::squared:
            case LossKind::huber:
                return 1.0;
            case LossKind::squared_epsilon_insensitive:
            case LossKind::squared_hinge:
            case LossKind::modified_huber:
                return 2.0;
            case LossKind::log:
                return 0.25;
            default:
                return smoothing > 0.0 ? 1.0 / smoothing : 1.0;
        }
    }

    /// Value of L(y, p); writes dL/dp to `deriv`. Computed in double: it is per row.
    double eval(double y, double p, double& deriv) const noexcept {
        switch (kind) {
            case LossKind::squared: {
                const double r = p - y;
                deriv = r;
                return 0.5 * r * r;
            }
            case LossKind::huber: {
                const double r = p - y;
                const double a = std::fabs(r);
                if (a <= epsilon) {
                    deriv = r;
                    return 0.5 * r * r;
                }
                deriv = r > 0 ? epsilon : -epsilon;
                return epsilon * a - 0.5 * epsilon * epsilon;
            }
            case LossKind::epsilon_insensitive: {
                const double r = p - y;
                double slope;
                const double v = detail::smooth_plus(std::fabs(r) - epsilon, smoothing, slope);
                deriv = r > 0 ? slope : -slope;
                return v;
            }
            case LossKind::squared_epsilon_insensitive: {
                const double r = p - y;
                const double u = std::fabs(r) - epsilon;
                if (u <= 0.0) {
                    deriv = 0.0;
                    return 0.0;
                }
                deriv = r > 0 ? 2.0 * u : -2.0 * u;
                return u * u;
            }
            case LossKind::hinge: {
                double slope;
                const double v = detail::smooth_plus(1.0 - y * p, smoothing, slope, true);
                deriv = -y * slope;
                return v;
            }
            case LossKind::squared_hinge: {
                const double u = 1.0 - y * p;
                if (u <= 0.0) {
                    deriv = 0.0;
                    return 0.0;
                }
                deriv = -2.0 * y * u;
                return u * u;
            }
            case LossKind::log: {
                const double z = y * p;
                // log(1 + e^-z) and its slope -1/(1 + e^z), without overflow.
                if (z >= 0.0) {
                    const double e = std::exp(-z);
                    deriv = -y * e / (1.0 + e);
                    return std::log1p(e);
                }
                const double e = std::exp(z);
                deriv = -y / (1.0 + e);
                return -z + std::log1p(e);
            }
            case LossKind::modified_huber: {
                const double z = y * p;
                if (z >= 1.0) {
                    deriv = 0.0;
                    return 0.0;
                }
                if (z >= -1.0) {
                    const double u = 1.0 - z;
                    deriv = -2.0 * y * u;
                    return u * u;
                }
                deriv = -4.0 * y;
                return -4.0 * z;
            }
            case LossKind::perceptron: {
                double slope;
                const double v = detail::smooth_plus(-y * p, smoothing, slope, true);
                deriv = -y * slope;
                return v;
            }
        }
        deriv = 0.0;
        return 0.0;
    }
};

}  // namespace gdfast
