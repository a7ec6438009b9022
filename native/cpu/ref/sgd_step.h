// Reference sgd_step of ops.h, one element at a time in double:
//   g' = grad + wd*param; buf = g' on the first step, else momentum*buf + g';
//   g' = nesterov ? g' + momentum*buf : buf (when momentum > 0); param -= lr*g'
// buf may be null when momentum == 0.
#pragma once
#include <cstdint>

namespace vigil::ref {

// T holds param and buf; G the gradient.
template <typename T, typename G = T>
void sgd_step(T* param, const G* grad, T* buf, int64_t n, double lr, double momentum, double wd,
              bool nesterov, bool first_step) {
  for (int64_t i = 0; i < n; ++i) {
    double g = grad[i] + wd * param[i];
    if (momentum > 0) {
      const double b = first_step ? g : momentum * buf[i] + g;
      buf[i] = static_cast<T>(b);
      g = nesterov ? g + momentum * b : b;
    }
    param[i] = static_cast<T>(param[i] - lr * g);
  }
}

}  // namespace vigil::ref
