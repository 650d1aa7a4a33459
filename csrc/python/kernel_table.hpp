// gdfast L1 (internal): the table of kernel entry points that each compiled ISA variant
// (generic, AVX2, AVX-512) provides. ISA-neutral: no Python, no ISA namespace.
#pragma once

#include <cstdint>

#include "gdfast/types.hpp"

namespace gdfast::bindings {

enum class XKind : int { dense = 0, csr32 = 1, csr64 = 2 };

/// A checked view of X: dense row-major, or CSR with 32/64-bit indices.
template <class T>
struct XView {
    XKind kind = XKind::dense;
    const T* data = nullptr;
    const void* indices = nullptr;
    const void* indptr = nullptr;
    std::int64_t n_rows = 0;
    std::int64_t n_cols = 0;
};

template <class T>
struct IsaKernels {
    PassSums (*objective)(const XView<T>& X, const T* y, const T* sw, const T* w, double b,
                          const Loss& loss, T* grad, T* margins, int n_threads);
    /// check_indices: CSR column indices not checked by make_view (fit checks them)
    Status (*fit)(const XView<T>& X, const T* y, const T* sw, const FitBuffers<T>& buf,
                  const FitParams& p, EpochObserver<T> obs, Interrupt hook, int n_threads,
                  FitReport& rep, bool check_indices);
    Status (*fit_many)(const XView<T>& X, const T* Y, const T* sw, std::int64_t sw_stride,
                       const FitBuffers<T>* bufs, std::int64_t K, const FitParams& p,
                       const double* alphas, Interrupt hook, int n_threads, FitReport* reps, Status* statuses);
    /// out (n x K) <- X coef^T, coef K x n_cols (linear_scores)
    void (*scores)(const XView<T>& X, const T* coef, std::int64_t K, T* out, int n_threads);
};

struct KernelTable {
    const char* isa;
    IsaKernels<float> f32;
    IsaKernels<double> f64;
    template <class T>
    const IsaKernels<T>& get() const noexcept;
};
template <>
inline const IsaKernels<float>& KernelTable::get<float>() const noexcept { return f32; }
template <>
inline const IsaKernels<double>& KernelTable::get<double>() const noexcept { return f64; }

const KernelTable& table_generic();
#if defined(GDFAST_HAVE_X86_DISPATCH)
const KernelTable& table_avx2();
const KernelTable& table_avx512();
#endif

}  // namespace gdfast::bindings
