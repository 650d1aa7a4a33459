// gdfast L1: the kernels compiled for AVX-512 (F/BW/DQ/VL, x86-64-v4), chosen at run time.
#define GDFAST_ISA isa_avx512
#define GDFAST_TARGET_AVX512 1
#define GDFAST_TABLE_FN table_avx512
#include "isa_std.hpp"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt")
#endif
#include "isa_impl.inc"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
