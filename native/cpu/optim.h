// Optimiser steps and gradient-norm helpers on the CPU, in place.
#pragma once
#include <cstdint>

namespace vigil::cpu {

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;  // 1-based
  bool decoupled;  // AdamW
};
template <typename T>
void adam_step(T* param, const T* grad, T* m, T* v, int64_t n, const AdamHyper& h);

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
