// gdfast L1: the kernels for the baseline instruction set (any x86-64 / aarch64 / ...).
#define GDFAST_ISA isa_generic
#define GDFAST_TABLE_FN table_generic
#include "isa_std.hpp"

#include "isa_impl.inc"
