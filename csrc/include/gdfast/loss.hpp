// gdfast L0: the losses L(y, p) of DESIGN.md, with dL/dp.
// A loss is a runtime choice: it is evaluated once per row, never per element.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

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

// The log loss's pieces and the several-row evaluations (eval4, eval_rows) are
// GDFAST_FORCE_INLINE: this header is ISA-neutral (the Python module compiles it once,
// before its ISA target pragmas), so a copy left out of line is baseline code called from
// the AVX2 / AVX-512 kernels -- as GCC did with LTO, measured: W3's fused pass with the
// log loss took 32 instead of 27-28.5 ms. Inlined, each kernel vectorizes them for its
// own instruction set (and may contract them into FMAs: the bits of the loss differ
// between ISA variants, by rounding, as the dots do). The scalar `eval` (a switch over
// the losses) is left to the compiler: forced into every kernel it made the float32
// logistic mini-batch epoch 6-8% slower (W3, 1 thread, 16.0-17.5 -> 18.0-18.4 ms).
// Where it stays out of line, its log-loss bits can differ from the inlined paths' by
// rounding (2 ulp at most, measured). The per-row paths (leftover rows, per-sample SGD,
// the line search) call `eval_row`, which inlines the common losses (see Loss) and
// leaves the others to `eval`.
namespace detail {
inline std::uint64_t bits_of(double x) noexcept {
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}
inline double from_bits(std::uint64_t u) noexcept {
    double x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

/// e^x for x <= 0, within ~2 ulp; 0 below -708 (where e^x < 3.3e-308); NaN stays NaN.
/// Branch-free (a loop over a few margins vectorizes): x = n ln2 + r with |r| <= ln2/2,
/// e^r by its Taylor polynomial of degree 12 (truncation < 2e-16 relative), evaluated in
/// Estrin's scheme (short dependency chains), then 2^n put into the exponent bits.
GDFAST_FORCE_INLINE double exp_nonpos(double x) noexcept {
    constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer
    constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double xc = x < -708.0 ? -708.0 : (x > 0.0 ? 0.0 : x);
    const double kd = xc * 1.4426950408889634 + shifter;
    const double n = kd - shifter;  // exact: kd = shifter + an integer in [-1022, 0]
    const double r = (xc - n * ln2_hi) - n * ln2_lo;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double a0 = 1.0 + r, a1 = 1.0 / 2 + r * (1.0 / 6), a2 = 1.0 / 24 + r * (1.0 / 120),
                 a3 = 1.0 / 720 + r * (1.0 / 5040), a4 = 1.0 / 40320 + r * (1.0 / 362880),
                 a5 = 1.0 / 3628800 + r * (1.0 / 39916800), a6 = 1.0 / 479001600;
    const double b0 = a0 + r2 * a1, b1 = a2 + r2 * a3, b2 = a4 + r2 * a5;
    const double c0 = b0 + r4 * b1, c1 = b2 + r4 * a6;
    const double er = c0 + r8 * c1;  // e^r, in [0.70, 1.42]
    const auto shift = static_cast<std::uint64_t>(bits_of(kd) - bits_of(shifter)) << 52;
    const double v = from_bits(bits_of(er) + shift);
    return x >= -708.0 ? v : (x < -708.0 ? 0.0 : x);
}

/// log(1 + e) for 0 <= e <= 1, within ~2 ulp. Branch-free: u = 1 + e = 2^k m with
/// m in [sqrt(1/2), sqrt(2)], log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172, by its
/// series to s^19 (truncation < 1e-17 relative); the rounding of 1 + e is added back.
GDFAST_FORCE_INLINE double log1p_unit(double e) noexcept {
    const double u = 1.0 + e;
    const double corr = (e - (u - 1.0)) / u;  // log(1 + e) - log(u), to first order
    const bool big = u > 1.4142135623730951;
    const double m = big ? 0.5 * u : u;
    const double k_ln2 = big ? 0.6931471805599453 : 0.0;
    const double s = (m - 1.0) / (m + 1.0);  // m - 1 is exact
    const double z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    const double a0 = 1.0 + z * (1.0 / 3), a1 = 1.0 / 5 + z * (1.0 / 7), a2 = 1.0 / 9 + z * (1.0 / 11),
                 a3 = 1.0 / 13 + z * (1.0 / 15), a4 = 1.0 / 17 + z * (1.0 / 19);
    const double b0 = a0 + z2 * a1, b1 = a2 + z2 * a3;
    const double series = (b0 + z4 * b1) + z8 * a4;
    return (k_ln2 + 2.0 * s * series) + corr;
}

/// max(0, u) smoothed with a quadratic piece of width mu centred on the kink (mu == 0:
/// exact). With h = u + mu/2: value 0 (h <= 0), h^2/(2 mu) (0 < h < mu), u (h >= mu);
/// slope clip(h/mu, 0, 1). It equals max(0, u) outside |u| < mu/2 and exceeds it by at
/// most mu/8 (at u = 0). Centred, a row that sits on the kink at the exact optimum (a
/// support vector) sits inside the quadratic piece for any mu, and the smoothed
/// optimum's margins are not shifted one way; with a one-sided piece on [0, mu) they
/// all shift by about mu/2. Measured on W4 hinge (L-BFGS continuation with 10
/// curvature pairs, float64): relative suboptimality 3e-4 after 56 instead of 107
/// iterations.
/// At the kink u == 0 of the exact function the slope is 1 if `closed` (scikit-learn's
/// hinge and perceptron update when z <= threshold), else 0.
GDFAST_FORCE_INLINE double smooth_plus(double u, double mu, double& slope, bool closed = false) noexcept {
    if (mu > 0.0) {
        const double h = u + 0.5 * mu;
        if (h <= 0.0) {  // (a NaN u falls through to the last branch and propagates)
            slope = 0.0;
            return 0.0;
        }
        if (h < mu) {
            slope = h / mu;
            return 0.5 * h * h / mu;
        }
        slope = 1.0;
        return u;
    }
    if (u < 0.0 || (u == 0.0 && !closed)) {
        slope = 0.0;
        return 0.0;
    }
    slope = 1.0;
    return u;
}
}  // namespace detail

/// A loss with its parameter. `smoothing` > 0 replaces the kinks of the non-smooth
/// losses (hinge, perceptron, epsilon_insensitive) by quadratic pieces of that width,
/// centred on each kink (detail::smooth_plus);
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
            case LossKind::epsilon_insensitive:
                // the two smoothed kinks overlap around r = 0 when mu > 2 eps
                if (smoothing > 0.0) return (2.0 * epsilon < smoothing ? 2.0 : 1.0) / smoothing;
                return 1.0;
            default:
                return smoothing > 0.0 ? 1.0 / smoothing : 1.0;
        }
    }

    /// Four rows at once: value[k] = L(y[k], p[k]), deriv[k] = dL/dp (the same bits as an
    /// inlined `eval`; an out-of-line one can differ by rounding, see the top of the
    /// file). The log loss runs as one loop over the four margins, which the compiler
    /// vectorizes: its exp and log1p dominate a row's cost otherwise.
    GDFAST_FORCE_INLINE void eval4(const double* y, const double* p, double* value, double* deriv) const noexcept {
        eval_rows<4>(y, p, value, deriv);
    }
    /// K rows at once (as eval4).
    template <int K>
    GDFAST_FORCE_INLINE void eval_rows(const double* y, const double* p, double* value, double* deriv) const noexcept {
        if (kind == LossKind::log) {
            for (int k = 0; k < K; ++k) value[k] = log_loss(y[k], p[k], deriv[k]);
        } else if (kind == LossKind::squared) {
            for (int k = 0; k < K; ++k) value[k] = squared_loss(y[k], p[k], deriv[k]);
        } else if (kind == LossKind::hinge && !(smoothing > 0.0)) {
            for (int k = 0; k < K; ++k) value[k] = hinge_loss(y[k], p[k], 0.0, deriv[k]);
        } else if (kind == LossKind::hinge) {
            for (int k = 0; k < K; ++k) value[k] = hinge_loss(y[k], p[k], smoothing, deriv[k]);
        } else if (kind == LossKind::squared_hinge) {
            for (int k = 0; k < K; ++k) value[k] = squared_hinge_loss(y[k], p[k], deriv[k]);
        } else if (kind == LossKind::epsilon_insensitive) {
            for (int k = 0; k < K; ++k)
                value[k] = epsilon_insensitive_loss(y[k], p[k], epsilon, smoothing, deriv[k]);
        } else {
            for (int k = 0; k < K; ++k) value[k] = eval(y[k], p[k], deriv[k]);
        }
    }
    // The common losses, inlined where a kernel evaluates them row by row (eval_rows,
    // eval_row; `eval` uses them too). Through the out-of-line `eval`, a call and a
    // switch per row, passes with their rows in cache (C++ harness, 2,000 x 100, AMD Zen
    // 4, -march=x86-64-v4; means of 8-12 alternating runs, the inlined one faster in
    // nearly every pair) took, per row: squared float32 22.8 instead of 19.6 ns, hinge
    // float32 24.0 instead of 20.7 ns, hinge float64 33.2 instead of 29.6 ns; hinge
    // smoothed over 0.1 (full-batch continuation, whose pass also sums the exact loss, a
    // second call per row) float32 28.7-32.0 instead of 22.1-24.6 ns, float64 37.5-38.8
    // instead of 31.6-32.4 ns; epsilon-insensitive float64 29.1 instead of 27.9 ns,
    // smoothed over 0.1 35.7 instead of 32.0 ns. Inlining the smoothed hinge too made the
    // unsmoothed hinge pass 4-6% slower in the same harness (20.3-26.2 -> 21.1-27.9 ns:
    // code size), kept for the full-batch solver's sake. In the module as built (ISA
    // variants through target pragmas; Python, the builds alternated) the gain shows
    // where the rows are in cache and the loss is smoothed: LinearSVC hinge on
    // breast_cancer 7.1-7.3 -> 5.4-5.7 ms, LinearSVR on diabetes 1.8-2.0 -> 1.5-1.6 ms a
    // fit. Passes over memory-resident data (objective() on 20,000 x 100, any loss; 60
    // L-BFGS iterations on W2 hinge) did not change beyond the host's noise (+-5%).
    // Where the compiler contracts 1 - y p into an FMA (a kernel built for AVX2 /
    // AVX-512) the bits of u can differ by rounding from the out-of-line copy's
    // (baseline x86-64, no FMA), as for the log loss; the squared loss has nothing to
    // contract.
    /// (p - y)^2 / 2 and its slope p - y.
    GDFAST_FORCE_INLINE static double squared_loss(double y, double p, double& deriv) noexcept {
        const double r = p - y;
        deriv = r;
        return 0.5 * r * r;
    }
    /// max(0, 1 - y p), its kink smoothed over a width mu (detail::smooth_plus), and its
    /// slope; mu = 0: exact, slope -y where 1 - y p >= 0 (scikit-learn's update at the
    /// kink), NaN propagated, written without branches (smooth_plus's were 11% slower:
    /// 22.9 against 20.5 ns per float32 row in the harness above).
    GDFAST_FORCE_INLINE static double hinge_loss(double y, double p, double mu, double& deriv) noexcept {
        const double u = 1.0 - y * p;
        if (mu > 0.0) {
            double slope;
            const double v = detail::smooth_plus(u, mu, slope, true);
            deriv = -y * slope;
            return v;
        }
        const bool off = u < 0.0;
        deriv = -y * (off ? 0.0 : 1.0);
        return off ? 0.0 : u;
    }
    /// max(0, |p - y| - eps), its two kinks smoothed over a width mu, and its slope.
    GDFAST_FORCE_INLINE static double epsilon_insensitive_loss(double y, double p, double eps, double mu,
                                                               double& deriv) noexcept {
        const double r = p - y;
        if (mu > 0.0) {
            // max(0, r - eps) + max(0, -r - eps), each kink smoothed on its own: smooth
            // for any eps >= 0 (a centred piece on |r| - eps would keep a kink at r = 0
            // once mu > 2 eps)
            double s_hi, s_lo;
            const double v = detail::smooth_plus(r - eps, mu, s_hi) + detail::smooth_plus(-r - eps, mu, s_lo);
            deriv = s_hi - s_lo;
            return v;
        }
        double slope;
        const double v = detail::smooth_plus(std::fabs(r) - eps, 0.0, slope);
        deriv = r > 0 ? slope : -slope;
        return v;
    }
    /// max(0, 1 - y p)^2 and its slope -2 y max(0, 1 - y p).
    GDFAST_FORCE_INLINE static double squared_hinge_loss(double y, double p, double& deriv) noexcept {
        const double u = 1.0 - y * p;
        const bool off = u <= 0.0;
        deriv = off ? 0.0 : -2.0 * y * u;
        return off ? 0.0 : u * u;
    }
    /// log(1 + e^-z) = max(-z, 0) + log(1 + e^-|z|), z = y p, and its slope
    /// -y / (1 + e^z), without overflow and without branches.
    GDFAST_FORCE_INLINE static double log_loss(double y, double p, double& deriv) noexcept {
        double z, e;
        deriv = log_loss_slope(y, p, z, e);
        return log_loss_value(z, e);
    }
    /// The log loss in two halves with the bits of `log_loss`: the slope (returned), with
    /// z = y p and e = e^-|z| for `log_loss_value(z, e)`, the loss. A per-sample loop
    /// needs the slope at once (the next step depends on it) but the loss only at the end
    /// of the epoch, so it can evaluate the log1p of several rows in one vector loop.
    GDFAST_FORCE_INLINE static double log_loss_slope(double y, double p, double& z, double& e) noexcept {
        z = y * p;
        e = detail::exp_nonpos(-std::fabs(z));
        return -y * (z >= 0.0 ? e : 1.0) / (1.0 + e);
    }
    GDFAST_FORCE_INLINE static double log_loss_value(double z, double e) noexcept {
        return (z < 0.0 ? -z : 0.0) + detail::log1p_unit(e);
    }

    /// `eval` for the kernels' per-row calls: squared, hinge and epsilon-insensitive
    /// (smoothed or not) and squared hinge inlined, every other loss through the
    /// out-of-line `eval`.
    GDFAST_FORCE_INLINE double eval_row(double y, double p, double& deriv) const noexcept {
        if (kind == LossKind::squared) return squared_loss(y, p, deriv);
        if (kind == LossKind::hinge) return hinge_loss(y, p, smoothing, deriv);
        if (kind == LossKind::squared_hinge) return squared_hinge_loss(y, p, deriv);
        if (kind == LossKind::epsilon_insensitive)
            return epsilon_insensitive_loss(y, p, epsilon, smoothing, deriv);
        return eval(y, p, deriv);
    }
    /// Value of L(y, p); writes dL/dp to `deriv`. Computed in double: it is per row.
    double eval(double y, double p, double& deriv) const noexcept {
        switch (kind) {
            case LossKind::squared:
                return squared_loss(y, p, deriv);
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
            case LossKind::epsilon_insensitive:
                return epsilon_insensitive_loss(y, p, epsilon, smoothing, deriv);
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
            case LossKind::hinge:
                return hinge_loss(y, p, smoothing, deriv);
            case LossKind::squared_hinge:
                return squared_hinge_loss(y, p, deriv);
            case LossKind::log:
                return log_loss(y, p, deriv);
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
