// Reference conv2d of ops.h, summed in double:
//   y[b,o,i,j] = bias[o] + sum_{c<Cg, ki, kj} w[o,c,ki,kj] *
//                x[b, g*Cg + c, i*sh - pad_t + ki*dil_h, j*sw - pad_l + kj*dil_w]   (g = o / Cog)
// with x = 0 outside the map. The backward walks the same terms and sends dy[b,o,i,j] back along
// each of them.
#pragma once
#include <cstdint>

#include "cpu/conv2d.h"

namespace vigil::ref {

// Calls f(yi, wi, xi) for every term y[yi] += w[wi] * x[xi] of the sum above (taps that fall
// in the padding have none).
template <class F>
void conv2d_terms(const cpu::Conv2dDims& d, F f) {
  const int64_t Cg = d.cg(), Cog = d.cog();
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t o = 0; o < d.Cout; ++o)
      for (int64_t i = 0; i < d.Ho; ++i)
        for (int64_t j = 0; j < d.Wo; ++j)
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ki = 0; ki < d.KH; ++ki)
              for (int64_t kj = 0; kj < d.KW; ++kj) {
                const int64_t yy = i * d.sh - d.pad_t + ki * d.dil_h;
                const int64_t xx = j * d.sw - d.pad_l + kj * d.dil_w;
                if (yy < 0 || yy >= d.H || xx < 0 || xx >= d.W) continue;
                const int64_t g = o / Cog;
                f(((b * d.Cout + o) * d.Ho + i) * d.Wo + j, ((o * Cg + c) * d.KH + ki) * d.KW + kj,
                  ((b * d.Cin + g * Cg + c) * d.H + yy) * d.W + xx);
              }
}

// x [B,Cin,H,W], w [Cout,Cg,KH,KW], bias [Cout] or null -> y [B,Cout,Ho,Wo].
template <typename T>
void conv2d_forward(const cpu::Conv2dDims& d, const T* x, const T* w, const T* bias, double* y) {
  const int64_t P = d.Ho * d.Wo;
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t o = 0; o < d.Cout; ++o)
      for (int64_t p = 0; p < P; ++p) y[(b * d.Cout + o) * P + p] = bias ? double(bias[o]) : 0;
  conv2d_terms(d, [&](int64_t yi, int64_t wi, int64_t xi) { y[yi] += double(w[wi]) * double(x[xi]); });
}

// Adds the gradients of sum(y * dy) into the non-null dx [B,Cin,H,W], dw [Cout,Cg,KH,KW] and
// dbias [Cout].
template <typename T>
void conv2d_backward(const cpu::Conv2dDims& d, const T* x, const T* w, const T* dy, double* dx,
                     double* dw, double* dbias) {
  const int64_t P = d.Ho * d.Wo;
  if (dbias)
    for (int64_t b = 0; b < d.B; ++b)
      for (int64_t o = 0; o < d.Cout; ++o)
        for (int64_t p = 0; p < P; ++p) dbias[o] += double(dy[(b * d.Cout + o) * P + p]);
  conv2d_terms(d, [&](int64_t yi, int64_t wi, int64_t xi) {
    if (dx) dx[xi] += double(w[wi]) * double(dy[yi]);
    if (dw) dw[wi] += double(x[xi]) * double(dy[yi]);
  });
}

}  // namespace vigil::ref
