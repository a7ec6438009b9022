// conv2d on the CPU as im2col + GEMM (cpu/conv2d_cols.h), per block of samples and group g:
//   Y_g   = W_g [Cog, Cg*KH*KW] @ cols(X_g)          (+ bias)
//   dW_g += dY_g @ cols(X_g)^T
//   dX_g += col2im(W_g^T @ dY_g)
// A block is nb samples side by side in one cols matrix [Cg*KH*KW, nb*P] (P = Ho*Wo), so small
// maps still make a wide GEMM: one sample of a 5x5 map is a GEMM 25 columns wide, where the
// kernel and the packing of W are poorly used (B64 64->256 ch 5x5, 1 thread: 27 GFLOP/s
// forward with a GEMM per sample). Y and dY go through a block-sized scratch in the GEMM's
// layout. nb = 1 where P alone is wide enough; then a 1x1 kernel at stride 1 without padding
// needs no cols (X_g is its own cols matrix). One input channel per group (depthwise) goes to
// the direct loops of cpu/conv2d_depthwise.h instead.
// Why GEMM: at the STAEAD shapes (batch 32-64, 16-64 channels, 13x13 and 5x5 maps, 3x3
// kernels, 1 thread) it ran the forward 5-12x faster than a direct loop vectorised along the
// rows (B32 C64 13x13: 10.8 ms vs 128 ms); for depthwise the direct loops won (see there).
// Samples run in parallel chunks, each with its own scratch; dW and dbias are reduced through
// one partial per chunk.
#include "cpu/conv2d.h"

#include <vector>

#include "cpu/batch_chunks.h"
#include "cpu/conv2d_cols.h"
#include "cpu/conv2d_depthwise.h"
#include "cpu/gemm.h"
#include "cpu/scratch.h"

namespace vigil::cpu {
namespace {

// Columns a block's GEMM aims for: wide enough to fill the kernel's panels and amortise
// packing W, small enough that the block's cols stay near the cache (576 taps x 384 floats is
// 0.9 MB).
constexpr int64_t kBlockColumns = 384;

bool cols_are_input(const Conv2dDims& d) {
  return d.KH == 1 && d.KW == 1 && d.sh == 1 && d.sw == 1 && d.pad_t == 0 && d.pad_l == 0 &&
         d.Ho == d.H && d.Wo == d.W;
}

// One input channel per group goes to the direct loops (cpu/conv2d_depthwise.h) unless each
// input channel feeds many outputs: a one-channel image into 128 maps (STAEAD's first layer)
// is a GEMM of 128 rows, and its backward scatters every output into the one input plane
// (1 -> 128 ch 52x52 stride 2, B64, 1 thread, CPU time: fwd+bwd 85 ms in the loops, 18 ms as
// GEMM).
bool takes_depthwise_loops(const Conv2dDims& d, bool direct) {
  return d.cg() == 1 && d.cog() <= 8 && !direct;
}

// Samples per block for a chunk of n samples. A 1x1 conv needs no cols for one sample, so it
// is blocked (its input copied side by side) only when a sample alone makes a narrow GEMM.
int64_t block_samples(const Conv2dDims& d, int64_t n, bool direct) {
  const int64_t P = d.Ho * d.Wo;
  if (direct && P >= kBlockColumns / 3) return 1;
  return std::clamp<int64_t>((kBlockColumns + P - 1) / P, 1, std::max<int64_t>(n, 1));
}

// dst [rows, nb*P] (block layout) from the block's nb samples of src (samples `sample_stride`
// elements apart, rows P apart).
template <typename T>
void gather(const T* src, int64_t sample_stride, int64_t rows, int64_t P, int64_t nb, T* dst) {
  for (int64_t s = 0; s < nb; ++s)
    for (int64_t r = 0; r < rows; ++r)
      std::copy(src + s * sample_stride + r * P, src + s * sample_stride + (r + 1) * P,
                dst + r * nb * P + s * P);
}

}  // namespace

template <typename T>
void conv2d_forward(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y,
                    bool accumulate) {
  const int64_t Cg = d.cg(), Cog = d.cog(), HW = d.H * d.W, P = d.Ho * d.Wo;
  const int64_t Kc = Cg * d.KH * d.KW;  // one output's taps
  const bool direct = cols_are_input(d), per_channel = takes_depthwise_loops(d, direct);
  const int64_t chunks = batch_chunk_count(d.B, 1);
  const int64_t per_chunk = (d.B + chunks - 1) / chunks;
  const int64_t nb_max = per_channel ? 1 : block_samples(d, per_chunk, direct);
  const bool use_cols = !per_channel && (!direct || nb_max > 1);
  Scratch<T> cols(use_cols ? chunks * Kc * nb_max * P : 0);
  Scratch<T> out(use_cols && nb_max > 1 ? chunks * Cog * nb_max * P : 0);
  for_batch_chunks(d.B, chunks, [&](int64_t chunk, int64_t c0, int64_t c1) {
    T* col = use_cols ? cols.data() + chunk * Kc * nb_max * P : nullptr;
    T* blk = out.empty() ? nullptr : out.data() + chunk * Cog * nb_max * P;
    for (int64_t b0 = c0; b0 < c1; b0 += nb_max) {
      const int64_t nb = std::min(nb_max, c1 - b0), ld = nb * P;
      if (!accumulate)
        for (int64_t b = b0; b < b0 + nb; ++b)
          for (int64_t o = 0; o < d.Cout; ++o)
            std::fill(y + (b * d.Cout + o) * P, y + (b * d.Cout + o + 1) * P,
                      bias ? bias[o] : T(0));
      if (per_channel) {
        depthwise::forward(d, x + b0 * d.Cin * HW, w, y + b0 * d.Cout * P);
        continue;
      }
      for (int64_t g = 0; g < d.groups; ++g) {
        const T* xg = x + (b0 * d.Cin + g * Cg) * HW;
        T* yg = y + (b0 * d.Cout + g * Cog) * P;
        if (use_cols)
          for (int64_t s = 0; s < nb; ++s) im2col(d, xg + s * d.Cin * HW, col + s * P, ld);
        const T* rhs = use_cols ? col : xg;
        if (!blk) {  // one sample: the GEMM adds into y itself
          gemm<T>(false, false, Cog, P, Kc, T(1), w + g * Cog * Kc, Kc, rhs, P, T(1), yg, P);
          continue;
        }
        gemm<T>(false, false, Cog, ld, Kc, T(1), w + g * Cog * Kc, Kc, rhs, ld, T(0), blk, ld);
        for (int64_t s = 0; s < nb; ++s)
          for (int64_t o = 0; o < Cog; ++o) {
            T* yo = yg + s * d.Cout * P + o * P;
            const T* bo = blk + o * ld + s * P;
            for (int64_t p = 0; p < P; ++p) yo[p] += bo[p];
          }
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
  const bool direct = cols_are_input(d), per_channel = takes_depthwise_loops(d, direct);
  const int64_t chunks = batch_chunk_count(d.B, 1);
  const int64_t per_chunk = (d.B + chunks - 1) / chunks;
  const int64_t nb_max = per_channel ? 1 : block_samples(d, per_chunk, direct);
  const bool wide = nb_max > 1, use_cols = !per_channel && (!direct || wide);
  Scratch<T> cols(use_cols ? chunks * Kc * nb_max * P : 0);
  Scratch<T> dys(use_cols && wide ? chunks * Cog * nb_max * P : 0);
  Scratch<T> dw_part(dw ? chunks * wsize : 0, true);
  std::vector<T> db_part(dbias ? chunks * d.Cout : 0, T(0));
  for_batch_chunks(d.B, chunks, [&](int64_t chunk, int64_t c0, int64_t c1) {
    T* col = use_cols ? cols.data() + chunk * Kc * nb_max * P : nullptr;
    T* dyb = dys.empty() ? nullptr : dys.data() + chunk * Cog * nb_max * P;
    T* dwp = dw ? dw_part.data() + chunk * wsize : nullptr;
    for (int64_t b0 = c0; b0 < c1; b0 += nb_max) {
      const int64_t nb = std::min(nb_max, c1 - b0), ld = nb * P;
      if (dbias)
        for (int64_t b = b0; b < b0 + nb; ++b)
          for (int64_t o = 0; o < d.Cout; ++o) {
            T s = 0;
            for (int64_t p = 0; p < P; ++p) s += dy[(b * d.Cout + o) * P + p];
            db_part[chunk * d.Cout + o] += s;
          }
      if (!(dx || dw)) continue;
      if (per_channel) {
        depthwise::backward(d, x ? x + b0 * d.Cin * HW : nullptr, w, dy + b0 * d.Cout * P,
                            dx ? dx + b0 * d.Cin * HW : nullptr, dwp);
        continue;
      }
      for (int64_t g = 0; g < d.groups; ++g) {
        const T* dyg = dy + (b0 * d.Cout + g * Cog) * P;
        const int64_t xoff = (b0 * d.Cin + g * Cg) * HW;
        if (dyb) gather(dyg, d.Cout * P, Cog, P, nb, dyb);
        const T* dyl = dyb ? dyb : dyg;  // dY_g [Cog, ld]
        if (dw) {
          if (use_cols)
            for (int64_t s = 0; s < nb; ++s) im2col(d, x + xoff + s * d.Cin * HW, col + s * P, ld);
          gemm<T>(false, true, Cog, Kc, ld, T(1), dyl, ld, use_cols ? col : x + xoff, ld, T(1),
                  dwp + g * Cog * Kc, Kc);
        }
        if (dx) {
          if (!use_cols) {
            gemm<T>(true, false, Kc, P, Cog, T(1), w + g * Cog * Kc, Kc, dyl, P, T(1), dx + xoff,
                    P);
          } else {
            gemm<T>(true, false, Kc, ld, Cog, T(1), w + g * Cog * Kc, Kc, dyl, ld, T(0), col, ld);
            for (int64_t s = 0; s < nb; ++s) col2im(d, col + s * P, dx + xoff + s * d.Cin * HW, ld);
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
