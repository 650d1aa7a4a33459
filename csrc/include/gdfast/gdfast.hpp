// gdfast L0: umbrella header of the header-only kernel library (no Python).
//
//   #include <gdfast/gdfast.hpp>
//   gdfast::DenseRows<double> rows{X, n, d};
//   gdfast::PassWorkspace<double> ws;
//   auto sums = gdfast::fused_pass(rows, y, nullptr, w, 1.0, b, loss, grad, nullptr, ws, 2);
#pragma once

#include "config.hpp"
#include "types.hpp"
#include "rows.hpp"
#include "objective.hpp"
#include "fit.hpp"
