// Reference conv_lstm forward of ops.h (PLAIN cell), one sample, step and gate at a time in
// double, through the reference conv (cpu/ref/conv2d.h):
//   z_k = w_x[k] * (x_t . m_k) + w_h[k] * h_{t-1} + bias[k]      k = i, f, g, o
//   c_t = sigma(z_f) c_{t-1} + sigma(z_i) tanh(z_g),  h_t = sigma(z_o) tanh(c_t)
// 'same' pads, stride 1. Writes y [B,T,F,H,W] and c_n [B,F,H,W]. The backward is checked by
// central differences against this forward (test/native/test_conv_lstm.cpp). Below it, the
// SELF_ATTENTION_MEMORY cell's reference on the same PLAIN step.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu/conv_lstm.h"
#include "cpu/ref/conv2d.h"

namespace vigil::ref {

// The PLAIN step for one sample in double: gate[k] (k = i, f, g, o) from x_t (masked per gate)
// and h, then c <- f c + i g and h_out = o tanh(c). wx, wh, bs: the weights widened to double.
template <typename T>
void conv_lstm_plain_step(const cpu::ConvLstmDims& d, const T* x, const T* mask, int64_t b,
                          int64_t t, const std::vector<double>& wx, const std::vector<double>& wh,
                          const double* bs, const std::vector<double>& h, std::vector<double>& c,
                          std::vector<double>& h_out) {
  const int64_t F = d.F, HW = d.hw(), S = F * HW, Cin = d.Cin;
  const cpu::Conv2dDims cx = cpu::conv_lstm_same_conv(d, 1, Cin, F, d.KH, d.KW, 1);
  const cpu::Conv2dDims ch = cpu::conv_lstm_same_conv(d, 1, F, F, d.KH, d.KW, 1);
  std::vector<double> xm(Cin * HW), z(S), part(S), gate[4];
  for (auto& g : gate) g.resize(S);
  for (int k = 0; k < 4; ++k) {
    const int64_t mk = d.mask_groups == 4 ? k : 0;
    for (int64_t i = 0; i < Cin * HW; ++i)
      xm[i] = double(x[(b * d.T + t) * Cin * HW + i]) *
              (mask ? double(mask[(mk * d.B + b) * Cin * HW + i]) : 1.0);
    ref::conv2d_forward(cx, xm.data(), wx.data() + k * F * Cin * d.KH * d.KW,
                        bs ? bs + k * F : nullptr, z.data());
    ref::conv2d_forward(ch, h.data(), wh.data() + k * F * F * d.KH * d.KW,
                        static_cast<const double*>(nullptr), part.data());
    for (int64_t p = 0; p < S; ++p)
      gate[k][p] = k == 2 ? std::tanh(z[p] + part[p])
                          : cpu::conv_lstm_sigma(d.hard, z[p] + part[p]);
  }
  for (int64_t p = 0; p < S; ++p) {
    c[p] = gate[1][p] * c[p] + gate[0][p] * gate[2][p];
    h_out[p] = gate[3][p] * std::tanh(c[p]);
  }
}

template <typename T>
std::vector<double> conv_lstm_wide(const T* v, int64_t n) {
  return std::vector<double>(v, v + (v ? n : 0));
}

template <typename T>
void conv_lstm_plain_forward(const cpu::ConvLstmDims& d, const T* x, const T* w_x, const T* w_h,
                             const T* bias, const T* mask, const T* h0, const T* c0, double* y,
                             double* c_n) {
  const int64_t F = d.F, S = F * d.hw();
  const std::vector<double> wx = conv_lstm_wide(w_x, 4 * F * d.Cin * d.KH * d.KW),
                            wh = conv_lstm_wide(w_h, 4 * F * F * d.KH * d.KW),
                            bs = conv_lstm_wide(bias, 4 * F);
  std::vector<double> h(S), c(S);
  for (int64_t b = 0; b < d.B; ++b) {
    for (int64_t p = 0; p < S; ++p) {
      h[p] = h0 ? double(h0[b * S + p]) : 0;
      c[p] = c0 ? double(c0[b * S + p]) : 0;
    }
    for (int64_t t = 0; t < d.T; ++t) {
      conv_lstm_plain_step(d, x, mask, b, t, wx, wh, bias ? bs.data() : nullptr, h, c, h);
      for (int64_t p = 0; p < S; ++p) y[(b * d.T + t) * S + p] = h[p];
    }
    for (int64_t p = 0; p < S; ++p) c_n[b * S + p] = c[p];
  }
}

// The memory cells' state for sample b in double: H^ from h0, c and M from c0 [B,2F,H,W] (c
// then M); zeros where absent. S = F*H*W.
template <typename T>
void conv_lstm_memory_state_in(int64_t b, int64_t S, const T* h0, const T* c0,
                               std::vector<double>& hhat, std::vector<double>& c,
                               std::vector<double>& m) {
  for (int64_t q = 0; q < S; ++q) {
    hhat[q] = h0 ? double(h0[b * S + q]) : 0;
    c[q] = c0 ? double(c0[2 * b * S + q]) : 0;
    m[q] = c0 ? double(c0[(2 * b + 1) * S + q]) : 0;
  }
}

// The memory update from the gates' pre-activations g [3S] (i', g', o'):
// M = (1 - sigmoid g_i) M + sigmoid g_i tanh g_g, H^ = sigmoid g_o M, written to hhat and y_t.
inline void conv_lstm_memory_update(int64_t S, const std::vector<double>& g,
                                    std::vector<double>& m, std::vector<double>& hhat,
                                    double* y_t) {
  const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  for (int64_t q = 0; q < S; ++q) {
    const double i = sigmoid(g[q]), gg = std::tanh(g[S + q]), o = sigmoid(g[2 * S + q]);
    m[q] = (1 - i) * m[q] + i * gg;
    y_t[q] = hhat[q] = o * m[q];
  }
}

// c_n [B,2F,H,W] for sample b: [c; M].
inline void conv_lstm_memory_state_out(int64_t b, int64_t S, const std::vector<double>& c,
                                       const std::vector<double>& m, double* c_n) {
  std::copy(c.begin(), c.end(), c_n + 2 * b * S);
  std::copy(m.begin(), m.end(), c_n + (2 * b + 1) * S);
}

// Reference SELF_ATTENTION_MEMORY forward (ops.h), one sample and step at a time in double with
// plain loops: the PLAIN step above, then
//   [Q;K;V] = w_qkv h + b_qkv, [K_m;V_m] = w_kv_m M + b_kv_m, A_h = softmax_row(Q^T K),
//   A_m = softmax_row(Q^T K_m), Z_h = V A_h^T, Z_m = V_m A_m^T, Z = w_z [Z_h; Z_m] + b_z,
//   [g_i; g_g; g_o] = w_mem [Z; h] + b_mem, M = (1 - sigmoid g_i) M + sigmoid g_i tanh g_g,
//   y_t = H^ = sigmoid g_o M.
// p: the 11 params in ops.h order (biases may be null). c0, c_n [B,2F,H,W] (c then M).
template <typename T>
void conv_lstm_sam_forward(const cpu::ConvLstmDims& d, const T* x, const T* const* p,
                           const T* mask, const T* h0, const T* c0, double* y, double* c_n) {
  const int64_t F = d.F, A = d.A, N = d.hw(), S = F * N, P = 2 * A + F, PM = A + F;
  const auto wide = [](const T* v, int64_t n) { return conv_lstm_wide(v, n); };
  const std::vector<double> wx = wide(p[0], 4 * F * d.Cin * d.KH * d.KW),
                            wh = wide(p[1], 4 * F * F * d.KH * d.KW), bs = wide(p[2], 4 * F),
                            wqkv = wide(p[3], P * F), bqkv = wide(p[4], P),
                            wkvm = wide(p[5], PM * F), bkvm = wide(p[6], PM),
                            wz = wide(p[7], 4 * F * F), bz = wide(p[8], 2 * F),
                            wmem = wide(p[9], 9 * F * F), bmem = wide(p[10], 3 * F);
  const auto at = [](const std::vector<double>& v, int64_t i) { return v.empty() ? 0.0 : v[i]; };
  // out [rows,N] = w [rows,cols] v [cols,N] + bias
  const auto project = [&](const std::vector<double>& w, const std::vector<double>& bias,
                           int64_t rows, int64_t cols, const double* v, double* out) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t n = 0; n < N; ++n) {
        double a = at(bias, r);
        for (int64_t k = 0; k < cols; ++k) a += w[r * cols + k] * v[k * N + n];
        out[r * N + n] = a;
      }
  };
  // z [F,N]: z[:, i] = sum_j softmax_j(q[:, i] . k[:, j]) v[:, j]
  const auto attend = [&](const double* q, const double* k, const double* v, double* z) {
    std::vector<double> row(N);
    for (int64_t i = 0; i < N; ++i) {
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t a = 0; a < A; ++a) s += q[a * N + i] * k[a * N + j];
        row[j] = s;
        mx = std::max(mx, s);
      }
      for (int64_t j = 0; j < N; ++j) sum += row[j] = std::exp(row[j] - mx);
      for (int64_t f = 0; f < F; ++f) {
        double a = 0;
        for (int64_t j = 0; j < N; ++j) a += row[j] / sum * v[f * N + j];
        z[f * N + i] = a;
      }
    }
  };
  std::vector<double> hhat(S), c(S), m(S), h(S), qkv(P * N), kvm(PM * N), zhm(2 * S), z(2 * S),
      zh(3 * S), g(3 * S);
  for (int64_t b = 0; b < d.B; ++b) {
    conv_lstm_memory_state_in(b, S, h0, c0, hhat, c, m);
    for (int64_t t = 0; t < d.T; ++t) {
      conv_lstm_plain_step(d, x, mask, b, t, wx, wh, p[2] ? bs.data() : nullptr, hhat, c, h);
      project(wqkv, bqkv, P, F, h.data(), qkv.data());
      project(wkvm, bkvm, PM, F, m.data(), kvm.data());
      attend(qkv.data(), qkv.data() + A * N, qkv.data() + 2 * A * N, zhm.data());
      attend(qkv.data(), kvm.data(), kvm.data() + A * N, zhm.data() + S);
      project(wz, bz, 2 * F, 2 * F, zhm.data(), z.data());
      std::copy(z.begin(), z.end(), zh.begin());
      std::copy(h.begin(), h.end(), zh.begin() + 2 * S);
      project(wmem, bmem, 3 * F, 3 * F, zh.data(), g.data());
      conv_lstm_memory_update(S, g, m, hhat, y + (b * d.T + t) * S);
    }
    conv_lstm_memory_state_out(b, S, c, m, c_n);
  }
}

}  // namespace vigil::ref
