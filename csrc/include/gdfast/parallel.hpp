// gdfast L0: the only file that includes <omp.h>. Without OpenMP everything runs on
// one thread and the pragmas elsewhere are ignored.
#pragma once

#include <algorithm>
#include <cstdint>

#include "config.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

GDFAST_BEGIN_NAMESPACE

inline constexpr bool have_openmp() noexcept {
#if defined(_OPENMP)
    return true;
#else
    return false;
#endif
}
/// OpenMP's default team size (honours OMP_NUM_THREADS and threadpoolctl limits).
inline int max_threads() noexcept {
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
}
inline int thread_id() noexcept {
#if defined(_OPENMP)
    return omp_get_thread_num();
#else
    return 0;
#endif
}
/// Inside an active parallel region (a team of more than one thread)?
inline bool in_parallel() noexcept {
#if defined(_OPENMP)
    return omp_in_parallel() != 0;
#else
    return false;
#endif
}
inline int team_size() noexcept {
#if defined(_OPENMP)
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/// body(k) for k in [0, n): on `n_threads` OpenMP threads (static schedule) when that is
/// more than one, else as a plain loop on the calling thread. A team of one is not free:
/// libgomp still forks and joins it and wakes the team's futex at each barrier (a C++
/// harness on the development VM: an empty `parallel for` of one thread 0.22 us, with a
/// worksharing loop, a `single` and a barrier inside 0.61 us; the same constructs
/// orphaned, outside any region, 0.011 us). Small problems run on one thread and call
/// their kernels thousands of times a fit.
template <class F>
GDFAST_FORCE_INLINE void parallel_for(int n_threads, std::int64_t n, F&& body) {
#if defined(_OPENMP)
    if (n_threads > 1) {
#pragma omp parallel for num_threads(n_threads) schedule(static)
        for (std::int64_t k = 0; k < n; ++k) body(k);
        return;
    }
#else
    (void)n_threads;
#endif
    for (std::int64_t k = 0; k < n; ++k) body(k);
}

/// body() on a team of `n_threads`, or on the calling thread without a team when that is
/// one thread and no active team encloses the call. `body` may hold orphaned worksharing
/// constructs and barriers: outside any team they cost nothing (see parallel_for), inside
/// an enclosing team (the one-vs-rest driver's) they need a team of their own, or they
/// would bind to the enclosing one.
template <class F>
GDFAST_FORCE_INLINE void run_team(int n_threads, F&& body) {
#if defined(_OPENMP)
    if (n_threads > 1 || in_parallel()) {
#pragma omp parallel num_threads(n_threads)
        body();
        return;
    }
#else
    (void)n_threads;
#endif
    body();
}

/// [begin, end) of part k of [0, n) split into `parts` nearly equal contiguous pieces.
inline void split_range(std::int64_t n, std::int64_t parts, std::int64_t k, std::int64_t& begin,
                        std::int64_t& end) noexcept {
    begin = n * k / parts;
    end = n * (k + 1) / parts;
}

/// Number of fixed row blocks for a reduction over rows. It depends only on the data
/// (never on the thread count), so block partial sums combined in block order give the
/// same bits for any number of threads. The partial-gradient buffers cost
/// n_blocks * n_cols; for sparse data that is kept small relative to nnz.
inline std::int64_t reduction_blocks(std::int64_t n_rows, std::int64_t n_cols, std::int64_t nnz,
                                     bool sparse) noexcept {
    std::int64_t nb = std::min<std::int64_t>(n_rows / 256, 256);
    if (sparse) nb = std::min<std::int64_t>(nb, nnz / (16 * std::max<std::int64_t>(n_cols, 1)));
    return std::max<std::int64_t>(nb, 1);
}

GDFAST_END_NAMESPACE
