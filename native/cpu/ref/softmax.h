// Reference softmax forward of ops.h over one axis of a contiguous tensor, in double:
//   y = e^x / sum e^x   (log: y = x - ln sum e^x)
// straight from the definition, without the max shift of the kernels (test inputs stay small).
#pragma once
#include <cmath>

#include "cpu/ref/axis_view.h"

namespace vigil::ref {

template <typename T>
void softmax_forward(const T* x, const AxisView& v, bool log, double* y) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double s = 0;
      for (int64_t k = 0; k < v.n; ++k) s += std::exp(double(x[v.at(o, k, i)]));
      for (int64_t k = 0; k < v.n; ++k) {
        const double xk = x[v.at(o, k, i)];
        y[v.at(o, k, i)] = log ? xk - std::log(s) : std::exp(xk) / s;
      }
    }
}

}  // namespace vigil::ref
