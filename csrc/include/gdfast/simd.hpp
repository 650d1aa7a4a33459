// gdfast L0: the per-element hot loops -- dot product and scaled add (axpy).
//
// Three implementations, chosen at compile time of the translation unit:
//  * AVX-512 (GDFAST_TARGET_AVX512 set by the dispatching TU, or __AVX512F__),
//  * AVX2 + FMA (GDFAST_TARGET_AVX2, or __AVX2__ && __FMA__),
//  * portable C++ with 8 independent accumulators (SSE2/NEON after vectorization).
// Several independent accumulators matter: a single FMA chain is latency bound and
// keeps one thread well below memory bandwidth. The summation order is fixed for a
// given ISA (it does not depend on the thread count).
#pragma once

#include <cstdint>

#include "config.hpp"

#if defined(GDFAST_TARGET_AVX512) || defined(__AVX512F__)
#define GDFAST_SIMD_AVX512 1
#include <immintrin.h>
#elif defined(GDFAST_TARGET_AVX2) || (defined(__AVX2__) && defined(__FMA__))
#define GDFAST_SIMD_AVX2 1
#include <immintrin.h>
#endif

GDFAST_BEGIN_NAMESPACE
namespace simd {

#if defined(GDFAST_SIMD_AVX512)
inline constexpr const char* isa_name = "avx512";
#elif defined(GDFAST_SIMD_AVX2)
inline constexpr const char* isa_name = "avx2";
#else
inline constexpr const char* isa_name = "portable";
#endif

// ---------------------------------------------------------------- portable fallback
// Each dot below has a kSq form: with it, the same loop also sums x.x into *sq, in
// accumulators of its own laid out as the dot's, so *sq has the bits of dot(x, x, n).
// A first epoch that measures its rows (learning_rate="auto", a full-batch pass that
// finds the largest row norm) then reads each row once for both sums.
template <bool kSq = false, class T>
inline T dot_portable(const T* GDFAST_RESTRICT x, const T* GDFAST_RESTRICT w,
                      std::int64_t n, T* sq = nullptr) noexcept {
    T acc[8] = {T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0)};
    [[maybe_unused]] T q[8] = {T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0)};
    std::int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int k = 0; k < 8; ++k) acc[k] += x[j + k] * w[j + k];
        if constexpr (kSq)
            for (int k = 0; k < 8; ++k) q[k] += x[j + k] * x[j + k];
    }
    for (int k = 0; j < n; ++j, ++k) {
        acc[k] += x[j] * w[j];
        if constexpr (kSq) q[k] += x[j] * x[j];
    }
    if constexpr (kSq) *sq = ((q[0] + q[4]) + (q[1] + q[5])) + ((q[2] + q[6]) + (q[3] + q[7]));
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

template <class T>
inline void axpy_portable(T a, const T* GDFAST_RESTRICT x, T* GDFAST_RESTRICT y,
                          std::int64_t n) noexcept {
    for (std::int64_t j = 0; j < n; ++j) y[j] += a * x[j];
}


/// y += a[0] x0 + a[1] x1 + a[2] x2 + a[3] x3 (y loaded and stored once per element).
template <class T>
inline void axpy4_portable(const T* a, const T* GDFAST_RESTRICT x0, const T* GDFAST_RESTRICT x1,
                           const T* GDFAST_RESTRICT x2, const T* GDFAST_RESTRICT x3,
                           T* GDFAST_RESTRICT y, std::int64_t n) noexcept {
    const T a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    for (std::int64_t j = 0; j < n; ++j) y[j] += ((a0 * x0[j] + a1 * x1[j]) + (a2 * x2[j] + a3 * x3[j]));
}

// The vector part of the dots below, for both ISAs and types: 4 accumulators over
// 4 W-lane vectors a step, then one vector at a time (kSq: the norm's own four).
// Declares a0-a3, q0-q3 and j, left at the first element not yet summed.
#define GDFAST_DOT_VECTOR_LOOPS(VEC, W, ZERO, LOADROW, LOAD, FMA)                        \
        VEC a0 = ZERO(), a1 = ZERO(), a2 = ZERO(), a3 = ZERO();                          \
        [[maybe_unused]] VEC q0 = ZERO(), q1 = ZERO(), q2 = ZERO(), q3 = ZERO();         \
        std::int64_t j = 0;                                                              \
        for (; j + 4 * W <= n; j += 4 * W) {                                             \
            const VEC x0 = LOADROW(x + j), x1 = LOADROW(x + j + W);                      \
            const VEC x2 = LOADROW(x + j + 2 * W), x3 = LOADROW(x + j + 3 * W);          \
            a0 = FMA(x0, LOAD(w + j), a0);                                               \
            a1 = FMA(x1, LOAD(w + j + W), a1);                                           \
            a2 = FMA(x2, LOAD(w + j + 2 * W), a2);                                       \
            a3 = FMA(x3, LOAD(w + j + 3 * W), a3);                                       \
            if constexpr (kSq) {                                                         \
                q0 = FMA(x0, x0, q0);                                                    \
                q1 = FMA(x1, x1, q1);                                                    \
                q2 = FMA(x2, x2, q2);                                                    \
                q3 = FMA(x3, x3, q3);                                                    \
            }                                                                            \
        }                                                                                \
        for (; j + W <= n; j += W) {                                                     \
            const VEC x0 = LOADROW(x + j);                                               \
            a0 = FMA(x0, LOAD(w + j), a0);                                               \
            if constexpr (kSq) q0 = FMA(x0, x0, q0);                                     \
        }

#if defined(GDFAST_SIMD_AVX512)
// ---------------------------------------------------------------- AVX-512
// x (the row, streamed from memory) is read in 256-bit halves, w (in L1) in 512-bit
// loads; the arithmetic is 512-bit. On AMD Zen 4 a 512-bit load that crosses a cache
// line, from a stream that misses L1, costs about twice a line's share of the pass:
// W1-shaped rows (100 float64, 800 bytes: every other row starts mid-line) took
// 30-33 ms per pass with 512-bit loads against 17-18 ms with two 256-bit loads (C++
// harness, 500,000 x 100, 1 thread; a plain read of X: 16-17 ms; rows of 96 values,
// all lines whole: 16-18 ms both ways). The halves give the same lanes, so the same bits.
inline __m512d load_row_pd(const double* p) noexcept {
    return _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(p)), _mm256_loadu_pd(p + 4), 1);
}
inline __m512 load_row_ps(const float* p) noexcept {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(p)), _mm256_loadu_ps(p + 8), 1);
}
// One definition for both types (W lanes a vector); kSq: see dot_portable.
#define GDFAST_DEF_DOT_AVX512(T, VEC, W, ZERO, LOADROW, LOAD, MLOAD, FMA, ADD, REDUCE, MASKT)  \
    template <bool kSq = false>                                                          \
    inline T dot(const T* GDFAST_RESTRICT x, const T* GDFAST_RESTRICT w, std::int64_t n, \
                 T* sq = nullptr) noexcept {                                             \
        GDFAST_DOT_VECTOR_LOOPS(VEC, W, ZERO, LOADROW, LOAD, FMA)                        \
        if (j < n) {                                                                     \
            const MASKT m = static_cast<MASKT>((1u << (n - j)) - 1u);                    \
            const VEC x0 = MLOAD(m, x + j);                                              \
            a1 = FMA(x0, MLOAD(m, w + j), a1);                                           \
            if constexpr (kSq) q1 = FMA(x0, x0, q1);                                     \
        }                                                                                \
        if constexpr (kSq) *sq = REDUCE(ADD(ADD(q0, q1), ADD(q2, q3)));                  \
        return REDUCE(ADD(ADD(a0, a1), ADD(a2, a3)));                                    \
    }
GDFAST_DEF_DOT_AVX512(double, __m512d, 8, _mm512_setzero_pd, load_row_pd, _mm512_loadu_pd,
                      _mm512_maskz_loadu_pd, _mm512_fmadd_pd, _mm512_add_pd, _mm512_reduce_add_pd,
                      __mmask8)
GDFAST_DEF_DOT_AVX512(float, __m512, 16, _mm512_setzero_ps, load_row_ps, _mm512_loadu_ps,
                      _mm512_maskz_loadu_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_reduce_add_ps,
                      __mmask16)
#undef GDFAST_DEF_DOT_AVX512
inline void axpy(double a, const double* GDFAST_RESTRICT x, double* GDFAST_RESTRICT y,
                 std::int64_t n) noexcept {
    const __m512d va = _mm512_set1_pd(a);
    std::int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        _mm512_storeu_pd(y + j, _mm512_fmadd_pd(va, _mm512_loadu_pd(x + j), _mm512_loadu_pd(y + j)));
        _mm512_storeu_pd(y + j + 8, _mm512_fmadd_pd(va, _mm512_loadu_pd(x + j + 8),
                                                    _mm512_loadu_pd(y + j + 8)));
    }
    for (; j + 8 <= n; j += 8)
        _mm512_storeu_pd(y + j, _mm512_fmadd_pd(va, _mm512_loadu_pd(x + j), _mm512_loadu_pd(y + j)));
    if (j < n) {
        const __mmask8 m = static_cast<__mmask8>((1u << (n - j)) - 1u);
        _mm512_mask_storeu_pd(y + j, m, _mm512_fmadd_pd(va, _mm512_maskz_loadu_pd(m, x + j),
                                                        _mm512_maskz_loadu_pd(m, y + j)));
    }
}
inline void axpy(float a, const float* GDFAST_RESTRICT x, float* GDFAST_RESTRICT y,
                 std::int64_t n) noexcept {
    const __m512 va = _mm512_set1_ps(a);
    std::int64_t j = 0;
    for (; j + 32 <= n; j += 32) {
        _mm512_storeu_ps(y + j, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j)));
        _mm512_storeu_ps(y + j + 16, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + j + 16),
                                                     _mm512_loadu_ps(y + j + 16)));
    }
    for (; j + 16 <= n; j += 16)
        _mm512_storeu_ps(y + j, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j)));
    if (j < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - j)) - 1u);
        _mm512_mask_storeu_ps(y + j, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + j),
                                                        _mm512_maskz_loadu_ps(m, y + j)));
    }
}


#define GDFAST_DEF_AXPY4_AVX512(T, VEC, W, SET1, LOAD, MLOAD, STORE, MSTORE, FMA, MUL, ADD, MASKT) \
    inline void axpy4(const T* a, const T* GDFAST_RESTRICT x0, const T* GDFAST_RESTRICT x1,     \
                      const T* GDFAST_RESTRICT x2, const T* GDFAST_RESTRICT x3,                 \
                      T* GDFAST_RESTRICT y, std::int64_t n) noexcept {                          \
        const VEC c0 = SET1(a[0]), c1 = SET1(a[1]), c2 = SET1(a[2]), c3 = SET1(a[3]);           \
        std::int64_t j = 0;                                                                     \
        for (; j + W <= n; j += W) {                                                            \
            VEC s = FMA(c0, LOAD(x0 + j), LOAD(y + j));                                         \
            VEC t = FMA(c2, LOAD(x2 + j), MUL(c3, LOAD(x3 + j)));                               \
            s = FMA(c1, LOAD(x1 + j), s);                                                       \
            STORE(y + j, ADD(s, t));                                                            \
        }                                                                                       \
        if (j < n) {                                                                            \
            const MASKT m = static_cast<MASKT>((1u << (n - j)) - 1u);                           \
            VEC s = FMA(c0, MLOAD(m, x0 + j), MLOAD(m, y + j));                                 \
            VEC t = FMA(c2, MLOAD(m, x2 + j), MUL(c3, MLOAD(m, x3 + j)));                       \
            s = FMA(c1, MLOAD(m, x1 + j), s);                                                   \
            MSTORE(y + j, m, ADD(s, t));                                                        \
        }                                                                                       \
    }
GDFAST_DEF_AXPY4_AVX512(double, __m512d, 8, _mm512_set1_pd, _mm512_loadu_pd, _mm512_maskz_loadu_pd,
                        _mm512_storeu_pd, _mm512_mask_storeu_pd, _mm512_fmadd_pd, _mm512_mul_pd,
                        _mm512_add_pd, __mmask8)
GDFAST_DEF_AXPY4_AVX512(float, __m512, 16, _mm512_set1_ps, _mm512_loadu_ps, _mm512_maskz_loadu_ps,
                        _mm512_storeu_ps, _mm512_mask_storeu_ps, _mm512_fmadd_ps, _mm512_mul_ps,
                        _mm512_add_ps, __mmask16)
#undef GDFAST_DEF_AXPY4_AVX512
#elif defined(GDFAST_SIMD_AVX2)
// ---------------------------------------------------------------- AVX2 + FMA
inline double hsum(__m256d v) noexcept {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
inline float hsum(__m256 v) noexcept {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
#define GDFAST_DEF_DOT_AVX2(T, VEC, W, ZERO, LOAD, FMA, ADD)                                \
    template <bool kSq = false>                                                          \
    inline T dot(const T* GDFAST_RESTRICT x, const T* GDFAST_RESTRICT w, std::int64_t n, \
                 T* sq = nullptr) noexcept {                                             \
        GDFAST_DOT_VECTOR_LOOPS(VEC, W, ZERO, LOAD, LOAD, FMA)                           \
        T s = hsum(ADD(ADD(a0, a1), ADD(a2, a3)));                                       \
        [[maybe_unused]] T t = T(0);                                                     \
        if constexpr (kSq) t = hsum(ADD(ADD(q0, q1), ADD(q2, q3)));                      \
        for (; j < n; ++j) {                                                             \
            s += x[j] * w[j];                                                            \
            if constexpr (kSq) t += x[j] * x[j];                                         \
        }                                                                                \
        if constexpr (kSq) *sq = t;                                                      \
        return s;                                                                        \
    }
GDFAST_DEF_DOT_AVX2(double, __m256d, 4, _mm256_setzero_pd, _mm256_loadu_pd, _mm256_fmadd_pd,
                    _mm256_add_pd)
GDFAST_DEF_DOT_AVX2(float, __m256, 8, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_fmadd_ps,
                    _mm256_add_ps)
#undef GDFAST_DEF_DOT_AVX2
inline void axpy(double a, const double* GDFAST_RESTRICT x, double* GDFAST_RESTRICT y,
                 std::int64_t n) noexcept {
    const __m256d va = _mm256_set1_pd(a);
    std::int64_t j = 0;
    for (; j + 4 <= n; j += 4)
        _mm256_storeu_pd(y + j, _mm256_fmadd_pd(va, _mm256_loadu_pd(x + j), _mm256_loadu_pd(y + j)));
    for (; j < n; ++j) y[j] += a * x[j];
}
inline void axpy(float a, const float* GDFAST_RESTRICT x, float* GDFAST_RESTRICT y,
                 std::int64_t n) noexcept {
    const __m256 va = _mm256_set1_ps(a);
    std::int64_t j = 0;
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(y + j, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + j), _mm256_loadu_ps(y + j)));
    for (; j < n; ++j) y[j] += a * x[j];
}
#else
template <bool kSq = false, class T>
inline T dot(const T* GDFAST_RESTRICT x, const T* GDFAST_RESTRICT w, std::int64_t n,
             T* sq = nullptr) noexcept {
    return dot_portable<kSq>(x, w, n, sq);
}
template <class T>
inline void axpy(T a, const T* GDFAST_RESTRICT x, T* GDFAST_RESTRICT y, std::int64_t n) noexcept {
    axpy_portable(a, x, y, n);
}
#endif
#undef GDFAST_DOT_VECTOR_LOOPS

// Four rows: one dot after the other (each row's sum is dot's). Reading the four rows
// side by side (one vector from each in turn, v loaded once for the four) is how the
// AVX-512 build read them until it was measured on AMD Zen 4: a pass over W1-shaped
// rows took 45-47 ms that way against 17-18 ms row after row (C++ harness, 1 thread,
// 256-bit loads both ways; a plain read of X: 16-17 ms).
template <class T>
inline void dot4(const T* GDFAST_RESTRICT x0, const T* GDFAST_RESTRICT x1, const T* GDFAST_RESTRICT x2,
                 const T* GDFAST_RESTRICT x3, const T* GDFAST_RESTRICT w, std::int64_t n, T* out) noexcept {
    out[0] = dot(x0, w, n);
    out[1] = dot(x1, w, n);
    out[2] = dot(x2, w, n);
    out[3] = dot(x3, w, n);
}
/// dot4, and the four rows' squared norms in sq (each with the bits of dot(x, x, n)).
template <class T>
inline void dot4_sq(const T* GDFAST_RESTRICT x0, const T* GDFAST_RESTRICT x1, const T* GDFAST_RESTRICT x2,
                    const T* GDFAST_RESTRICT x3, const T* GDFAST_RESTRICT w, std::int64_t n, T* out,
                    T* sq) noexcept {
    out[0] = dot<true>(x0, w, n, sq);
    out[1] = dot<true>(x1, w, n, sq + 1);
    out[2] = dot<true>(x2, w, n, sq + 2);
    out[3] = dot<true>(x3, w, n, sq + 3);
}
#if !defined(GDFAST_SIMD_AVX512)
// One pass over y for the four scaled adds (AVX2 / portable builds; AVX-512 above).
template <class T>
inline void axpy4(const T* a, const T* GDFAST_RESTRICT x0, const T* GDFAST_RESTRICT x1,
                  const T* GDFAST_RESTRICT x2, const T* GDFAST_RESTRICT x3, T* GDFAST_RESTRICT y,
                  std::int64_t n) noexcept {
    axpy4_portable(a, x0, x1, x2, x3, y, n);
}
#endif

/// Sparse dot: sum_k x[k] * w[idx[k]] with 4 independent accumulators; with kSq, also
/// the squared norm of x in the same loop, into *sq (4 sums of its own).
template <bool kSq, class T, class I>
inline T dot_sparse_impl(const T* GDFAST_RESTRICT x, const I* GDFAST_RESTRICT idx,
                         const T* GDFAST_RESTRICT w, std::int64_t nnz, T* sq) noexcept {
    T a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    [[maybe_unused]] T q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    std::int64_t k = 0;
    for (; k + 4 <= nnz; k += 4) {
        a0 += x[k] * w[idx[k]];
        a1 += x[k + 1] * w[idx[k + 1]];
        a2 += x[k + 2] * w[idx[k + 2]];
        a3 += x[k + 3] * w[idx[k + 3]];
        if constexpr (kSq) {
            q0 += x[k] * x[k];
            q1 += x[k + 1] * x[k + 1];
            q2 += x[k + 2] * x[k + 2];
            q3 += x[k + 3] * x[k + 3];
        }
    }
    for (; k < nnz; ++k) {
        a0 += x[k] * w[idx[k]];
        if constexpr (kSq) q0 += x[k] * x[k];
    }
    if constexpr (kSq) *sq = (q0 + q1) + (q2 + q3);
    return (a0 + a1) + (a2 + a3);
}
template <class T, class I>
inline T dot_sparse(const T* GDFAST_RESTRICT x, const I* GDFAST_RESTRICT idx,
                    const T* GDFAST_RESTRICT w, std::int64_t nnz) noexcept {
    return dot_sparse_impl<false>(x, idx, w, nnz, static_cast<T*>(nullptr));
}
template <class T, class I>
inline T dot_sparse_sq(const T* GDFAST_RESTRICT x, const I* GDFAST_RESTRICT idx,
                       const T* GDFAST_RESTRICT w, std::int64_t nnz, T& sq) noexcept {
    return dot_sparse_impl<true>(x, idx, w, nnz, &sq);
}

}  // namespace simd
GDFAST_END_NAMESPACE
