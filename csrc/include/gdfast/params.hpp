// gdfast L0: solver parameters and results (plain structs, no Python).
#pragma once

#include <cstdint>
#include <vector>

#include "config.hpp"
#include "loss.hpp"
#include "penalty.hpp"

namespace gdfast {

enum class Schedule : int {
    constant = 0,
    optimal = 1,
    invscaling = 2,
    adaptive = 3,
    pa1 = 4,
    pa2 = 5,
    automatic = 6,  ///< "auto": step from the loss curvature and the largest row norm
};

/// Full-batch algorithm: auto = L-BFGS unless the penalty has an L1 part or momentum /
/// Nesterov was asked for (then proximal gradient descent with backtracking).
enum class FullSolver : int { automatic = 0, gd = 1, lbfgs = 2 };

struct FitParams {
    Loss loss;
    Penalty penalty;
    bool fit_intercept = true;
    std::int64_t batch_size = 1;  ///< 1: per-sample; >1: mini-batch; <=0 or >= n: full batch
    Schedule schedule = Schedule::automatic;
    double eta0 = 0.01;
    double power_t = 0.25;
    double momentum = 0.0;
    bool nesterov = false;
    std::int64_t max_iter = 1000;
    double tol = 1e-3;  ///< negative: never stop on tol
    std::int64_t n_iter_no_change = 5;
    bool shuffle = true;
    std::int64_t shuffle_block = 1;  ///< 1: full row shuffle; k > 1: blocks of k rows
    /// Per-sample SGD: the intercept moves by intercept_decay * (the step of a weight
    /// whose feature is 1). scikit-learn uses 0.01 on sparse X, 1 on dense X.
    double intercept_decay = 1.0;
    std::uint64_t seed = 0;
    std::int64_t average_start = 0;  ///< 0: no averaging; k >= 1: average from update t >= k
    double t_start = 1.0;            ///< scikit-learn's t_ to resume the schedule from
    bool track_objective = true;     ///< exact objective after each epoch (one more pass)
    FullSolver full_solver = FullSolver::automatic;
};

/// What an epoch-end observer sees (verbose output, validation early stopping).
template <class T>
struct EpochInfo {
    std::int64_t epoch = 0;  ///< 1-based
    double t = 0.0;
    double train_loss = 0.0;  ///< mean (weighted) loss seen during the epoch
    double objective = 0.0;   ///< exact objective if tracked, else NaN
    double eta = 0.0;
    const T* coef = nullptr;  ///< materialized current coefficients (n_cols)
    double intercept = 0.0;
};

/// Optional observer called at the end of every epoch from the calling thread, outside
/// parallel regions. Returns a score to maximise (e.g. a validation score) that then
/// replaces the training loss in the tol / n_iter_no_change rule, or NaN to keep the
/// training loss. `*stop = 1` requests an interrupt.
template <class T>
struct EpochObserver {
    double (*fn)(void* ctx, const EpochInfo<T>& info, int* stop) = nullptr;
    void* ctx = nullptr;
};

struct FitReport {
    std::int64_t n_iter = 0;    ///< epochs (iterations for full batch) run
    double t = 1.0;             ///< scikit-learn's t_ after the fit
    bool converged = false;
    std::int64_t bad_epoch = 0; ///< epoch at which non-finite values appeared
    std::vector<double> objective_history;
    /// SGD epochs: the stopping rule's value -- the epoch's average loss plus the
    /// penalty: averaged over the weights of each step for per-sample SGD with a tol
    /// (scikit-learn's criterion), else at the end of the epoch -- before a validation
    /// score replaces it. Empty for full-batch solvers.
    std::vector<double> criterion_history;
    double intercept = 0.0;
    double standard_intercept = 0.0;
    std::int64_t n_averaged = 0;
    double final_eta = 0.0;
    /// full-batch solvers: passes over X (fused passes, and L-BFGS's dots-only passes on
    /// CSR) and L-BFGS's line evaluations on margins (O(n_rows) each, no read of X);
    /// 0 for the SGD solvers
    std::int64_t n_passes = 0;
    std::int64_t n_line_evals = 0;
};

/// Sums produced by one pass (not yet divided by the weight sum).
struct PassSums {
    double loss = 0.0;        ///< sum_i s_i L(y_i, p_i)
    double loss_exact = 0.0;  ///< same with the unsmoothed loss (== loss if not smoothing)
    double grad_b = 0.0;      ///< sum_i s_i dL/dp_i
    double weight = 0.0;      ///< sum_i s_i
    bool finite = true;       ///< every margin and loss value finite
    /// max ||x_i||^2 over the rows of positive weight, when the pass was asked for it
    /// (0 otherwise; +inf if it overflows double)
    double max_sq_norm = 0.0;
    /// a CSR row had a column index outside [0, n_cols) (only when the pass was asked to
    /// check them); such rows are skipped, so the other sums are then meaningless
    bool bad_index = false;
};

/// Buffers of one fit. Everything is the caller's memory; nothing is copied.
template <class T>
struct FitBuffers {
    T* coef = nullptr;            ///< in: start point; out: the standard (non-averaged) w
    double* intercept = nullptr;  ///< in/out
    T* avg_coef = nullptr;        ///< in: average so far (if *n_averaged > 0); out: average
    double* avg_intercept = nullptr;
    std::int64_t* n_averaged = nullptr;
};

}  // namespace gdfast
