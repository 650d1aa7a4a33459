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
inline int team_size() noexcept {
#if defined(_OPENMP)
    return omp_get_num_threads();
#else
    return 1;
#endif
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
