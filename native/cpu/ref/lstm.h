// Reference lstm forward of ops.h, one batch row and one time step at a time, in double
// (PyTorch gate order i, f, g, o):
//   z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
//   c_t = sig(z_f) c_{t-1} + sig(z_i) tanh(z_g),  h_t = sig(z_o) tanh(c_t)
// x [B,T,I], w_ih [4H,I], w_hh [4H,H], b_ih/b_hh [4H] or null, h0/c0 [B,H] or null (zeros);
// writes y [B,T,H], h_n and c_n [B,H].
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace vigil::ref {

template <typename T>
void lstm_forward(const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
                  const T* h0, const T* c0, int64_t B, int64_t Tn, int64_t I, int64_t H,
                  double* y, double* h_n, double* c_n) {
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  std::vector<double> h(H), c(H), z(4 * H);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t j = 0; j < H; ++j) {
      h[j] = h0 ? double(h0[b * H + j]) : 0;
      c[j] = c0 ? double(c0[b * H + j]) : 0;
    }
    for (int64_t t = 0; t < Tn; ++t) {
      const T* xt = x + (b * Tn + t) * I;
      for (int64_t r = 0; r < 4 * H; ++r) {
        double s = (b_ih ? double(b_ih[r]) : 0) + (b_hh ? double(b_hh[r]) : 0);
        for (int64_t k = 0; k < I; ++k) s += double(w_ih[r * I + k]) * double(xt[k]);
        for (int64_t k = 0; k < H; ++k) s += double(w_hh[r * H + k]) * h[k];
        z[r] = s;
      }
      for (int64_t j = 0; j < H; ++j) {
        const double i = sig(z[j]), f = sig(z[H + j]), g = std::tanh(z[2 * H + j]),
                     o = sig(z[3 * H + j]);
        c[j] = f * c[j] + i * g;
        h[j] = o * std::tanh(c[j]);
        y[(b * Tn + t) * H + j] = h[j];
      }
    }
    for (int64_t j = 0; j < H; ++j) {
      h_n[b * H + j] = h[j];
      c_n[b * H + j] = c[j];
    }
  }
}

}  // namespace vigil::ref
