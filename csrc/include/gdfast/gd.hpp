// gdfast L0: full-batch proximal gradient descent with backtracking line search,
// optional momentum / Nesterov (FISTA-style) acceleration with adaptive restart, and
// smoothing continuation for the non-smooth losses (hinge, perceptron,
// epsilon-insensitive). Every function value and gradient comes from one fused pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "config.hpp"
#include "objective.hpp"
#include "params.hpp"
#include "penalty.hpp"
#include "rows.hpp"
#include "status.hpp"

GDFAST_BEGIN_NAMESPACE

namespace detail {
/// Smooth part f = (1/W) sum s L + l2/2 ||w||^2 with gradient, plus the exact objective.
template <class Rows, class T>
struct SmoothEval {
    const Rows& rows;
    const T* y;
    const T* sw;
    const FitParams& p;
    int n_threads;
    PassWorkspace<T> ws;
    std::int64_t& passes;  // FitReport::n_passes

    struct Out {
        double f = 0.0;      ///< smooth objective (with the smoothed loss)
        double exact = 0.0;  ///< exact objective P(w, b) (unsmoothed loss, full penalty)
        double gb = 0.0;     ///< gradient w.r.t. the intercept
        bool finite = true;
    };
    Out operator()(const T* w, double b, const Loss& loss, T* grad) {
        ++passes;
        const std::int64_t d = rows.n_cols;
        const PassSums s = fused_pass(rows, y, sw, w, 1.0, b, loss, grad, static_cast<T*>(nullptr), ws, n_threads);
        const double invW = s.weight > 0.0 ? 1.0 / s.weight : 0.0;
        const double l2 = p.penalty.l2();
        double sq = 0.0, gsum = 0.0;
        for (std::int64_t j = 0; j < d; ++j) {
            const double wj = static_cast<double>(w[j]);
            sq += wj * wj;
            grad[j] = static_cast<T>(static_cast<double>(grad[j]) * invW + l2 * wj);
            gsum += static_cast<double>(grad[j]);
        }
        Out o;
        o.f = s.loss * invW + 0.5 * l2 * sq;
        o.exact = s.loss_exact * invW + p.penalty.value(w, d);
        o.gb = p.fit_intercept ? s.grad_b * invW : 0.0;
        o.finite = s.finite && std::isfinite(o.f) && std::isfinite(gsum);
        return o;
    }
};
}  // namespace detail

/// \param w      in: start point; out: solution (length n_cols)
/// \param b      in/out intercept
/// \param lipschitz  an upper bound of the curvature of f (first step = 1/lipschitz)
template <class Rows, class T = typename Rows::value_type>
Status gd_solve(const Rows& rows, const T* GDFAST_RESTRICT y, const T* GDFAST_RESTRICT sw, T* w,
                double& b, const FitParams& p, double lipschitz, EpochObserver<T> observer,
                Poller& poller, int n_threads, FitReport& rep) {
    const std::int64_t d = rows.n_cols;
    const auto du = static_cast<std::size_t>(d);
    detail::SmoothEval<Rows, T> eval_b{rows, y, sw, p, n_threads, {}, rep.n_passes};
    // With an intercept, the intercept variable may be c = b + mu.w (see
    // centring_means); `b`, `bp`, `by`, `bn` below hold c, and the smooth part's gradient
    // with respect to w at fixed c is the pass's gradient - mu dP/db.
    const std::vector<double> mu = p.fit_intercept ? centring_means(rows, sw) : std::vector<double>{};
    const bool centred = !mu.empty();
    auto mu_dot = [&](const T* v) {
        double s = 0.0;
        for (std::int64_t j = 0; j < static_cast<std::int64_t>(mu.size()); ++j)
            s += mu[static_cast<std::size_t>(j)] * static_cast<double>(v[j]);
        return s;
    };
    auto eval = [&](const T* v, double c, const Loss& l, T* grad) {
        auto o = eval_b(v, centred ? c - mu_dot(v) : c, l, grad);
        if (centred)
            for (std::int64_t j = 0; j < static_cast<std::int64_t>(mu.size()); ++j)
                grad[j] = static_cast<T>(static_cast<double>(grad[j]) - mu[static_cast<std::size_t>(j)] * o.gb);
        return o;
    };
    if (centred) b += mu_dot(w);
    // every exit hands back b, not c
    struct HandBack {
        const decltype(mu_dot)& mu_dot_;
        bool on;
        double& b_;
        const T* w_;
        ~HandBack() {
            if (on) b_ -= mu_dot_(w_);
        }
    } hand_back{mu_dot, centred, b, w};
    const double l1 = p.penalty.l1();
    Loss loss = p.loss;
    const bool continuation = !loss.is_smooth();
    const double unit = continuation ? smoothing_unit(p.loss, y, sw, rows.n_rows) : 1.0;  // (see there)
    const double mu_final = unit * (p.tol > 0.0 ? std::max(1e-6, std::min(p.tol, 1e-2)) : 1e-6);
    if (continuation) loss.smoothing = unit;
    const bool accel = p.nesterov || p.momentum > 0.0;

    std::vector<T> gx(du), xp(w, w + d), yv(du), gy(du), xn(du), gn(du);
    double bp = b, by = b, bn = b;
    auto out = eval(w, b, loss, gx.data());
    if (!out.finite) {
        rep.bad_epoch = 0;
        return Status::non_finite;
    }
    double step = 1.0 / std::max(lipschitz, 1e-300);
    double gm0 = -1.0, gm_stage0 = -1.0;
    std::int64_t k = 0;  // iterations since the last (re)start of momentum
    double Fx = out.f + l1 * [&] { double s = 0; for (std::int64_t j = 0; j < d; ++j) s += std::fabs(static_cast<double>(w[j])); return s; }();
    std::vector<T> tmp;

    for (std::int64_t iter = 1; iter <= p.max_iter; ++iter) {
        if (poller.poll_now()) return Status::interrupted;
        // Extrapolated point y (== x without acceleration).
        auto oy = out;
        const T* Y = w;
        const T* GY = gx.data();
        double gby = out.gb;
        by = b;
        if (accel && k > 0) {
            const double beta = p.momentum > 0.0 ? p.momentum
                                                 : static_cast<double>(k - 1) / static_cast<double>(k + 2);
            for (std::int64_t j = 0; j < d; ++j)
                yv[j] = static_cast<T>(static_cast<double>(w[j]) + beta * (static_cast<double>(w[j]) - static_cast<double>(xp[j])));
            by = b + beta * (b - bp);
            oy = eval(yv.data(), by, loss, gy.data());
            if (!oy.finite) {
                rep.bad_epoch = iter;
                return Status::non_finite;
            }
            Y = yv.data();
            GY = gy.data();
            gby = oy.gb;
        }
        // Backtracking: sufficient decrease of the smooth part along the prox step.
        bool accepted = false;
        double diff2 = 0.0;
        decltype(out) on;
        for (int trial = 0; trial < 80; ++trial) {
            diff2 = 0.0;
            double lin = 0.0;
            for (std::int64_t j = 0; j < d; ++j) {
                const double yj = static_cast<double>(Y[j]);
                double nj = yj - step * static_cast<double>(GY[j]);
                if (l1 > 0.0) nj = soft_threshold(nj, step * l1);
                xn[j] = static_cast<T>(nj);
                const double dj = static_cast<double>(xn[j]) - yj;
                diff2 += dj * dj;
                lin += static_cast<double>(GY[j]) * dj;
            }
            bn = p.fit_intercept ? by - step * gby : by;
            const double db = bn - by;
            diff2 += db * db;
            lin += gby * db;
            on = eval(xn.data(), bn, loss, gn.data());
            if (!on.finite) {  // too long a step can overflow: shorten it
                step *= 0.25;
                continue;
            }
            const double bound = oy.f + lin + diff2 / (2.0 * step);
            if (on.f <= bound + 1e-13 * std::fabs(oy.f)) {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if (!accepted) {
            rep.n_iter = iter;
            if (!on.finite) {
                rep.bad_epoch = iter;
                return Status::non_finite;
            }
            rep.converged = true;  // no decrease possible at machine precision
            break;
        }
        double l1n = 0.0;
        if (l1 > 0.0)
            for (std::int64_t j = 0; j < d; ++j) l1n += std::fabs(static_cast<double>(xn[j]));
        const double Fn = on.f + l1 * l1n;
        if (accel && Fn > Fx) k = 0; else ++k;  // adaptive restart
        std::copy(w, w + d, xp.begin());
        bp = b;
        std::copy(xn.begin(), xn.end(), w);
        b = bn;
        std::swap(gx, gn);
        out = on;
        Fx = Fn;
        rep.n_iter = iter;
        rep.objective_history.push_back(on.exact);
        step *= 1.25;  // let the step grow back; backtracking shrinks it when needed

        if (observer.fn != nullptr) {
            EpochInfo<T> info;
            info.epoch = iter;
            info.t = static_cast<double>(iter);
            info.train_loss = on.exact;
            info.objective = on.exact;
            info.eta = step;
            info.coef = w;
            info.intercept = centred ? b - mu_dot(w) : b;
            int stop = 0;
            observer.fn(observer.ctx, info, &stop);
            if (stop != 0) return Status::interrupted;
        }
        // Optimality measure: norm of the gradient mapping (x_new - y) / step.
        const double gm = std::sqrt(diff2) / (step / 1.25);
        if (gm0 < 0.0) gm0 = gm;
        if (gm_stage0 < 0.0) gm_stage0 = gm;
        if (continuation && loss.smoothing > mu_final) {
            if (gm <= 0.1 * gm_stage0 || gm == 0.0) {
                loss.smoothing = std::max(mu_final, loss.smoothing * 0.1);
                out = eval(w, b, loss, gx.data());
                Fx = out.f + l1 * l1n;
                k = 0;
                gm_stage0 = -1.0;
                step = std::max(step, 1e-300);
            }
            continue;
        }
        if (p.tol >= 0.0 && (gm <= p.tol * gm0 || gm == 0.0)) {
            rep.converged = true;
            break;
        }
    }
    rep.final_eta = step;
    return Status::ok;
}

GDFAST_END_NAMESPACE
