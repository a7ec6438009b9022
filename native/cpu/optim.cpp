// Optimiser updates, element-wise in the parameter's type with the scalars of the step folded
// once (the order of operations follows torch.optim's single-tensor path, so f32 results agree
// with PyTorch to rounding):
//   Adam:  g = grad (+ wd*param unless decoupled); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2
//          AMSGrad: vmax = max(vmax, v), and vmax replaces v in the update
//          AdamW first: param *= 1 - lr*wd
//          param -= (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
//   SGD:   g = grad + wd*param; buf = first ? g : momentum*buf + g
//          g = nesterov ? g + momentum*buf : buf   (when momentum > 0); param -= lr*g
#include "cpu/optim.h"

#include <cmath>

#include "cpu/loops.h"

namespace vigil::cpu {

namespace {
template <typename T, bool kAmsgrad>
void adam_loop(T* param, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamHyper& h) {
  const AdamScalars<T> k(h);
  for_each_index(n, [&](int64_t i) {
    const T g = grad[i] + k.l2 * param[i];
    m[i] = k.b1 * m[i] + k.one_b1 * g;
    T vi = k.b2 * v[i] + k.one_b2 * g * g;
    v[i] = vi;
    if (kAmsgrad) vmax[i] = vi = vmax[i] >= vi ? vmax[i] : vi;  // NaN v comes through
    const T p = param[i] * k.shrink;
    param[i] = p - k.step_size * m[i] / (std::sqrt(vi) / k.bc2_sqrt + k.eps);
  });
}
}  // namespace

template <typename T>
void adam_step(T* param, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamHyper& h) {
  if (vmax) adam_loop<T, true>(param, grad, m, v, vmax, n, h);
  else adam_loop<T, false>(param, grad, m, v, nullptr, n, h);
}

template <typename T>
void sgd_step(T* param, const T* grad, T* buf, int64_t n, const SgdHyper& h) {
  const T lr = static_cast<T>(h.lr), mom = static_cast<T>(h.momentum);
  const T wd = static_cast<T>(h.weight_decay);
  const bool use_buf = h.momentum != 0;
  for_each_index(n, [&](int64_t i) {
    T g = grad[i] + wd * param[i];
    if (use_buf) {
      buf[i] = h.first_step ? g : mom * buf[i] + g;
      g = h.nesterov ? g + mom * buf[i] : buf[i];
    }
    param[i] -= lr * g;
  });
}

template <typename T>
double sum_squares(const T* x, int64_t n) {
  return chunked_sum(n, [&](int64_t i) {
    const double a = x[i];
    return a * a;
  });
}

template <typename T>
void scale_inplace(T* x, int64_t n, double alpha) {
  const T a = static_cast<T>(alpha);
  for_each_index(n, [&](int64_t i) { x[i] *= a; });
}

#define VIGIL_INSTANTIATE(T)                                                      \
  template void adam_step<T>(T*, const T*, T*, T*, T*, int64_t, const AdamHyper&); \
  template void sgd_step<T>(T*, const T*, T*, int64_t, const SgdHyper&);         \
  template double sum_squares<T>(const T*, int64_t);                             \
  template void scale_inplace<T>(T*, int64_t, double);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
