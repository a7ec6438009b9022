// Loss kernels. Terms are evaluated in double and summed by chunked_sum; gradients are
// element-wise in the tensor's type:
//   mse:          d/dp = 2 (p - t),           d/dt = -2 (p - t)
//   gaussian_nll: w = (x - mu) e^-lv;  d/dx = w,  d/dmu = -w,  d/dlv = 0.5 (1 - (x - mu) w)
//   kl_normal:    d/dmu = mu,                 d/dlv = 0.5 (e^lv - 1)
//   bce:          d/dl = sigmoid(l) - t,      d/dt = -l
#include "cpu/losses.h"

#include <algorithm>
#include <cmath>

#include "cpu/loops.h"

namespace vigil::cpu {
namespace {
constexpr double kLog2Pi = 1.8378770664093453;  // ln(2 pi)

template <typename T>
T sigmoid(T l) {  // stable on both tails
  if (l >= 0) return T(1) / (T(1) + std::exp(-l));
  const T e = std::exp(l);
  return e / (T(1) + e);
}
}  // namespace

template <typename T>
double mse_sum(const T* p, const T* t, int64_t n) {
  return chunked_sum(n, [&](int64_t i) {
    const double d = static_cast<double>(p[i]) - t[i];
    return d * d;
  });
}

template <typename T>
void mse_backward(const T* p, const T* t, int64_t n, double s, T* dp, T* dt) {
  const T k = static_cast<T>(2 * s);
  for_each_index(n, [&](int64_t i) {
    const T g = k * (p[i] - t[i]);
    if (dp) dp[i] += g;
    if (dt) dt[i] -= g;
  });
}

template <typename T>
double gaussian_nll_sum(const T* x, const T* mu, const T* lv, int64_t n) {
  return chunked_sum(n, [&](int64_t i) {
    const double d = static_cast<double>(x[i]) - mu[i], l = lv[i];
    return 0.5 * (l + d * d * std::exp(-l) + kLog2Pi);
  });
}

template <typename T>
void gaussian_nll_backward(const T* x, const T* mu, const T* lv, int64_t n, double s, T* dx,
                           T* dmu, T* dlv) {
  const T k = static_cast<T>(s);
  for_each_index(n, [&](int64_t i) {
    const T d = x[i] - mu[i], w = d * std::exp(-lv[i]);
    if (dx) dx[i] += k * w;
    if (dmu) dmu[i] -= k * w;
    if (dlv) dlv[i] += k * T(0.5) * (T(1) - d * w);
  });
}

template <typename T>
double kl_normal_sum(const T* mu, const T* lv, int64_t n) {
  return chunked_sum(n, [&](int64_t i) {
    const double m = mu[i], l = lv[i];
    return -0.5 * (1 + l - m * m - std::exp(l));
  });
}

template <typename T>
void kl_normal_backward(const T* mu, const T* lv, int64_t n, double s, T* dmu, T* dlv) {
  const T k = static_cast<T>(s);
  for_each_index(n, [&](int64_t i) {
    if (dmu) dmu[i] += k * mu[i];
    if (dlv) dlv[i] += k * T(0.5) * (std::exp(lv[i]) - T(1));
  });
}

template <typename T>
double bce_with_logits_sum(const T* l, const T* t, int64_t n) {
  return chunked_sum(n, [&](int64_t i) {
    const double z = l[i];
    return std::max(z, 0.0) - z * t[i] + std::log1p(std::exp(-std::fabs(z)));
  });
}

template <typename T>
void bce_with_logits_backward(const T* l, const T* t, int64_t n, double s, T* dl, T* dt) {
  const T k = static_cast<T>(s);
  for_each_index(n, [&](int64_t i) {
    if (dl) dl[i] += k * (sigmoid(l[i]) - t[i]);
    if (dt) dt[i] -= k * l[i];
  });
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template double mse_sum<T>(const T*, const T*, int64_t);                                     \
  template void mse_backward<T>(const T*, const T*, int64_t, double, T*, T*);                  \
  template double gaussian_nll_sum<T>(const T*, const T*, const T*, int64_t);                  \
  template void gaussian_nll_backward<T>(const T*, const T*, const T*, int64_t, double, T*, T*, \
                                         T*);                                                   \
  template double kl_normal_sum<T>(const T*, const T*, int64_t);                               \
  template void kl_normal_backward<T>(const T*, const T*, int64_t, double, T*, T*);            \
  template double bce_with_logits_sum<T>(const T*, const T*, int64_t);                         \
  template void bce_with_logits_backward<T>(const T*, const T*, int64_t, double, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
