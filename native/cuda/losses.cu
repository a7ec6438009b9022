// Loss kernels on the device. Forward terms are evaluated in double and summed by flat_sum,
// which writes y[0] = sum / div on the device; backward kernels read dy[0] on the device:
//   mse:          d/dp = 2 (p - t),           d/dt = -2 (p - t)
//   gaussian_nll: w = (x - mu) e^-lv;  d/dx = w,  d/dmu = -w,  d/dlv = 0.5 (1 - (x - mu) w)
//   kl_normal:    d/dmu = mu,                 d/dlv = 0.5 (e^lv - 1)
//   bce:          d/dl = sigmoid(l) - t,      d/dt = -l
#include "cuda/common.cuh"
#include "cuda/losses.h"

namespace vigil::cuda {
namespace {
constexpr double kLog2Pi = 1.8378770664093453;  // ln(2 pi)

// y[0] = (T) (sum of term(i) / div)
template <typename T, class Term>
vigil_status loss_sum(int64_t n, double div, T* y, const char* kernel, Term term) {
  return flat_sum(n, kernel, term, [=] __device__(double s) { y[0] = static_cast<T>(s / div); });
}

// The factor of every derivative, dy / div in double (rounded to T where used, as on the CPU).
template <typename T>
__device__ __forceinline__ double grad_scale(const T* dy, double div) {
  return static_cast<double>(dy[0]) / div;
}
}  // namespace

template <typename T>
vigil_status mse_forward(const T* p, const T* t, int64_t n, double div, T* y) {
  return loss_sum(n, div, y, "mse_forward", [=] __device__(int64_t i) {
    const double d = static_cast<double>(p[i]) - t[i];
    return d * d;
  });
}

template <typename T>
vigil_status mse_backward(const T* p, const T* t, int64_t n, const T* dy, double div, T* dp,
                          T* dt) {
  return for_each(n, "mse_backward", [=] __device__(int64_t i) {
    const T k = static_cast<T>(2 * grad_scale(dy, div));
    const T g = k * (p[i] - t[i]);
    if (dp) dp[i] += g;
    if (dt) dt[i] -= g;
  });
}

template <typename T>
vigil_status gaussian_nll_forward(const T* x, const T* mu, const T* lv, int64_t n, double div,
                                  T* y) {
  return loss_sum(n, div, y, "gaussian_nll_forward", [=] __device__(int64_t i) {
    const double d = static_cast<double>(x[i]) - mu[i], l = lv[i];
    return 0.5 * (l + d * d * exp(-l) + kLog2Pi);
  });
}

template <typename T>
vigil_status gaussian_nll_backward(const T* x, const T* mu, const T* lv, int64_t n, const T* dy,
                                   double div, T* dx, T* dmu, T* dlv) {
  return for_each(n, "gaussian_nll_backward", [=] __device__(int64_t i) {
    const T k = static_cast<T>(grad_scale(dy, div));
    const T d = x[i] - mu[i], w = d * exp(-lv[i]);
    if (dx) dx[i] += k * w;
    if (dmu) dmu[i] -= k * w;
    if (dlv) dlv[i] += k * T(0.5) * (T(1) - d * w);
  });
}

template <typename T>
vigil_status kl_normal_forward(const T* mu, const T* lv, int64_t n, double div, T* y) {
  return loss_sum(n, div, y, "kl_normal_forward", [=] __device__(int64_t i) {
    const double m = mu[i], l = lv[i];
    return -0.5 * (1 + l - m * m - exp(l));
  });
}

template <typename T>
vigil_status kl_normal_backward(const T* mu, const T* lv, int64_t n, const T* dy, double div,
                                T* dmu, T* dlv) {
  return for_each(n, "kl_normal_backward", [=] __device__(int64_t i) {
    const T k = static_cast<T>(grad_scale(dy, div));
    if (dmu) dmu[i] += k * mu[i];
    if (dlv) dlv[i] += k * T(0.5) * (exp(lv[i]) - T(1));
  });
}

template <typename T>
vigil_status bce_with_logits_forward(const T* l, const T* t, int64_t n, double div, T* y) {
  return loss_sum(n, div, y, "bce_with_logits_forward", [=] __device__(int64_t i) {
    const double z = l[i];
    return fmax(z, 0.0) - z * t[i] + log1p(exp(-fabs(z)));
  });
}

template <typename T>
vigil_status bce_with_logits_backward(const T* l, const T* t, int64_t n, const T* dy, double div,
                                      T* dl, T* dt) {
  return for_each(n, "bce_with_logits_backward", [=] __device__(int64_t i) {
    const T k = static_cast<T>(grad_scale(dy, div));
    if (dl) dl[i] += k * (sigmoid(l[i]) - t[i]);
    if (dt) dt[i] -= k * l[i];
  });
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status mse_forward<T>(const T*, const T*, int64_t, double, T*);               \
  template vigil_status mse_backward<T>(const T*, const T*, int64_t, const T*, double, T*, T*); \
  template vigil_status gaussian_nll_forward<T>(const T*, const T*, const T*, int64_t, double,  \
                                                T*);                                            \
  template vigil_status gaussian_nll_backward<T>(const T*, const T*, const T*, int64_t,         \
                                                 const T*, double, T*, T*, T*);                 \
  template vigil_status kl_normal_forward<T>(const T*, const T*, int64_t, double, T*);         \
  template vigil_status kl_normal_backward<T>(const T*, const T*, int64_t, const T*, double,    \
                                              T*, T*);                                          \
  template vigil_status bce_with_logits_forward<T>(const T*, const T*, int64_t, double, T*);   \
  template vigil_status bce_with_logits_backward<T>(const T*, const T*, int64_t, const T*,      \
                                                    double, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
