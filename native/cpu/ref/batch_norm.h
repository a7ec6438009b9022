// Reference batch_norm forward of ops.h in double, x seen as [outer, C, inner] around the
// channel axis:
//   y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c
// training: mean/var of the batch (biased var), running_* <- (1-m) running + m batch with the
// unbiased var; eval: mean/var are the running stats. gamma/beta may be null (affine off);
// running_mean/var may be null in training (no tracking).
#pragma once
#include <cmath>

#include "cpu/ref/axis_view.h"

namespace vigil::ref {

template <typename T>
void batch_norm_forward(const T* x, const AxisView& v, const T* gamma, const T* beta,
                        double* running_mean, double* running_var, bool training,
                        double momentum, double eps, double* y) {
  const double N = static_cast<double>(v.outer * v.inner);
  for (int64_t c = 0; c < v.n; ++c) {
    double mean = 0, var = 0;
    if (training) {
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) mean += x[v.at(o, c, i)];
      mean /= N;
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) {
          const double d = x[v.at(o, c, i)] - mean;
          var += d * d;
        }
      var /= N;
      if (running_mean) running_mean[c] = (1 - momentum) * running_mean[c] + momentum * mean;
      if (running_var)
        running_var[c] = (1 - momentum) * running_var[c] + momentum * var * N / (N - 1);
    } else {
      mean = running_mean[c];
      var = running_var[c];
    }
    const double g = gamma ? double(gamma[c]) : 1, b = beta ? double(beta[c]) : 0;
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t i = 0; i < v.inner; ++i) {
        const int64_t k = v.at(o, c, i);
        y[k] = (x[k] - mean) / std::sqrt(var + eps) * g + b;
      }
  }
}

}  // namespace vigil::ref
