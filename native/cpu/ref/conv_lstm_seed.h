// Reference SEED_SELF_ATTENTION_MEMORY forward (ops.h; Macas' SaConvLSTM2DCell without its h/c
// swap), one sample and step at a time in double with plain loops and the reference conv:
//   h, c = the PLAIN step (cpu/ref/conv_lstm.h) on x_t, H^, c
//   r-th map (r = v_h, k_h, q_h, k_m, v_m) = sum_f w_sa[r,f] h[f]      each [n,n], n = H = W
//   A_h = softmax_row(q_h k_h), A_m = softmax_row(q_h k_m)           (n x n matrix products)
//   z_h = A_h v_h, z_m = A_m v_m, Z = w_z * [z_h; z_m]
//   gate k (i', g', o') = dw_{2k}(Z) + dw_{2k+1}(h) + b_mem[k]   (dw_j: depthwise, block j of
//   w_mem), M = (1 - sigmoid i') M + sigmoid i' tanh g', y_t = H^ = sigmoid o' M.
// p: the 7 params in ops.h order (bias and b_mem may be null). c0, c_n [B,2F,H,W] (c then M).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/ref/conv_lstm.h"

namespace vigil::ref {

template <typename T>
void conv_lstm_seed_sam_forward(const cpu::ConvLstmDims& d, const T* x, const T* const* p,
                                const T* mask, const T* h0, const T* c0, double* y,
                                double* c_n) {
  const int64_t F = d.F, n = d.H, N = d.hw(), S = F * N, KK = d.KH * d.KW;
  const std::vector<double> wx = conv_lstm_wide(p[0], 4 * F * d.Cin * KK),
                            wh = conv_lstm_wide(p[1], 4 * F * F * KK),
                            bs = conv_lstm_wide(p[2], 4 * F), wsa = conv_lstm_wide(p[3], 5 * F),
                            wz = conv_lstm_wide(p[4], 2 * F * KK),
                            wmem = conv_lstm_wide(p[5], 6 * F * KK),
                            bmem = conv_lstm_wide(p[6], 3 * F);
  const cpu::Conv2dDims zconv = cpu::conv_lstm_same_conv(d, 1, 2, F, d.KH, d.KW, 1);
  const cpu::Conv2dDims dwconv = cpu::conv_lstm_same_conv(d, 1, F, F, d.KH, d.KW, F);
  // out = softmax_row(a b) c for [n,n] matrices.
  const auto attend = [&](const double* a, const double* b, const double* c, double* out) {
    std::vector<double> s(N);
    for (int64_t i = 0; i < n; ++i) {
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        double v = 0;
        for (int64_t k = 0; k < n; ++k) v += a[i * n + k] * b[k * n + j];
        s[i * n + j] = v;
        mx = std::max(mx, v);
      }
      for (int64_t j = 0; j < n; ++j) sum += s[i * n + j] = std::exp(s[i * n + j] - mx);
      for (int64_t j = 0; j < n; ++j) {
        double v = 0;
        for (int64_t k = 0; k < n; ++k) v += s[i * n + k] / sum * c[k * n + j];
        out[i * n + j] = v;
      }
    }
  };
  std::vector<double> hhat(S), c(S), m(S), h(S), r(5 * N), zhm(2 * N), z(S), g(3 * S), part(S);
  for (int64_t b = 0; b < d.B; ++b) {
    conv_lstm_memory_state_in(b, S, h0, c0, hhat, c, m);
    for (int64_t t = 0; t < d.T; ++t) {
      conv_lstm_plain_step(d, x, mask, b, t, wx, wh, p[2] ? bs.data() : nullptr, hhat, c, h);
      for (int64_t k = 0; k < 5; ++k)
        for (int64_t q = 0; q < N; ++q) {
          double a = 0;
          for (int64_t f = 0; f < F; ++f) a += wsa[k * F + f] * h[f * N + q];
          r[k * N + q] = a;
        }
      const double *v_h = &r[0], *k_h = &r[N], *q_h = &r[2 * N], *k_m = &r[3 * N],
                   *v_m = &r[4 * N];
      attend(q_h, k_h, v_h, zhm.data());
      attend(q_h, k_m, v_m, zhm.data() + N);
      ref::conv2d_forward(zconv, zhm.data(), wz.data(), static_cast<const double*>(nullptr),
                          z.data());
      for (int64_t k = 0; k < 3; ++k) {
        ref::conv2d_forward(dwconv, z.data(), wmem.data() + 2 * k * F * KK,
                            p[6] ? bmem.data() + k * F : nullptr, g.data() + k * S);
        ref::conv2d_forward(dwconv, h.data(), wmem.data() + (2 * k + 1) * F * KK,
                            static_cast<const double*>(nullptr), part.data());
        for (int64_t q = 0; q < S; ++q) g[k * S + q] += part[q];
      }
      conv_lstm_memory_update(S, g, m, hhat, y + (b * d.T + t) * S);
    }
    conv_lstm_memory_state_out(b, S, c, m, c_n);
  }
}

}  // namespace vigil::ref
