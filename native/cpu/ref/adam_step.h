// Reference adam_step of ops.h, one element at a time in double (t = step, 1-based):
//   g' = grad + wd*param unless decoupled (AdamW: param -= lr*wd*param first)
//   m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2
//   AMSGrad (vmax not null): vmax = max(vmax, v), and vmax replaces v in the update
//   param -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
#pragma once
#include <cmath>
#include <cstdint>

namespace vigil::ref {

// T holds param, m and v; G the gradient (a test keeps the state in double, the gradient in f32).
template <typename T, typename G = T>
void adam_step(T* param, const G* grad, T* m, T* v, T* vmax, int64_t n, double lr, double b1,
               double b2, double eps, double wd, int64_t t, bool decoupled) {
  for (int64_t i = 0; i < n; ++i) {
    double g = grad[i], p = param[i];
    if (decoupled) p -= lr * wd * p;
    else g += wd * p;
    const double mi = b1 * m[i] + (1 - b1) * g, vi = b2 * v[i] + (1 - b2) * g * g;
    double vu = vi;  // the v of the update
    if (vmax) {
      vu = std::isnan(vi) ? vi : std::fmax(static_cast<double>(vmax[i]), vi);
      vmax[i] = static_cast<T>(vu);
    }
    const double mh = mi / (1 - std::pow(b1, t)), vh = vu / (1 - std::pow(b2, t));
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    param[i] = static_cast<T>(p - lr * mh / (std::sqrt(vh) + eps));
  }
}

}  // namespace vigil::ref
