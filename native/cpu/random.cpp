// Philox-driven kernels. Every element's draw is a pure function of (seed, offset, index), so
// the work is split over blocks freely and the result never depends on the thread count.
#include "cpu/random.h"

#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "core/philox.h"
#include "cpu/philox_blocks.h"

namespace vigil::cpu {
namespace {

constexpr int64_t kRunBlocks = 256;  // blocks drawn per batch of philox_run (4 KiB of lanes)

// Calls fn(begin, end, lanes) over runs of elements: lanes[i - begin] is element i's 32-bit lane
// (lane i%4 of block i/4), whose uniform is philox_unit(lane). A run is a loop the kernel can
// vectorise; a per-element callback with a data-dependent branch was most of dropout's time.
template <typename F>
void each_uniform_run(int64_t n, uint64_t seed, uint64_t offset, const F& fn) {
  const int64_t blocks = static_cast<int64_t>(uniform_blocks(n));
  parallel_for(0, blocks, 2048, [&](int64_t jb, int64_t je) {
    uint32_t lanes[4 * kRunBlocks];
    for (int64_t j = jb; j < je; j += kRunBlocks) {
      const int64_t count = std::min(kRunBlocks, je - j);
      philox_run(seed, offset, static_cast<uint64_t>(j), count, lanes);
      fn(4 * j, std::min(n, 4 * (j + count)), static_cast<const uint32_t*>(lanes));
    }
  });
}

// Calls fn(i, N_i) for i < n, N_i the standard normal of element i (block i).
template <typename F>
void each_normal(int64_t n, uint64_t seed, uint64_t offset, const F& fn) {
  parallel_for(0, n, 1024, [&](int64_t ib, int64_t ie) {
    uint32_t lanes[4 * kRunBlocks];
    for (int64_t i = ib; i < ie; i += kRunBlocks) {
      const int64_t count = std::min(kRunBlocks, ie - i);
      philox_run(seed, offset, static_cast<uint64_t>(i), count, lanes);
      for (int64_t k = 0; k < count; ++k)
        fn(i + k, philox_normal(Philox4{{lanes[4 * k], lanes[4 * k + 1], lanes[4 * k + 2], lanes[4 * k + 3]}}));
    }
  });
}

}  // namespace

uint64_t uniform_blocks(int64_t n) { return n <= 0 ? 0 : static_cast<uint64_t>((n + 3) / 4); }
uint64_t normal_blocks(int64_t n) { return n <= 0 ? 0 : static_cast<uint64_t>(n); }

template <typename T>
void random_uniform(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  const double w = b - a;
  each_uniform_run(n, seed, offset, [&](int64_t begin, int64_t end, const uint32_t* lanes) {
    for (int64_t i = begin; i < end; ++i) y[i] = static_cast<T>(a + w * philox_unit(lanes[i - begin]));
  });
}

template <typename T>
void random_normal(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  each_normal(n, seed, offset, [&](int64_t i, double z) { y[i] = static_cast<T>(a + b * z); });
}

template <typename T>
void dropout_forward(const T* x, int64_t n, double p, uint64_t seed, uint64_t offset, T* y,
                     T* mask) {
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  // U = k 2^-24 with k = lane >> 8, so U >= p exactly when k >= ceil(p 2^24) (both sides exact).
  const uint32_t least = static_cast<uint32_t>(std::ceil(p * 16777216.0));
  each_uniform_run(n, seed, offset, [&](int64_t begin, int64_t end, const uint32_t* lanes) {
    T* __restrict m = mask + begin;
    T* __restrict out = y + begin;
    const T* __restrict in = x + begin;
    for (int64_t i = 0; i < end - begin; ++i) {
      m[i] = keep * static_cast<T>((lanes[i] >> 8) >= least);
      out[i] = in[i] * m[i];
    }
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
