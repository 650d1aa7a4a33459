// gdfast L0: a small non-template-heavy C++ API for C++ and Cython callers
// (declared for Cython in src/gdfast/kernels.pxd). Header-only; no Python; no throw.
//
//   #include <gdfast/c_api.hpp>
//   double value, gb;
//   int st = gdfast::c_api::objective_dense<double>(X, n, d, y, nullptr, w, b,
//                                                  /*loss=*/6, 0.1, /*l2=*/1e-4,
//                                                  grad, &gb, &value, 2);
#pragma once

#include <cstdint>

#include "gdfast.hpp"

GDFAST_BEGIN_NAMESPACE
namespace c_api {

namespace detail {
template <class Rows, class T>
int objective_rows(const Rows& rows, const T* y, const T* sw, const T* w, T b, int loss,
                   double epsilon, double l2, T* grad, double* grad_b, double* value,
                   int n_threads, bool check_indices = false) noexcept {
    if (loss < 0 || loss > static_cast<int>(LossKind::perceptron) || n_threads < 1) return -1;
    Loss L{static_cast<LossKind>(loss), epsilon, 0.0};
    PassWorkspace<T> ws;
    const PassSums s = fused_pass(rows, y, sw, w, 1.0, static_cast<double>(b), L, grad,
                                  static_cast<T*>(nullptr), ws, n_threads, false, check_indices);
    if (s.bad_index || !(s.weight > 0.0)) return -1;
    const double inv = 1.0 / s.weight;
    double sq = 0.0;
    for (std::int64_t j = 0; j < rows.n_cols; ++j) {
        const double wj = static_cast<double>(w[j]);
        sq += wj * wj;
        if (grad != nullptr) grad[j] = static_cast<T>(static_cast<double>(grad[j]) * inv + l2 * wj);
    }
    if (value != nullptr) *value = s.loss * inv + 0.5 * l2 * sq;
    if (grad_b != nullptr) *grad_b = s.grad_b * inv;
    return s.finite ? static_cast<int>(Status::ok) : static_cast<int>(Status::non_finite);
}
}  // namespace detail

/// Mean loss + l2/2 ||w||^2 and its gradient for a dense row-major X (n x d).
/// \param loss  a LossKind value (0 squared ... 8 perceptron)
/// \param grad  length d (may be null); grad_b and value may be null
/// \return 0 ok, 1 non-finite, -1 invalid arguments
template <class T>
int objective_dense(const T* X, std::int64_t n, std::int64_t d, const T* y, const T* sw,
                    const T* w, T b, int loss, double epsilon, double l2, T* grad,
                    double* grad_b, double* value, int n_threads) noexcept {
    if (X == nullptr || y == nullptr || w == nullptr || n < 1 || d < 0) return -1;
    return detail::objective_rows(DenseRows<T>{X, n, d}, y, sw, w, b, loss, epsilon, l2, grad,
                                  grad_b, value, n_threads);
}

/// Same for a CSR matrix (indices must be valid: see csr_check).
template <class T, class I>
int objective_csr(const T* data, const I* indices, const I* indptr, std::int64_t n,
                  std::int64_t d, const T* y, const T* sw, const T* w, T b, int loss,
                  double epsilon, double l2, T* grad, double* grad_b, double* value,
                  int n_threads) noexcept {
    if (data == nullptr || indices == nullptr || indptr == nullptr || n < 1 || d < 0) return -1;
    // indptr here; the column indices row by row in the pass, just before each row is read
    if (csr_check(indptr, indices, n, d, static_cast<std::int64_t>(indptr[n]), n_threads, false) != 0)
        return -1;
    return detail::objective_rows(CsrRows<T, I>{data, indices, indptr, n, d}, y, sw, w, b, loss,
                                  epsilon, l2, grad, grad_b, value, n_threads, true);
}

/// Fits a model on dense X with `params` (see params.hpp); coef (length d) and
/// *intercept are the start point and receive the result. sw must have mean 1 or be null.
/// \return 0 ok, 1 non-finite (diverged), 2 interrupted, -1 invalid arguments
template <class T>
int fit_dense(const T* X, std::int64_t n, std::int64_t d, const T* y, const T* sw, T* coef,
              double* intercept, const FitParams& params, int n_threads,
              std::int64_t* n_iter) noexcept {
    if (X == nullptr || y == nullptr || coef == nullptr || intercept == nullptr || n < 1 ||
        d < 1 || n_threads < 1 || params.max_iter < 1)
        return -1;
    try {
        std::vector<T> avg(static_cast<std::size_t>(d));
        double avg_b = 0.0;
        std::int64_t k = 0;
        FitBuffers<T> buf{coef, intercept, avg.data(), &avg_b, &k};
        Poller poller(Interrupt{});
        FitReport rep;
        const Status st = fit(DenseRows<T>{X, n, d}, y, sw, buf, params, EpochObserver<T>{},
                              poller, n_threads, rep);
        if (k > 0)
            for (std::int64_t j = 0; j < d; ++j) coef[j] = avg[static_cast<std::size_t>(j)];
        *intercept = rep.intercept;
        if (n_iter != nullptr) *n_iter = rep.n_iter;
        return static_cast<int>(st);
    } catch (...) {  // allocation failure
        return -1;
    }
}

}  // namespace c_api
GDFAST_END_NAMESPACE
