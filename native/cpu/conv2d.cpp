// conv2d on the CPU as im2col + GEMM (cpu/conv2d_cols.h), per sample and group g:
//   Y_g   = W_g [Cog, Cg*KH*KW] @ cols(X_g)          (+ bias)
//   dW_g += dY_g @ cols(X_g)^T
//   dX_g += col2im(W_g^T @ dY_g)
// A 1x1 kernel at stride 1 without padding needs no cols: X_g is its own cols matrix. One input
// channel per group (depthwise) goes to the direct loops of cpu/conv2d_depthwise.h instead.
// Why GEMM: at the STAEAD shapes (batch 32-64, 16-64 channels, 13x13 and 5x5 maps, 3x3
// kernels, 1 thread) it ran the forward 5-12x faster than a direct loop vectorised along the
// rows (B32 C64 13x13: 10.8 ms vs 128 ms); for depthwise the direct loops won (see there).
// Samples run in parallel chunks, each with its own cols scratch; dW and dbias are reduced
// through one partial per chunk.
#include "cpu/conv2d.h"

#include <vector>

#include "cpu/batch_chunks.h"
#include "cpu/conv2d_cols.h"
#include "cpu/conv2d_depthwise.h"
#include "cpu/gemm.h"

namespace vigil::cpu {
namespace {

bool cols_are_input(const Conv2dDims& d) {
  return d.KH == 1 && d.KW == 1 && d.sh == 1 && d.sw == 1 && d.pad_t == 0 && d.pad_l == 0 &&
         d.Ho == d.H && d.Wo == d.W;
}

}  // namespace

template <typename T>
void conv2d_forward(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y,
                    bool accumulate) {
  const int64_t Cg = d.cg(), Cog = d.cog(), HW = d.H * d.W, P = d.Ho * d.Wo;
  const int64_t Kc = Cg * d.KH * d.KW;  // one output's taps
  const bool direct = cols_are_input(d), per_channel = Cg == 1 && !direct;
  const int64_t chunks = batch_chunk_count(d.B, 1);
  std::vector<T> cols(direct || per_channel ? 0 : chunks * Kc * P);
  for_batch_chunks(d.B, chunks, [&](int64_t chunk, int64_t b0, int64_t b1) {
    T* col = cols.data() + chunk * Kc * P;
    for (int64_t b = b0; b < b1; ++b) {
      if (!accumulate)
        for (int64_t o = 0; o < d.Cout; ++o)
          std::fill(y + (b * d.Cout + o) * P, y + (b * d.Cout + o + 1) * P, bias ? bias[o] : T(0));
      if (per_channel) {
        depthwise::forward(d, x + b * d.Cin * HW, w, y + b * d.Cout * P);
        continue;
      }
      for (int64_t g = 0; g < d.groups; ++g) {
        const T* xg = x + (b * d.Cin + g * Cg) * HW;
        T* yg = y + (b * d.Cout + g * Cog) * P;
        if (!direct) im2col(d, xg, col);
        gemm<T>(false, false, Cog, P, Kc, T(1), w + g * Cog * Kc, Kc, direct ? xg : col, P, T(1),
                yg, P);
      }
    }
  });
}

template <typename T>
void conv2d_backward(const Conv2dDims& d, const T* x, const T* w, const T* dy, T* dx, T* dw,
                     T* dbias) {
  if (!(dx || dw || dbias)) return;
  const int64_t Cg = d.cg(), Cog = d.cog(), HW = d.H * d.W, P = d.Ho * d.Wo;
  const int64_t Kc = Cg * d.KH * d.KW, wsize = d.Cout * Kc;
  const bool direct = cols_are_input(d), per_channel = Cg == 1 && !direct;
  const int64_t chunks = batch_chunk_count(d.B, 1);
  std::vector<T> cols(direct || per_channel ? 0 : chunks * Kc * P);
  std::vector<T> dw_part(dw ? chunks * wsize : 0, T(0));
  std::vector<T> db_part(dbias ? chunks * d.Cout : 0, T(0));
  for_batch_chunks(d.B, chunks, [&](int64_t chunk, int64_t b0, int64_t b1) {
    T* col = cols.data() + chunk * Kc * P;
    T* dwp = dw ? dw_part.data() + chunk * wsize : nullptr;
    for (int64_t b = b0; b < b1; ++b) {
      if (dbias)
        for (int64_t o = 0; o < d.Cout; ++o) {
          T s = 0;
          for (int64_t p = 0; p < P; ++p) s += dy[(b * d.Cout + o) * P + p];
          db_part[chunk * d.Cout + o] += s;
        }
      if (per_channel && (dx || dw)) {
        depthwise::backward(d, x ? x + b * d.Cin * HW : nullptr, w, dy + b * d.Cout * P,
                            dx ? dx + b * d.Cin * HW : nullptr, dwp);
        continue;
      }
      for (int64_t g = 0; g < d.groups && (dx || dw); ++g) {
        const T* dyg = dy + (b * d.Cout + g * Cog) * P;
        const int64_t xoff = (b * d.Cin + g * Cg) * HW;
        if (dw) {
          if (!direct) im2col(d, x + xoff, col);
          gemm<T>(false, true, Cog, Kc, P, T(1), dyg, P, direct ? x + xoff : col, P, T(1),
                  dwp + g * Cog * Kc, Kc);
        }
        if (dx) {
          if (direct) {
            gemm<T>(true, false, Kc, P, Cog, T(1), w + g * Cog * Kc, Kc, dyg, P, T(1), dx + xoff, P);
          } else {
            gemm<T>(true, false, Kc, P, Cog, T(1), w + g * Cog * Kc, Kc, dyg, P, T(0), col, P);
            col2im(d, col, dx + xoff);
          }
        }
      }
    }
  });
  for (int64_t c = 0; c < chunks; ++c) {
    if (dw)
      for (int64_t i = 0; i < wsize; ++i) dw[i] += dw_part[c * wsize + i];
    if (dbias)
      for (int64_t o = 0; o < d.Cout; ++o) dbias[o] += db_part[c * d.Cout + o];
  }
}

#define VIGIL_CONV2D_INSTANTIATE(T)                                                              \
  template void conv2d_forward<T>(const Conv2dDims&, const T*, const T*, const T*, T*, bool);  \
  template void conv2d_backward<T>(const Conv2dDims&, const T*, const T*, const T*, T*, T*, T*);
VIGIL_CONV2D_INSTANTIATE(float)
VIGIL_CONV2D_INSTANTIATE(double)

}  // namespace vigil::cpu
