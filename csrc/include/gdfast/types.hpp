// gdfast L0: the ISA-neutral data types (parameters, reports, statuses, losses).
// They live in namespace gdfast (not in the per-ISA inline namespace) so that every
// compiled variant of the kernels shares them.
#pragma once

#include "loss.hpp"
#include "params.hpp"
#include "penalty.hpp"
#include "status.hpp"
