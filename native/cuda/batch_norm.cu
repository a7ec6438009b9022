// Batch normalisation on the device over x viewed as [outer, C, inner] (the math is in
// cpu/batch_norm.cpp). Channel statistics are group sums (groups.cuh) in double over the
// output shape [1, C, 1], which reads coalesced whatever the channel axis; a one-thread-per-
// channel kernel then folds them into per-channel factors, and an element-wise pass applies them.
#include "cuda/batch_norm.h"
#include "cuda/groups.cuh"

namespace vigil::cuda {
namespace {

Groups channel_groups(const BnLayout& L) {
  return make_groups(cpu::Shape{L.outer, L.C, L.inner}, cpu::Shape{1, L.C, 1});
}

}  // namespace

template <typename T>
vigil_status batch_norm_forward(const T* x, const BnLayout& L, const T* gamma, const T* beta,
                                T* running_mean, T* running_var, bool training, double momentum,
                                double eps, T* y, T* save_mean, T* save_invstd) {
  const int64_t C = L.C, inner = L.inner;
  const double N = static_cast<double>(L.count());
  Scratch<double> stats;  // mean [C], var [C]
  Scratch<T> factors;     // mean, scale = invstd * gamma, shift = beta: [3, C]
  VIGIL_CHECK(stats.alloc(2 * C));
  VIGIL_CHECK(factors.alloc(3 * C));
  double *mean = stats.p, *var = stats.p + C;
  T* f = factors.p;
  if (training) {
    const Groups g = channel_groups(L);
    VIGIL_CHECK(group_sum(
        g, "batch_norm_mean", [=] __device__(int64_t xo, int64_t) { return double(x[xo]); },
        [=] __device__(int64_t c, double s) { mean[c] = s / N; }));
    VIGIL_CHECK(group_sum(
        g, "batch_norm_var",
        [=] __device__(int64_t xo, int64_t c) {
          const double d = x[xo] - mean[c];
          return d * d;
        },
        [=] __device__(int64_t c, double s) { var[c] = s / N; }));
  }
  VIGIL_CHECK(for_each(C, "batch_norm_factors", [=] __device__(int64_t c) {
    double m, v;
    if (training) {
      m = mean[c];
      v = var[c];
      if (running_mean)
        running_mean[c] = static_cast<T>((1 - momentum) * running_mean[c] + momentum * m);
      if (running_var)
        running_var[c] = static_cast<T>((1 - momentum) * running_var[c] + momentum * v * N / (N - 1));
    } else {
      m = running_mean[c];
      v = running_var[c];
    }
    const double invstd = 1.0 / sqrt(v + eps);
    f[c] = static_cast<T>(m);
    f[C + c] = static_cast<T>(invstd * (gamma ? static_cast<double>(gamma[c]) : 1.0));
    f[2 * C + c] = beta ? beta[c] : T(0);
    if (save_mean) save_mean[c] = f[c];
    if (save_invstd) save_invstd[c] = static_cast<T>(invstd);
  }));
  return for_each(L.outer * C * inner, "batch_norm_forward", [=] __device__(int64_t i) {
    const int64_t c = (i / inner) % C;
    y[i] = (x[i] - f[c]) * f[C + c] + f[2 * C + c];
  });
}

template <typename T>
vigil_status batch_norm_backward(const T* x, const BnLayout& L, const T* gamma,
                                 const T* save_mean, const T* save_invstd, const T* dy,
                                 bool training, T* dx, T* dgamma, T* dbeta) {
  const int64_t C = L.C, inner = L.inner;
  const double N = static_cast<double>(L.count());
  if (!(dgamma || dbeta || dx)) return VIGIL_OK;
  const bool need_sums = dgamma || dbeta || (dx && training);
  Scratch<double> sums;  // sum dy [C], sum dy * xhat [C]
  VIGIL_CHECK(sums.alloc(2 * C));
  double *s0 = sums.p, *s1 = sums.p + C;
  if (need_sums) {
    const Groups g = channel_groups(L);
    VIGIL_CHECK(group_sum(
        g, "batch_norm_sum_dy", [=] __device__(int64_t xo, int64_t) { return double(dy[xo]); },
        [=] __device__(int64_t c, double s) { s0[c] = s; }));
    VIGIL_CHECK(group_sum(
        g, "batch_norm_sum_dy_xhat",
        [=] __device__(int64_t xo, int64_t c) {
          return double(dy[xo]) * ((double(x[xo]) - save_mean[c]) * save_invstd[c]);
        },
        [=] __device__(int64_t c, double s) { s1[c] = s; }));
  }
  Scratch<T> factors;  // k = g invstd, a = mean dy, b = mean dy*xhat (a, b are 0 in eval): [3, C]
  VIGIL_CHECK(factors.alloc(3 * C));
  T* f = factors.p;
  VIGIL_CHECK(for_each(C, "batch_norm_backward_factors", [=] __device__(int64_t c) {
    if (dbeta) dbeta[c] += static_cast<T>(s0[c]);
    if (dgamma) dgamma[c] += static_cast<T>(s1[c]);
    f[c] = static_cast<T>((gamma ? static_cast<double>(gamma[c]) : 1.0) * save_invstd[c]);
    f[C + c] = training ? static_cast<T>(s0[c] / N) : T(0);
    f[2 * C + c] = training ? static_cast<T>(s1[c] / N) : T(0);
  }));
  if (!dx) return VIGIL_OK;
  return for_each(L.outer * C * inner, "batch_norm_backward", [=] __device__(int64_t i) {
    const int64_t c = (i / inner) % C;
    dx[i] += f[c] * (dy[i] - f[C + c] - (x[i] - save_mean[c]) * save_invstd[c] * f[2 * C + c]);
  });
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status batch_norm_forward<T>(const T*, const BnLayout&, const T*, const T*,   \
                                              T*, T*, bool, double, double, T*, T*, T*);       \
  template vigil_status batch_norm_backward<T>(const T*, const BnLayout&, const T*, const T*,  \
                                               const T*, const T*, bool, T*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
