// Reference conv_lstm forward of ops.h (PLAIN cell), one sample, step and gate at a time in
// double, through the reference conv (cpu/ref/conv2d.h):
//   z_k = w_x[k] * (x_t . m_k) + w_h[k] * h_{t-1} + bias[k]      k = i, f, g, o
//   c_t = sigma(z_f) c_{t-1} + sigma(z_i) tanh(z_g),  h_t = sigma(z_o) tanh(c_t)
// 'same' pads, stride 1. Writes y [B,T,F,H,W] and c_n [B,F,H,W]. The backward is checked by
// central differences against this forward (test/native/test_conv_lstm.cpp).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu/conv_lstm.h"
#include "cpu/ref/conv2d.h"

namespace vigil::ref {

template <typename T>
void conv_lstm_plain_forward(const cpu::ConvLstmDims& d, const T* x, const T* w_x, const T* w_h,
                             const T* bias, const T* mask, const T* h0, const T* c0, double* y,
                             double* c_n) {
  const int64_t F = d.F, HW = d.hw(), S = F * HW, Cin = d.Cin;
  const cpu::Conv2dDims cx = cpu::conv_lstm_same_conv(d, 1, Cin, F, d.KH, d.KW, 1);
  const cpu::Conv2dDims ch = cpu::conv_lstm_same_conv(d, 1, F, F, d.KH, d.KW, 1);
  const auto sigma = [&](double z) { return cpu::conv_lstm_sigma(d.hard, z); };
  const auto widen = [](const T* v, int64_t n) { return std::vector<double>(v, v + (v ? n : 0)); };
  const std::vector<double> wx = widen(w_x, 4 * F * Cin * d.KH * d.KW),
                            wh = widen(w_h, 4 * F * F * d.KH * d.KW), bs = widen(bias, 4 * F);
  std::vector<double> h(S), c(S), xm(Cin * HW), z(S), part(S), gate[4];
  for (auto& g : gate) g.resize(S);
  for (int64_t b = 0; b < d.B; ++b) {
    for (int64_t p = 0; p < S; ++p) {
      h[p] = h0 ? double(h0[b * S + p]) : 0;
      c[p] = c0 ? double(c0[b * S + p]) : 0;
    }
    for (int64_t t = 0; t < d.T; ++t) {
      for (int k = 0; k < 4; ++k) {
        const int64_t mk = d.mask_groups == 4 ? k : 0;
        for (int64_t i = 0; i < Cin * HW; ++i)
          xm[i] = double(x[(b * d.T + t) * Cin * HW + i]) *
                  (mask ? double(mask[(mk * d.B + b) * Cin * HW + i]) : 1.0);
        ref::conv2d_forward(cx, xm.data(), wx.data() + k * F * Cin * d.KH * d.KW,
                            bias ? bs.data() + k * F : nullptr, z.data());
        ref::conv2d_forward(ch, h.data(), wh.data() + k * F * F * d.KH * d.KW,
                            static_cast<const double*>(nullptr), part.data());
        for (int64_t p = 0; p < S; ++p)
          gate[k][p] = k == 2 ? std::tanh(z[p] + part[p]) : sigma(z[p] + part[p]);
      }
      for (int64_t p = 0; p < S; ++p) {
        c[p] = gate[1][p] * c[p] + gate[0][p] * gate[2][p];
        h[p] = gate[3][p] * std::tanh(c[p]);
        y[(b * d.T + t) * S + p] = h[p];
      }
    }
    for (int64_t p = 0; p < S; ++p) c_n[b * S + p] = c[p];
  }
}

}  // namespace vigil::ref
