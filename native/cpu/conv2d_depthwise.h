// conv2d with one input channel per group (depthwise, with any channel multiplier), computed
// directly on the maps: each output plane is a sum of KH*KW shifted, scaled copies of its one
// input plane. im2col + GEMM would run one GEMM of a single row (or a few) per channel there,
// whose packing costs more than the multiply-adds: at batch 32, 64 channels, 13x13, 3x3, one
// thread, these loops took 1.2-2.2 ms forward and 3.3-4.5 ms backward against 3.5 and 7.2 ms
// through im2col + GEMM (a shared, loaded 2-core machine, best of 5, several runs). Per sample, called by cpu/conv2d.cpp.
#pragma once
#include <cstdint>

#include "cpu/conv2d.h"
#include "cpu/conv2d_cols.h"

namespace vigil::cpu::depthwise {

// f(i, yy, j0, j1, off) for every output row i whose tap (ki, kj) reads an input row yy inside
// the map; the tap reads input column j*sw + off for the output columns j in [j0, j1).
template <class F>
void for_tap_rows(const Conv2dDims& d, int64_t ki, int64_t kj, F f) {
  const int64_t off = kj * d.dil_w - d.pad_l;
  int64_t j0, j1;
  inside_columns(d, off, &j0, &j1);
  for (int64_t i = 0; i < d.Ho; ++i) {
    const int64_t yy = i * d.sh - d.pad_t + ki * d.dil_h;
    if (yy >= 0 && yy < d.H) f(i, yy, j0, j1, off);
  }
}

// Output channel o of a sample reads input channel o / Cog (Cg = 1).

// y [Cout, Ho, Wo] of one sample (+)= the conv of x [Cin, H, W] (already holding bias or the
// value to accumulate onto).
template <typename T>
void forward(const Conv2dDims& d, const T* x, const T* w, T* y) {
  const int64_t P = d.Ho * d.Wo, HW = d.H * d.W, KK = d.KH * d.KW;
  for (int64_t o = 0; o < d.Cout; ++o) {
    const T* xp = x + (o / d.cog()) * HW;
    T* yp = y + o * P;
    for (int64_t ki = 0; ki < d.KH; ++ki)
      for (int64_t kj = 0; kj < d.KW; ++kj) {
        const T wv = w[o * KK + ki * d.KW + kj];
        for_tap_rows(d, ki, kj, [&](int64_t i, int64_t yy, int64_t j0, int64_t j1, int64_t off) {
          T* r = yp + i * d.Wo;
          const int64_t in = yy * d.W + off;  // + j*sw: the input element of column j
          for (int64_t j = j0; j < j1; ++j) r[j] += wv * xp[in + j * d.sw];
        });
      }
  }
}

// One sample's dx [Cin, H, W] += and dw [Cout, 1, KH, KW] += from dy [Cout, Ho, Wo] (either
// gradient may be null).
template <typename T>
void backward(const Conv2dDims& d, const T* x, const T* w, const T* dy, T* dx, T* dw) {
  const int64_t P = d.Ho * d.Wo, HW = d.H * d.W, KK = d.KH * d.KW;
  for (int64_t o = 0; o < d.Cout; ++o) {
    const int64_t c = o / d.cog();
    const T* gp = dy + o * P;
    for (int64_t ki = 0; ki < d.KH; ++ki)
      for (int64_t kj = 0; kj < d.KW; ++kj) {
        const int64_t tap = o * KK + ki * d.KW + kj;
        const T wv = w[tap];
        T s = 0;
        for_tap_rows(d, ki, kj, [&](int64_t i, int64_t yy, int64_t j0, int64_t j1, int64_t off) {
          const T* g = gp + i * d.Wo;
          const int64_t in = c * HW + yy * d.W + off;  // + j*sw: the input element of column j
          if (dx)
            for (int64_t j = j0; j < j1; ++j) dx[in + j * d.sw] += wv * g[j];
          if (dw)
            for (int64_t j = j0; j < j1; ++j) s += g[j] * x[in + j * d.sw];
        });
        if (dw) dw[tap] += s;
      }
  }
}

}  // namespace vigil::cpu::depthwise
