// Batch normalisation over [outer, C, inner].
//
// Forward:  mean_c = (1/N) sum x,  var_c = (1/N) sum (x - mean_c)^2   (N = outer*inner)
//           y = (x - mean_c) * invstd_c * gamma_c + beta_c,  invstd_c = 1/sqrt(var_c + eps)
//           running_mean <- (1-m) running_mean + m mean_c
//           running_var  <- (1-m) running_var  + m var_c * N/(N-1)
// Backward (xhat = (x - mean) * invstd, g = gamma or 1):
//           dbeta_c += sum dy,  dgamma_c += sum dy*xhat
//           training: dx += g invstd (dy - sum(dy)/N - xhat sum(dy*xhat)/N)
//           eval:     dx += g invstd dy          (the running stats are constants)
// Channel statistics are summed in double over a fixed partition of the tensor, so they are the
// same for any thread count; the partition reads contiguous rows whatever the channel axis.
#include "cpu/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace vigil::cpu {
namespace {

constexpr int64_t kWork = 1 << 14;  // elements per task
constexpr int kLanes = 8;           // independent partial sums per term

// Row sums in double with kLanes = 8 independent partial sums per term (lane u takes the
// elements i = u mod 8 of the row), combined in a fixed order: one accumulator would be a chain
// of dependent double adds. f32 has AVX2 versions of the same lanes (GCC 12 left the plain
// loops scalar here). Measured at DC-VAE's [32, 64, 128], one thread, x out of cache: forward
// 0.37 ms with one accumulator, 0.15 with scalar lanes, 0.10 with AVX2; backward 0.29, 0.23,
// 0.11. A channel-major order (each channel's statistics and element pass in one task, while
// the channel is in cache) was slower: its rows sit 32 KiB apart and thrash the same L1 sets.

// acc[0] += sum term(p_i) (p_i as double) in the kLanes partial sums.
template <typename T, class Term>
void lane_sum(const T* p, int64_t n, double* acc, Term term) {
  double l[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int u = 0; u < kLanes; ++u) l[u] += term(static_cast<double>(p[i + u]));
  for (; i < n; ++i) l[0] += term(static_cast<double>(p[i]));
  for (int u = 0; u < kLanes; ++u) acc[0] += l[u];
}

// The summands of row_sum and row_sq_dev.
struct Value {
  double operator()(double v) const { return v; }
};
struct SqDev {
  double m;
  double operator()(double v) const {
    const double d = v - m;
    return d * d;
  }
};

template <typename T>
void row_sum(const T* p, int64_t n, double* acc) {  // acc[0] += sum p
  lane_sum(p, n, acc, Value{});
}

template <typename T>
void row_sq_dev(const T* p, int64_t n, double m, double* acc) {  // acc[0] += sum (p - m)^2
  lane_sum(p, n, acc, SqDev{m});
}

// acc[0] += sum dy, acc[1] += sum dy * xhat with xhat = (x - m) s
template <typename T>
void row_dy_xhat(const T* dy, const T* x, int64_t n, double m, double s, double* acc) {
  double l0[kLanes] = {}, l1[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int u = 0; u < kLanes; ++u) {
      const double g = dy[i + u];
      l0[u] += g;
      l1[u] += g * ((static_cast<double>(x[i + u]) - m) * s);
    }
  for (; i < n; ++i) {
    const double g = dy[i];
    l0[0] += g;
    l1[0] += g * ((static_cast<double>(x[i]) - m) * s);
  }
  for (int u = 0; u < kLanes; ++u) {
    acc[0] += l0[u];
    acc[1] += l1[u];
  }
}

#if defined(__AVX2__) && defined(__FMA__)
// Elements i..i+3 and i+4..i+7 of a float row as doubles: lanes 0-3 and 4-7.
inline void load8d(const float* p, __m256d& lo, __m256d& hi) {
  lo = _mm256_cvtps_pd(_mm_loadu_ps(p));
  hi = _mm256_cvtps_pd(_mm_loadu_ps(p + 4));
}
// The 8 lanes (lo, hi) plus the scalar tail, added into acc in the generic versions' order.
inline void finish8(__m256d lo, __m256d hi, double tail, double* acc) {
  alignas(32) double l[kLanes];
  _mm256_store_pd(l, lo);
  _mm256_store_pd(l + 4, hi);
  l[0] += tail;
  for (int u = 0; u < kLanes; ++u) *acc += l[u];
}

// lane_sum of a float row in AVX2: add(a, v) adds the summands of the elements v (4 lanes)
// into the accumulators a; term gives the tail's summands.
template <class Add, class Term>
void lane_sum_f32(const float* p, int64_t n, double* acc, Add add, Term term) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), v0, v1;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    load8d(p + i, v0, v1);
    a0 = add(a0, v0);
    a1 = add(a1, v1);
  }
  double tail = 0;
  for (; i < n; ++i) tail += term(static_cast<double>(p[i]));
  finish8(a0, a1, tail, acc);
}

template <>
void row_sum<float>(const float* p, int64_t n, double* acc) {
  lane_sum_f32(p, n, acc, [](__m256d a, __m256d v) { return _mm256_add_pd(a, v); }, Value{});
}

template <>
void row_sq_dev<float>(const float* p, int64_t n, double m, double* acc) {
  const __m256d vm = _mm256_set1_pd(m);
  lane_sum_f32(
      p, n, acc,
      [vm](__m256d a, __m256d v) {
        v = _mm256_sub_pd(v, vm);
        return _mm256_fmadd_pd(v, v, a);
      },
      SqDev{m});
}

template <>
void row_dy_xhat<float>(const float* dy, const float* x, int64_t n, double m, double s,
                        double* acc) {
  const __m256d vm = _mm256_set1_pd(m), vs = _mm256_set1_pd(s);
  __m256d g0 = _mm256_setzero_pd(), g1 = _mm256_setzero_pd();
  __m256d h0 = _mm256_setzero_pd(), h1 = _mm256_setzero_pd();
  __m256d d0, d1, x0, x1;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    load8d(dy + i, d0, d1);
    load8d(x + i, x0, x1);
    g0 = _mm256_add_pd(g0, d0);
    g1 = _mm256_add_pd(g1, d1);
    h0 = _mm256_fmadd_pd(d0, _mm256_mul_pd(_mm256_sub_pd(x0, vm), vs), h0);
    h1 = _mm256_fmadd_pd(d1, _mm256_mul_pd(_mm256_sub_pd(x1, vm), vs), h1);
  }
  double tg = 0, th = 0;
  for (; i < n; ++i) {
    const double g = dy[i];
    tg += g;
    th += g * ((static_cast<double>(x[i]) - m) * s);
  }
  finish8(g0, g1, tg, acc);
  finish8(h0, h1, th, acc + 1);
}
#endif

// out[k*C + c] = the K sums of channel c that run(base, n, c, acc) adds into acc[0..K-1] for
// each run [base, base + n) of the channel's elements.
template <int K, typename F>
void channel_sums(const BnLayout& L, const F& run, double* out) {
  const int64_t C = L.C, inner = L.inner;
  const int64_t row = C * inner;  // one outer slice
  const int64_t rows = std::max<int64_t>(1, kWork / std::max<int64_t>(row, 1));
  const int64_t n_o = (L.outer + rows - 1) / rows;
  const int64_t per_c = row <= kWork ? C : std::max<int64_t>(1, kWork / inner);
  const int64_t n_c = (C + per_c - 1) / per_c;
  std::vector<double> part(static_cast<size_t>(n_o * K * C), 0.0);
  parallel_for(0, n_o * n_c, 1, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      const int64_t oc = t / n_c, cb = t % n_c;
      const int64_t c0 = cb * per_c, c1 = std::min(C, c0 + per_c);
      double* p = &part[static_cast<size_t>(oc * K * C)];
      for (int64_t o = oc * rows; o < std::min(L.outer, (oc + 1) * rows); ++o)
        for (int64_t c = c0; c < c1; ++c) {
          double acc[K] = {};
          run((o * C + c) * inner, inner, c, acc);
          for (int k = 0; k < K; ++k) p[k * C + c] += acc[k];
        }
    }
  });
  std::fill(out, out + K * C, 0.0);
  for (int64_t oc = 0; oc < n_o; ++oc)
    for (int64_t j = 0; j < K * C; ++j) out[j] += part[static_cast<size_t>(oc * K * C + j)];
}

// fn(base, c) for every [inner] row of channel c, over the pool.
template <typename F>
void each_row(const BnLayout& L, const F& fn) {
  const int64_t grain = std::max<int64_t>(1, kWork / std::max<int64_t>(L.inner, 1));
  parallel_for(0, L.outer * L.C, grain, [&](int64_t rb, int64_t re) {
    int64_t c = rb % L.C;  // one division per chunk, not per row (rows are single elements
    for (int64_t r = rb; r < re; ++r) {  // when the channel axis is last)
      fn(r * L.inner, c);
      if (++c == L.C) c = 0;
    }
  });
}

// Channels last (inner == 1, a BatchNorm over the features of a dense layer's [batch, C]
// output): a row of C elements holds one element of every channel, so the per-row calls of
// channel_sums and each_row would do a whole call for one element (at [50, 128] that was 60 us
// a call). Here each task runs whole rows with the channel as the vector index, over the same
// fixed partition of rows as channel_sums (the sums never depend on the thread count).
// add_row(o, p) adds row o's K terms into p[k*C + c].
template <int K, typename F>
void channel_sums_last(const BnLayout& L, const F& add_row, double* out) {
  const int64_t C = L.C;
  const int64_t rows = std::max<int64_t>(1, kWork / std::max<int64_t>(C, 1));
  const int64_t n_o = (L.outer + rows - 1) / rows;
  std::vector<double> part(static_cast<size_t>(n_o * K * C), 0.0);
  parallel_for(0, n_o, 1, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t)
      for (int64_t o = t * rows; o < std::min(L.outer, (t + 1) * rows); ++o)
        add_row(o, &part[static_cast<size_t>(t * K * C)]);
  });
  std::fill(out, out + K * C, 0.0);
  for (int64_t t = 0; t < n_o; ++t)
    for (int64_t j = 0; j < K * C; ++j) out[j] += part[static_cast<size_t>(t * K * C + j)];
}

// fn(o) for every row o of a channels-last tensor, over the pool.
template <typename F>
void each_row_last(const BnLayout& L, const F& fn) {
  parallel_for(0, L.outer, std::max<int64_t>(1, kWork / std::max<int64_t>(L.C, 1)), [&](int64_t ob, int64_t oe) {
    for (int64_t o = ob; o < oe; ++o) fn(o);
  });
}

}  // namespace

template <typename T>
void batch_norm_forward(const T* x, const BnLayout& L, const T* gamma, const T* beta,
                        T* running_mean, T* running_var, bool training, double momentum,
                        double eps, T* y, T* save_mean, T* save_invstd) {
  const int64_t C = L.C;
  const double N = static_cast<double>(L.count());
  std::vector<double> mean(static_cast<size_t>(C)), var(static_cast<size_t>(C));
  const bool last = L.inner == 1;
  if (training) {
    if (last)
      channel_sums_last<1>(L, [&](int64_t o, double* __restrict p) {
        const T* __restrict r = x + o * C;
        for (int64_t c = 0; c < C; ++c) p[c] += static_cast<double>(r[c]);
      }, mean.data());
    else
      channel_sums<1>(L, [&](int64_t b, int64_t n, int64_t, double* a) { row_sum(x + b, n, a); },
                      mean.data());
    for (double& m : mean) m /= N;
    if (last)
      channel_sums_last<1>(L, [&](int64_t o, double* __restrict p) {
        const T* __restrict r = x + o * C;
        const double* __restrict m = mean.data();
        for (int64_t c = 0; c < C; ++c) {
          const double d = static_cast<double>(r[c]) - m[c];
          p[c] += d * d;
        }
      }, var.data());
    else
      channel_sums<1>(
          L,
          [&](int64_t b, int64_t n, int64_t c, double* a) { row_sq_dev(x + b, n, mean[c], a); },
          var.data());
    for (double& v : var) v /= N;
    for (int64_t c = 0; c < C; ++c) {
      if (running_mean)
        running_mean[c] = static_cast<T>((1 - momentum) * running_mean[c] + momentum * mean[c]);
      if (running_var)
        running_var[c] =
            static_cast<T>((1 - momentum) * running_var[c] + momentum * var[c] * N / (N - 1));
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      mean[c] = running_mean[c];
      var[c] = running_var[c];
    }
  }
  // y = (x - mean) * scale + shift, scale = invstd*gamma, shift = beta
  std::vector<T> m_t(static_cast<size_t>(C)), scale(static_cast<size_t>(C)),
      shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const double invstd = 1.0 / std::sqrt(var[c] + eps);
    m_t[c] = static_cast<T>(mean[c]);
    scale[c] = static_cast<T>(invstd * (gamma ? static_cast<double>(gamma[c]) : 1.0));
    shift[c] = beta ? beta[c] : T(0);
    if (save_mean) save_mean[c] = m_t[c];
    if (save_invstd) save_invstd[c] = static_cast<T>(invstd);
  }
  if (last) {
    each_row_last(L, [&](int64_t o) {
      const T* __restrict r = x + o * C;
      T* __restrict out = y + o * C;
      for (int64_t c = 0; c < C; ++c) out[c] = (r[c] - m_t[c]) * scale[c] + shift[c];
    });
    return;
  }
  each_row(L, [&](int64_t base, int64_t c) {
    const T m = m_t[c], s = scale[c], b = shift[c];
    for (int64_t i = base; i < base + L.inner; ++i) y[i] = (x[i] - m) * s + b;
  });
}

template <typename T>
void batch_norm_backward(const T* x, const BnLayout& L, const T* gamma, const T* save_mean,
                         const T* save_invstd, const T* dy, bool training, T* dx, T* dgamma,
                         T* dbeta) {
  const int64_t C = L.C;
  const bool need_sums = dgamma || dbeta || (dx && training);
  // sums[c] = sum dy, sums[C + c] = sum dy * xhat
  std::vector<double> sums(static_cast<size_t>(2 * C), 0.0);
  const bool last = L.inner == 1;
  if (need_sums && last) {
    std::vector<double> m(save_mean, save_mean + C), s(save_invstd, save_invstd + C);
    channel_sums_last<2>(L, [&](int64_t o, double* __restrict p) {
      const T* __restrict g = dy + o * C;
      const T* __restrict r = x + o * C;
      for (int64_t c = 0; c < C; ++c) {
        const double gc = g[c];
        p[c] += gc;
        p[C + c] += gc * ((static_cast<double>(r[c]) - m[c]) * s[c]);
      }
    }, sums.data());
  } else if (need_sums) {
    channel_sums<2>(
        L,
        [&](int64_t b, int64_t n, int64_t c, double* a) {
          row_dy_xhat(dy + b, x + b, n, static_cast<double>(save_mean[c]),
                      static_cast<double>(save_invstd[c]), a);
        },
        sums.data());
  }
  for (int64_t c = 0; c < C; ++c) {
    if (dbeta) dbeta[c] += static_cast<T>(sums[c]);
    if (dgamma) dgamma[c] += static_cast<T>(sums[C + c]);
  }
  if (!dx) return;
  const double N = static_cast<double>(L.count());
  // dx += k (dy - a - xhat b) with k = g invstd, a = mean dy, b = mean dy*xhat (0 in eval)
  std::vector<T> k(static_cast<size_t>(C)), a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    k[c] = static_cast<T>((gamma ? static_cast<double>(gamma[c]) : 1.0) * save_invstd[c]);
    a[c] = training ? static_cast<T>(sums[c] / N) : T(0);
    b[c] = training ? static_cast<T>(sums[C + c] / N) : T(0);
  }
  if (last) {
    each_row_last(L, [&](int64_t o) {
      const T* __restrict g = dy + o * C;
      const T* __restrict r = x + o * C;
      T* __restrict d = dx + o * C;
      for (int64_t c = 0; c < C; ++c)
        d[c] += k[c] * (g[c] - a[c] - (r[c] - save_mean[c]) * save_invstd[c] * b[c]);
    });
    return;
  }
  each_row(L, [&](int64_t base, int64_t c) {
    const T m = save_mean[c], s = save_invstd[c], kc = k[c], ac = a[c], bc = b[c];
    for (int64_t i = base; i < base + L.inner; ++i)
      dx[i] += kc * (dy[i] - ac - (x[i] - m) * s * bc);
  });
}

#define VIGIL_INSTANTIATE(T)                                                                   \
  template void batch_norm_forward<T>(const T*, const BnLayout&, const T*, const T*, T*, T*,  \
                                      bool, double, double, T*, T*, T*);                      \
  template void batch_norm_backward<T>(const T*, const BnLayout&, const T*, const T*,         \
                                       const T*, const T*, bool, T*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
