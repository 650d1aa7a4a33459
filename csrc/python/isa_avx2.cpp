// gdfast L1: the kernels compiled for AVX2 + FMA (x86-64-v3), chosen at run time.
// Standard headers and ISA-neutral types are included first, with the baseline target;
// only the kernels below the pragma use AVX2.
#define GDFAST_ISA isa_avx2
#define GDFAST_TARGET_AVX2 1
#define GDFAST_TABLE_FN table_avx2
#include "isa_std.hpp"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,bmi,bmi2,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2,popcnt")
#endif
#include "isa_impl.inc"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
