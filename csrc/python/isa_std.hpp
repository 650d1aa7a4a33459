// gdfast L1 (internal): every standard / system header the kernels use, included by each
// ISA translation unit *before* its target pragma, so that the standard library and the
// ISA-neutral types keep the baseline instruction set in every TU (no ODR mixing of
// AVX-512 code into generic paths). The ISA-neutral gdfast headers (outside the inline
// ISA namespace: losses, penalties, parameters, status, allocator) are included here too:
// their inline functions are shared by all variants, and an out-of-line copy compiled
// under an AVX-512 target pragma could otherwise be the one the linker keeps. Inlined
// into a kernel they still take that kernel's instruction set -- but GCC (with LTO) left
// the per-row loss evaluations out of line, as baseline SSE2 code called from every
// variant's hot loop: W3's fused pass with the log loss took 32 instead of 27-28.5 ms
// (float64, 1 thread). Those functions are GDFAST_FORCE_INLINE (loss.hpp), so no
// out-of-line copy exists to be shared.
#pragma once

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>
#if defined(_OPENMP)
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "gdfast/aligned.hpp"
#include "gdfast/loss.hpp"
#include "gdfast/params.hpp"
#include "gdfast/penalty.hpp"
#include "gdfast/status.hpp"
#include "gdfast/types.hpp"
#include "kernel_table.hpp"
