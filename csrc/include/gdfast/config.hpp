// gdfast L0: compiler portability macros and the ISA namespace.
//
// Every L0 entity lives in `gdfast::GDFAST_ISA::` where GDFAST_ISA is an *inline*
// namespace: users write `gdfast::fit(...)`. The Python module compiles the kernels
// several times (generic, AVX2, AVX-512), each in its own inline namespace, so the
// variants never collide at link time (no ODR violation between instruction sets).
#pragma once

#include <cassert>
#include <cstdint>

#if defined(__GNUC__) || defined(__clang__)
#define GDFAST_RESTRICT __restrict__
#define GDFAST_LIKELY(x) __builtin_expect(!!(x), 1)
#define GDFAST_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define GDFAST_PREFETCH(p) __builtin_prefetch(static_cast<const void*>(p), 0, 3)
#define GDFAST_PREFETCH_L2(p) __builtin_prefetch(static_cast<const void*>(p), 0, 1)
#define GDFAST_COMPILER_BARRIER() asm volatile("" ::: "memory")
#define GDFAST_FORCE_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#include <intrin.h>
#define GDFAST_RESTRICT __restrict
#define GDFAST_LIKELY(x) (x)
#define GDFAST_UNLIKELY(x) (x)
#define GDFAST_PREFETCH(p) ((void)0)
#define GDFAST_PREFETCH_L2(p) ((void)0)
#define GDFAST_COMPILER_BARRIER() _ReadWriteBarrier()
#define GDFAST_FORCE_INLINE __forceinline
#else
#define GDFAST_RESTRICT
#define GDFAST_LIKELY(x) (x)
#define GDFAST_UNLIKELY(x) (x)
#define GDFAST_PREFETCH(p) ((void)0)
#define GDFAST_PREFETCH_L2(p) ((void)0)
#define GDFAST_COMPILER_BARRIER() ((void)0)
#define GDFAST_FORCE_INLINE inline
#endif

#ifndef GDFAST_ISA
#define GDFAST_ISA portable
#endif

#define GDFAST_ASSERT(cond) assert(cond)

#define GDFAST_BEGIN_NAMESPACE \
    namespace gdfast {         \
    inline namespace GDFAST_ISA {
#define GDFAST_END_NAMESPACE \
    }                        \
    }
