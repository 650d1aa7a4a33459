// gdfast L0: penalties R(w) of DESIGN.md and their proximal step.
#pragma once

#include <cmath>
#include <cstdint>

#include "config.hpp"

namespace gdfast {

enum class PenaltyKind : int { none = 0, l2 = 1, l1 = 2, elasticnet = 3 };

/// alpha R(w), split into a smooth part l2/2 ||w||^2 and a non-smooth part l1 ||w||_1.
struct Penalty {
    PenaltyKind kind = PenaltyKind::l2;
    double alpha = 1e-4;
    double l1_ratio = 0.15;

    double l2() const noexcept {
        switch (kind) {
            case PenaltyKind::l2: return alpha;
            case PenaltyKind::elasticnet: return alpha * (1.0 - l1_ratio);
            default: return 0.0;
        }
    }
    double l1() const noexcept {
        switch (kind) {
            case PenaltyKind::l1: return alpha;
            case PenaltyKind::elasticnet: return alpha * l1_ratio;
            default: return 0.0;
        }
    }
    /// alpha R(w) for w = scale * v (accumulated in double).
    template <class T>
    double value(const T* v, std::int64_t d, double scale = 1.0) const noexcept {
        const double c2 = l2(), c1 = l1();
        if (c2 == 0.0 && c1 == 0.0) return 0.0;
        double s2 = 0.0, s1 = 0.0;
        for (std::int64_t j = 0; j < d; ++j) {
            const double x = static_cast<double>(v[j]);
            s2 += x * x;
            s1 += std::fabs(x);
        }
        return 0.5 * c2 * s2 * scale * scale + c1 * s1 * std::fabs(scale);
    }
};

/// Soft-thresholding: the proximal map of thr * |x|.
template <class T>
inline T soft_threshold(T x, T thr) noexcept {
    return x > thr ? x - thr : (x < -thr ? x + thr : T(0));
}

}  // namespace gdfast
