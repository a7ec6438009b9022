// Philox-driven kernels. Every element's draw is a pure function of (seed, offset, index), so
// the work is split over blocks freely and the result never depends on the thread count.
#include "cpu/random.h"

#include <cmath>

#include "core/parallel.h"
#include "core/philox.h"

namespace vigil::cpu {
namespace {

// Calls fn(i, U_i) for i < n, U_i the uniform in [0, 1) of element i (lane i%4 of block i/4).
template <typename F>
void each_uniform(int64_t n, uint64_t seed, uint64_t offset, const F& fn) {
  const int64_t blocks = static_cast<int64_t>(uniform_blocks(n));
  parallel_for(0, blocks, 2048, [&](int64_t jb, int64_t je) {
    for (int64_t j = jb; j < je; ++j) {
      const Philox4 r = philox_block(seed, offset, static_cast<uint64_t>(j));
      const int64_t base = 4 * j;
      const int lanes = n - base < 4 ? static_cast<int>(n - base) : 4;
      for (int l = 0; l < lanes; ++l) fn(base + l, philox_unit(r.v[l]));
    }
  });
}

// Calls fn(i, N_i) for i < n, N_i the standard normal of element i (block i).
template <typename F>
void each_normal(int64_t n, uint64_t seed, uint64_t offset, const F& fn) {
  parallel_for(0, n, 1024, [&](int64_t ib, int64_t ie) {
    for (int64_t i = ib; i < ie; ++i)
      fn(i, philox_normal(philox_block(seed, offset, static_cast<uint64_t>(i))));
  });
}

}  // namespace

uint64_t uniform_blocks(int64_t n) { return n <= 0 ? 0 : static_cast<uint64_t>((n + 3) / 4); }
uint64_t normal_blocks(int64_t n) { return n <= 0 ? 0 : static_cast<uint64_t>(n); }

template <typename T>
void random_uniform(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  const double w = b - a;
  each_uniform(n, seed, offset, [&](int64_t i, double u) { y[i] = static_cast<T>(a + w * u); });
}

template <typename T>
void random_normal(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  each_normal(n, seed, offset, [&](int64_t i, double z) { y[i] = static_cast<T>(a + b * z); });
}

template <typename T>
void dropout_forward(const T* x, int64_t n, double p, uint64_t seed, uint64_t offset, T* y,
                     T* mask) {
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  each_uniform(n, seed, offset, [&](int64_t i, double u) {
    const T m = u >= p ? keep : T(0);
    mask[i] = m;
    y[i] = x[i] * m;
  });
}

template <typename T>
void dropout_backward(const T* dy, const T* mask, int64_t n, T* dx) {
  parallel_for(0, n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] += dy[i] * mask[i];
  });
}

template <typename T>
void reparam_sample_forward(const T* mu, const T* logvar, int64_t n, uint64_t seed,
                            uint64_t offset, T* z, T* eps) {
  each_normal(n, seed, offset, [&](int64_t i, double e) {
    const T ei = static_cast<T>(e);
    eps[i] = ei;
    z[i] = mu[i] + std::exp(T(0.5) * logvar[i]) * ei;
  });
}

template <typename T>
void reparam_sample_backward(const T* logvar, const T* eps, const T* dz, int64_t n, T* dmu,
                             T* dlogvar) {
  parallel_for(0, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (dmu) dmu[i] += dz[i];
      if (dlogvar) dlogvar[i] += dz[i] * eps[i] * T(0.5) * std::exp(T(0.5) * logvar[i]);
    }
  });
}

#define VIGIL_INSTANTIATE(T)                                                                     \
  template void random_uniform<T>(T*, int64_t, double, double, uint64_t, uint64_t);             \
  template void random_normal<T>(T*, int64_t, double, double, uint64_t, uint64_t);              \
  template void dropout_forward<T>(const T*, int64_t, double, uint64_t, uint64_t, T*, T*);      \
  template void dropout_backward<T>(const T*, const T*, int64_t, T*);                           \
  template void reparam_sample_forward<T>(const T*, const T*, int64_t, uint64_t, uint64_t, T*,  \
                                          T*);                                                   \
  template void reparam_sample_backward<T>(const T*, const T*, const T*, int64_t, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
