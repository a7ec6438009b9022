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

namespace vigil::cpu {
namespace {

constexpr int64_t kWork = 1 << 14;  // elements per task

// out[k*C + c] = sum over the elements of channel c of the K terms that
// term(index, c, acc) adds into acc[0..K-1].
template <int K, typename F>
void channel_sums(const BnLayout& L, const F& term, double* out) {
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
          const int64_t base = (o * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) term(base + i, c, acc);
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

}  // namespace

template <typename T>
void batch_norm_forward(const T* x, const BnLayout& L, const T* gamma, const T* beta,
                        T* running_mean, T* running_var, bool training, double momentum,
                        double eps, T* y, T* save_mean, T* save_invstd) {
  const int64_t C = L.C;
  const double N = static_cast<double>(L.count());
  std::vector<double> mean(static_cast<size_t>(C)), var(static_cast<size_t>(C));
  if (training) {
    channel_sums<1>(L, [&](int64_t i, int64_t, double* a) { a[0] += x[i]; }, mean.data());
    for (double& m : mean) m /= N;
    channel_sums<1>(
        L,
        [&](int64_t i, int64_t c, double* a) {
          const double d = x[i] - mean[static_cast<size_t>(c)];
          a[0] += d * d;
        },
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
  if (need_sums)
    channel_sums<2>(
        L,
        [&](int64_t i, int64_t c, double* a) {
          const double g = dy[i];
          a[0] += g;
          a[1] += g * ((static_cast<double>(x[i]) - save_mean[c]) * save_invstd[c]);
        },
        sums.data());
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
