// Philox-driven kernels on the device. Each element's draw is the pure function of (seed,
// offset, index) of core/philox.h, the header the CPU kernels use too, so both devices produce
// the same uniforms bit for bit and the same normals up to the last ulp of the device's double
// log/cos (rounded once to f32 they agree but for rare rounding-boundary cases).
#include "core/philox.h"
#include "cuda/common.cuh"
#include "cuda/random.h"

namespace vigil::cuda {
namespace {

// fn(i, U_i) for i < n, one thread per Philox block (four lanes = four elements).
template <class F>
vigil_status each_uniform(int64_t n, uint64_t seed, uint64_t offset, const char* kernel, F fn) {
  const int64_t blocks = (n + 3) / 4;
  return for_each(blocks, kernel, [=] __device__(int64_t j) {
    const Philox4 r = philox_block(seed, offset, static_cast<uint64_t>(j));
    const int64_t base = 4 * j;
#pragma unroll
    for (int l = 0; l < 4; ++l)
      if (base + l < n) fn(base + l, philox_unit(r.v[l]));
  });
}

// fn(i, N_i) for i < n, one Philox block per element.
template <class F>
vigil_status each_normal(int64_t n, uint64_t seed, uint64_t offset, const char* kernel, F fn) {
  return for_each(n, kernel, [=] __device__(int64_t i) {
    fn(i, philox_normal(philox_block(seed, offset, static_cast<uint64_t>(i))));
  });
}

}  // namespace

template <typename T>
vigil_status random_uniform(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  const double w = b - a;
  return each_uniform(n, seed, offset, "random_uniform",
                      [=] __device__(int64_t i, double u) { y[i] = static_cast<T>(a + w * u); });
}

template <typename T>
vigil_status random_normal(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  return each_normal(n, seed, offset, "random_normal",
                     [=] __device__(int64_t i, double z) { y[i] = static_cast<T>(a + b * z); });
}

template <typename T>
vigil_status dropout_forward(const T* x, int64_t n, double p, uint64_t seed, uint64_t offset,
                             T* y, T* mask) {
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  return each_uniform(n, seed, offset, "dropout_forward", [=] __device__(int64_t i, double u) {
    const T m = u >= p ? keep : T(0);
    mask[i] = m;
    y[i] = x[i] * m;
  });
}

template <typename T>
vigil_status dropout_backward(const T* dy, const T* mask, int64_t n, T* dx) {
  return for_each(n, "dropout_backward", [=] __device__(int64_t i) { dx[i] += dy[i] * mask[i]; });
}

template <typename T>
vigil_status reparam_sample_forward(const T* mu, const T* logvar, int64_t n, uint64_t seed,
                                    uint64_t offset, T* z, T* eps) {
  return each_normal(n, seed, offset, "reparam_sample_forward",
                     [=] __device__(int64_t i, double e) {
                       const T ei = static_cast<T>(e);
                       eps[i] = ei;
                       z[i] = mu[i] + exp(T(0.5) * logvar[i]) * ei;
                     });
}

template <typename T>
vigil_status reparam_sample_backward(const T* logvar, const T* eps, const T* dz, int64_t n,
                                     T* dmu, T* dlogvar) {
  return for_each(n, "reparam_sample_backward", [=] __device__(int64_t i) {
    if (dmu) dmu[i] += dz[i];
    if (dlogvar) dlogvar[i] += dz[i] * eps[i] * T(0.5) * exp(T(0.5) * logvar[i]);
  });
}

#define VIGIL_INSTANTIATE(T)                                                                     \
  template vigil_status random_uniform<T>(T*, int64_t, double, double, uint64_t, uint64_t);     \
  template vigil_status random_normal<T>(T*, int64_t, double, double, uint64_t, uint64_t);      \
  template vigil_status dropout_forward<T>(const T*, int64_t, double, uint64_t, uint64_t, T*,   \
                                           T*);                                                  \
  template vigil_status dropout_backward<T>(const T*, const T*, int64_t, T*);                   \
  template vigil_status reparam_sample_forward<T>(const T*, const T*, int64_t, uint64_t,        \
                                                  uint64_t, T*, T*);                             \
  template vigil_status reparam_sample_backward<T>(const T*, const T*, const T*, int64_t, T*,   \
                                                   T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
