// Optimiser steps and gradient-norm helpers on the CPU, in place.
#pragma once
#include <cmath>
#include <cstdint>

namespace vigil::cpu {

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;  // 1-based
  bool decoupled;  // AdamW
};
// Adam's per-step scalars folded once, in T, shared by the CPU and CUDA kernels so both round
// alike. 1 - beta is formed in double and rounded once: (1 - 0.999f) is 4.7e-5 away from
// 0.001f, enough to move f32 results off PyTorch's (which rounds the double scalar once, too).
//   g = grad + l2*param; m = b1 m + one_b1 g; v = b2 v + one_b2 g^2
//   AMSGrad: vmax = (vmax >= v ? vmax : v), used for v below (a NaN v comes through, as in
//   torch.maximum; a NaN vmax can only follow a NaN v, which stays NaN)
//   param = param*shrink - step_size * m / (sqrt(v)/bc2_sqrt + eps)
template <typename T>
struct AdamScalars {
  T b1, b2, one_b1, one_b2, step_size, bc2_sqrt, eps, l2, shrink;
  explicit AdamScalars(const AdamHyper& h) {
    const double t = static_cast<double>(h.step);
    b1 = static_cast<T>(h.beta1);
    b2 = static_cast<T>(h.beta2);
    one_b1 = static_cast<T>(1 - h.beta1);
    one_b2 = static_cast<T>(1 - h.beta2);
    step_size = static_cast<T>(h.lr / (1 - std::pow(h.beta1, t)));
    bc2_sqrt = static_cast<T>(std::sqrt(1 - std::pow(h.beta2, t)));
    eps = static_cast<T>(h.eps);
    l2 = h.decoupled ? T(0) : static_cast<T>(h.weight_decay);
    shrink = static_cast<T>(h.decoupled ? 1 - h.lr * h.weight_decay : 1.0);
  }
};

// vmax is null for plain Adam (AMSGrad otherwise).
template <typename T>
void adam_step(T* param, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamHyper& h);

struct SgdHyper {
  double lr, momentum, weight_decay;
  bool nesterov, first_step;
};
// buf may be null when momentum == 0
template <typename T>
void sgd_step(T* param, const T* grad, T* buf, int64_t n, const SgdHyper& h);

template <typename T>
double sum_squares(const T* x, int64_t n);
template <typename T>
void scale_inplace(T* x, int64_t n, double alpha);

}  // namespace vigil::cpu
