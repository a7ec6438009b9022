// Reference conv_transpose2d of ops.h, written as its scatter, summed in double:
//   y[b, g*Cog + o, i*sh - pad_t + ki*dil_h, j*sw - pad_l + kj*dil_w] += w[c,o,ki,kj] * x[b,c,i,j]
// for every input element (b, c, i, j) of group g = c / Cg and every o < Cog, ki, kj, positions
// outside y dropped, plus bias[o]. Sizes come from the conv2d it transposes, `t`
// (cpu/conv_transpose2d.h): x [B, Cin = t.Cout, H = t.Ho, W = t.Wo],
// y [B, Cout = t.Cin, Ho = t.H, Wo = t.W], w [Cin, Cog, KH, KW].
#pragma once
#include <cstdint>

#include "cpu/conv2d.h"

namespace vigil::ref {

// Calls f(yi, wi, xi) for every term y[yi] += w[wi] * x[xi] of the scatter above.
template <class F>
void conv_transpose2d_terms(const cpu::Conv2dDims& t, F f) {
  const int64_t Cin = t.Cout, H = t.Ho, W = t.Wo, Cout = t.Cin, Ho = t.H, Wo = t.W;
  const int64_t Cg = Cin / t.groups, Cog = Cout / t.groups;
  for (int64_t b = 0; b < t.B; ++b)
    for (int64_t c = 0; c < Cin; ++c)
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j)
          for (int64_t o = 0; o < Cog; ++o)
            for (int64_t ki = 0; ki < t.KH; ++ki)
              for (int64_t kj = 0; kj < t.KW; ++kj) {
                const int64_t yy = i * t.sh - t.pad_t + ki * t.dil_h;
                const int64_t xx = j * t.sw - t.pad_l + kj * t.dil_w;
                if (yy < 0 || yy >= Ho || xx < 0 || xx >= Wo) continue;
                const int64_t oc = (c / Cg) * Cog + o;
                f(((b * Cout + oc) * Ho + yy) * Wo + xx, ((c * Cog + o) * t.KH + ki) * t.KW + kj,
                  ((b * Cin + c) * H + i) * W + j);
              }
}

// x, w, bias [Cout] or null -> y (every element written).
template <typename T>
void conv_transpose2d_forward(const cpu::Conv2dDims& t, const T* x, const T* w, const T* bias,
                              double* y) {
  const int64_t Cout = t.Cin, HW = t.H * t.W;
  for (int64_t b = 0; b < t.B; ++b)
    for (int64_t o = 0; o < Cout; ++o)
      for (int64_t p = 0; p < HW; ++p) y[(b * Cout + o) * HW + p] = bias ? double(bias[o]) : 0;
  conv_transpose2d_terms(t, [&](int64_t yi, int64_t wi, int64_t xi) {
    y[yi] += double(w[wi]) * double(x[xi]);
  });
}

// Adds the gradients of sum(y * dy) into the non-null dx, dw and dbias.
template <typename T>
void conv_transpose2d_backward(const cpu::Conv2dDims& t, const T* x, const T* w, const T* dy,
                               double* dx, double* dw, double* dbias) {
  const int64_t Cout = t.Cin, HW = t.H * t.W;
  if (dbias)
    for (int64_t b = 0; b < t.B; ++b)
      for (int64_t o = 0; o < Cout; ++o)
        for (int64_t p = 0; p < HW; ++p) dbias[o] += double(dy[(b * Cout + o) * HW + p]);
  conv_transpose2d_terms(t, [&](int64_t yi, int64_t wi, int64_t xi) {
    if (dx) dx[xi] += double(w[wi]) * double(dy[yi]);
    if (dw) dw[wi] += double(x[xi]) * double(dy[yi]);
  });
}

}  // namespace vigil::ref
