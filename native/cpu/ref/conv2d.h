// Reference conv2d of ops.h, summed in double:
//   y[b,o,i,j] = bias[o] + sum_{c<Cg, ki, kj} w[o,c,ki,kj] *
//                x[b, g*Cg + c, i*sh - pad_t + ki*dil_h, j*sw - pad_l + kj*dil_w]   (g = o / Cog)
// with x = 0 outside the map. The backward walks the same sum and sends dy[b,o,i,j] back
// along each of its terms.
#pragma once
#include <cstdint>

#include "cpu/conv2d.h"

namespace vigil::ref {

// Where tap (ki, kj) of output (i, j) reads x: false when that falls in the padding.
inline bool conv2d_tap(const cpu::Conv2dDims& d, int64_t i, int64_t j, int64_t ki, int64_t kj,
                       int64_t* yy, int64_t* xx) {
  *yy = i * d.sh - d.pad_t + ki * d.dil_h;
  *xx = j * d.sw - d.pad_l + kj * d.dil_w;
  return *yy >= 0 && *yy < d.H && *xx >= 0 && *xx < d.W;
}

// x [B,Cin,H,W], w [Cout,Cg,KH,KW], bias [Cout] or null -> y [B,Cout,Ho,Wo].
template <typename T>
void conv2d_forward(const cpu::Conv2dDims& d, const T* x, const T* w, const T* bias, double* y) {
  const int64_t Cg = d.cg(), Cog = d.cog();
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t o = 0; o < d.Cout; ++o)
      for (int64_t i = 0; i < d.Ho; ++i)
        for (int64_t j = 0; j < d.Wo; ++j) {
          const int64_t g = o / Cog;
          double s = bias ? double(bias[o]) : 0;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ki = 0; ki < d.KH; ++ki)
              for (int64_t kj = 0; kj < d.KW; ++kj) {
                int64_t yy, xx;
                if (!conv2d_tap(d, i, j, ki, kj, &yy, &xx)) continue;
                s += double(w[((o * Cg + c) * d.KH + ki) * d.KW + kj]) *
                     double(x[((b * d.Cin + g * Cg + c) * d.H + yy) * d.W + xx]);
              }
          y[((b * d.Cout + o) * d.Ho + i) * d.Wo + j] = s;
        }
}

// Adds the gradients of sum(y * dy) into the non-null dx [B,Cin,H,W], dw [Cout,Cg,KH,KW] and
// dbias [Cout].
template <typename T>
void conv2d_backward(const cpu::Conv2dDims& d, const T* x, const T* w, const T* dy, double* dx,
                     double* dw, double* dbias) {
  const int64_t Cg = d.cg(), Cog = d.cog();
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t o = 0; o < d.Cout; ++o)
      for (int64_t i = 0; i < d.Ho; ++i)
        for (int64_t j = 0; j < d.Wo; ++j) {
          const int64_t g = o / Cog;
          const double gy = dy[((b * d.Cout + o) * d.Ho + i) * d.Wo + j];
          if (dbias) dbias[o] += gy;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ki = 0; ki < d.KH; ++ki)
              for (int64_t kj = 0; kj < d.KW; ++kj) {
                int64_t yy, xx;
                if (!conv2d_tap(d, i, j, ki, kj, &yy, &xx)) continue;
                const int64_t wi = ((o * Cg + c) * d.KH + ki) * d.KW + kj;
                const int64_t xi = ((b * d.Cin + g * Cg + c) * d.H + yy) * d.W + xx;
                if (dx) dx[xi] += double(w[wi]) * gy;
                if (dw) dw[wi] += double(x[xi]) * gy;
              }
        }
}

}  // namespace vigil::ref
