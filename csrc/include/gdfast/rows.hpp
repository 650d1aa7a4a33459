// gdfast L0: read-only views of the rows of X (dense row-major, CSR). Each solver is
// written once against this small interface:
//   n_rows, n_cols, nnz(), dot(i, w), dot_sq(i, w, sq), axpy(i, a, y),
//   axpy_cols(i, a, y, j0, j1), sq_norm(i), for_each(i, f(j, x_ij)), prefetch(i)
// The views never own or copy memory; the caller guarantees the buffers outlive them
// and (checked once at the boundary, L1) that CSR invariants hold.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "config.hpp"
#include "simd.hpp"

GDFAST_BEGIN_NAMESPACE

/// Dense C-contiguous (row-major) matrix.
template <class T>
struct DenseRows {
    using value_type = T;
    static constexpr bool is_sparse = false;
    const T* data = nullptr;
    std::int64_t n_rows = 0;
    std::int64_t n_cols = 0;

    const T* row(std::int64_t i) const noexcept { return data + i * n_cols; }
    std::int64_t nnz() const noexcept { return n_rows * n_cols; }
    T dot(std::int64_t i, const T* GDFAST_RESTRICT w) const noexcept {
        return simd::dot(row(i), w, n_cols);
    }
    void axpy(std::int64_t i, T a, T* GDFAST_RESTRICT y) const noexcept {
        simd::axpy(a, row(i), y, n_cols);
    }
    /// y[j] += a * x_ij for j in [j0, j1) only (column-partitioned parallel updates).
    void axpy_cols(std::int64_t i, T a, T* GDFAST_RESTRICT y, std::int64_t j0,
                   std::int64_t j1) const noexcept {
        if (j1 > j0) simd::axpy(a, row(i) + j0, y + j0, j1 - j0);
    }
    T sq_norm(std::int64_t i) const noexcept { return simd::dot(row(i), row(i), n_cols); }
    /// dot(i, w), and the row's squared norm in `sq` (the bits of sq_norm(i)), in one
    /// read of the row
    T dot_sq(std::int64_t i, const T* GDFAST_RESTRICT w, T& sq) const noexcept {
        return simd::dot<true>(row(i), w, n_cols, &sq);
    }
    template <class F>
    void for_each(std::int64_t i, F&& f) const {
        const T* r = row(i);
        for (std::int64_t j = 0; j < n_cols; ++j) f(j, r[j]);
    }
    /// Dense rows need no index to be found (see CsrRows::prefetch_index).
    void prefetch_index(std::int64_t) const noexcept {}
    /// Ask the memory system for row i ahead of use (random visiting orders are
    /// latency bound otherwise), into L2: a dozen rows ahead do not fit the L1 miss
    /// buffers. Caps at 2 KiB: the hardware prefetcher streams the rest. The compiler
    /// barrier keeps the prefetches ahead of the current rows' work (without it GCC 12's
    /// schedule made a dense mini-batch epoch on W1 46 instead of 36 ms).
    void prefetch(std::int64_t i) const noexcept {
        GDFAST_COMPILER_BARRIER();
        const char* p = reinterpret_cast<const char*>(row(i));
        const std::int64_t bytes = std::min<std::int64_t>(n_cols * std::int64_t(sizeof(T)), 2048);
        for (std::int64_t off = 0; off < bytes; off += 64) GDFAST_PREFETCH_L2(p + off);
    }
};

/// CSR matrix with index type I (int32 or int64). Duplicate column indices within a row
/// are summed (as scipy does); indices need not be sorted.
template <class T, class I>
struct CsrRows {
    using value_type = T;
    static constexpr bool is_sparse = true;
    const T* data = nullptr;
    const I* indices = nullptr;
    const I* indptr = nullptr;
    std::int64_t n_rows = 0;
    std::int64_t n_cols = 0;

    std::int64_t begin(std::int64_t i) const noexcept { return static_cast<std::int64_t>(indptr[i]); }
    std::int64_t end(std::int64_t i) const noexcept { return static_cast<std::int64_t>(indptr[i + 1]); }
    std::int64_t nnz() const noexcept { return static_cast<std::int64_t>(indptr[n_rows]) - begin(0); }
    T dot(std::int64_t i, const T* GDFAST_RESTRICT w) const noexcept {
        const std::int64_t b = begin(i);
        return simd::dot_sparse(data + b, indices + b, w, end(i) - b);
    }
    /// dot(i, w), and the row's squared norm in `sq`, summed in the same loop (in another
    /// order than sq_norm(i)): per-sample SGD with learning_rate="auto" measures every row
    /// of its first epoch, and a separate sum cost 4-8 ms of W4's 28-37 ms epoch.
    T dot_sq(std::int64_t i, const T* GDFAST_RESTRICT w, T& sq) const noexcept {
        const std::int64_t b = begin(i);
        return simd::dot_sparse_sq(data + b, indices + b, w, end(i) - b, sq);
    }
    void axpy(std::int64_t i, T a, T* GDFAST_RESTRICT y) const noexcept {
        for (std::int64_t k = begin(i), e = end(i); k < e; ++k) y[indices[k]] += a * data[k];
    }
    void axpy_cols(std::int64_t i, T a, T* GDFAST_RESTRICT y, std::int64_t j0,
                   std::int64_t j1) const noexcept {
        for (std::int64_t k = begin(i), e = end(i); k < e; ++k) {
            const auto j = static_cast<std::int64_t>(indices[k]);
            if (j >= j0 && j < j1) y[j] += a * data[k];
        }
    }
    /// y[indices[k]] += a * data[k] for the stored values k0 <= k < k1 (a part of a row
    /// that cuts_at found).
    void axpy_span(std::int64_t k0, std::int64_t k1, T a, T* GDFAST_RESTRICT y) const noexcept {
        for (std::int64_t k = k0; k < k1; ++k) y[indices[k]] += a * data[k];
    }
    /// Where row i crosses the columns cols[0] <= cols[1] <= ... <= cols[m - 1]: cut[t] is
    /// its first stored value in a column >= cols[t], so its values in columns
    /// [cols[t], cols[t + 1]) are [cut[t], cut[t + 1]). Valid when the row's column indices
    /// are non-decreasing (scipy's canonical form, which gdfast's Python layer always
    /// passes); returns false, cut unspecified, when they are not. The mini-batch CSR
    /// kernel uses it so that each thread's scatter touches only its own values, instead
    /// of testing every value's column against the thread's range (a branch that goes
    /// either way at random). Measured gain only where w does not fit in the caches
    /// (W4's rows spread over 5,000,000 columns, 2 threads, a 4-epoch fit: 490-567 ->
    /// 443-471 ms); none on W4 itself (50,000 columns) or over 500,000 columns.
    bool cuts_at(std::int64_t i, const std::int64_t* GDFAST_RESTRICT cols, std::int64_t m,
                 std::int64_t* GDFAST_RESTRICT cut) const noexcept {
        const std::int64_t b = begin(i), e = end(i);
        int unsorted = 0;
        for (std::int64_t k = b + 1; k < e; ++k) unsorted |= static_cast<int>(indices[k] < indices[k - 1]);
        if (unsorted != 0) return false;
        const I* lo = indices + b;
        for (std::int64_t t = 0; t < m; ++t) {
            lo = std::lower_bound(lo, indices + e, cols[t],
                                  [](I x, std::int64_t v) { return static_cast<std::int64_t>(x) < v; });
            cut[t] = lo - indices;
        }
        return true;
    }
    /// Every column index of row i in [0, n_cols): for kernels that check the indices
    /// of a row just before they use it (csr_check(..., check_indices=false) then; the
    /// row is in L1 by then, so this costs a few vector compares instead of a read of
    /// all indices up front). Branch-free, so that it vectorizes.
    bool row_indices_ok(std::int64_t i) const noexcept {
        const auto lim = static_cast<std::uint64_t>(n_cols);
        int bad = 0;
        for (std::int64_t k = begin(i), e = end(i); k < e; ++k)
            bad |= static_cast<int>(static_cast<std::uint64_t>(static_cast<std::int64_t>(indices[k])) >= lim);
        return bad == 0;
    }
    T sq_norm(std::int64_t i) const noexcept {
        // Duplicates are summed, so the norm is that of the summed row only when the
        // indices are unique; L1 rejects/documents duplicates for the norm-based steps.
        T s = 0;
        for (std::int64_t k = begin(i), e = end(i); k < e; ++k) s += data[k] * data[k];
        return s;
    }
    template <class F>
    void for_each(std::int64_t i, F&& f) const {
        for (std::int64_t k = begin(i), e = end(i); k < e; ++k)
            f(static_cast<std::int64_t>(indices[k]), data[k]);
    }
    /// Ask for indptr[i] (into L1), which prefetch(i) reads: a shuffled visiting order
    /// reads indptr at random places, and a prefetch waiting for its address holds up
    /// the instructions after it. Called about twice as far ahead as prefetch(i).
    void prefetch_index(std::int64_t i) const noexcept { GDFAST_PREFETCH(indptr + i); }
    /// Ask for row i ahead of use, into L2: its values and indices, up to 256 stored
    /// values (the hardware prefetcher streams the rest). The compiler barrier keeps the
    /// prefetches where they are written, ahead of the current row's work: GCC 12
    /// otherwise schedules them so that per-sample SGD on W4 takes 48 instead of 32 ms an
    /// epoch (measured; the first line of each array alone: 46 ms).
    void prefetch(std::int64_t i) const noexcept {
        GDFAST_COMPILER_BARRIER();
        const std::int64_t b = begin(i), e = std::min(end(i), b + 256);
        if (e <= b) return;
        const char* pd = reinterpret_cast<const char*>(data + b);
        const char* const pde = reinterpret_cast<const char*>(data + e);
        for (; pd < pde; pd += 64) GDFAST_PREFETCH_L2(pd);
        GDFAST_PREFETCH_L2(pde - 1);  // the last line, when the row does not start on one
        const char* pi = reinterpret_cast<const char*>(indices + b);
        const char* const pie = reinterpret_cast<const char*>(indices + e);
        for (; pi < pie; pi += 64) GDFAST_PREFETCH_L2(pi);
        GDFAST_PREFETCH_L2(pie - 1);
    }
};

/// Every stored column index indices[0 .. nnz) in [0, n_cols): one read of the index
/// array. Branch-free, so that it vectorizes: a scalar loop here cost ~1 ns per stored
/// value, as much as half of a fused pass over the matrix (W4: ~10 of ~30 ms).
template <class I>
bool csr_indices_in_range(const I* indices, std::int64_t nnz, std::int64_t n_cols,
                          int n_threads) noexcept {
    int bad = 0;
    if (n_cols > static_cast<std::int64_t>(std::numeric_limits<I>::max())) {
#pragma omp parallel for num_threads(n_threads) schedule(static) reduction(| : bad)
        for (std::int64_t k = 0; k < nnz; ++k) bad |= static_cast<int>(indices[k] < 0);
    } else {
        const auto lim = static_cast<I>(n_cols);
#pragma omp parallel for num_threads(n_threads) schedule(static) reduction(| : bad)
        for (std::int64_t k = 0; k < nnz; ++k)
            bad |= static_cast<int>(indices[k] < 0) | static_cast<int>(indices[k] >= lim);
    }
    return bad == 0;
}

/// Validates CSR invariants once (so the kernels need no checks): returns 0 if valid,
/// 1 indptr[0] != 0, 2 indptr decreasing, 3 indptr[n] larger than the index array,
/// 4 a column index negative or >= n_cols.
/// \param check_indices  false: only indptr (O(n_rows)); for a kernel that checks each
///     row's indices with CsrRows::row_indices_ok before it uses them (fused_pass with
///     check_indices), which saves a read of all indices (W4: 40 MB, ~10% of a pass)
template <class I>
int csr_check(const I* indptr, const I* indices, std::int64_t n_rows, std::int64_t n_cols,
              std::int64_t n_indices, int n_threads, bool check_indices = true) noexcept {
    if (indptr[0] != 0) return 1;
    for (std::int64_t i = 0; i < n_rows; ++i)
        if (indptr[i + 1] < indptr[i]) return 2;
    const auto nnz = static_cast<std::int64_t>(indptr[n_rows]);
    if (nnz > n_indices) return 3;
    if (!check_indices) return 0;
    return csr_indices_in_range(indices, nnz, n_cols, n_threads) ? 0 : 4;
}

/// s (||x_i||^2 + extra), the row's part of a step-size bound (see StepRule), given
/// sq = the row's squared norm summed in T (by sq_norm, or by dot_sq along with a dot
/// product). When T's sum overflows (float32 from |x| ~ 1e19) the norm is summed again in
/// double. The relative rounding of T's sum is far below the slack of a step-size bound;
/// the factor 1 + 1e-5 covers it anyway. Non-finite only when the norm overflows double.
template <class Rows>
double row_bound(const Rows& rows, std::int64_t i, typename Rows::value_type sq, double s,
                 double extra) noexcept {
    using T = typename Rows::value_type;
    double q = static_cast<double>(sq) * (1.0 + 1e-5);
    if (!std::isfinite(q)) {
        q = 0.0;
        rows.for_each(i, [&q](std::int64_t, T x) { q += static_cast<double>(x) * static_cast<double>(x); });
    }
    return s * (q + extra);
}
template <class Rows>
double weighted_row_bound(const Rows& rows, std::int64_t i, double s, double extra) noexcept {
    return row_bound(rows, i, rows.sq_norm(i), s, extra);
}

GDFAST_END_NAMESPACE
