// conv2d with one input channel per group (depthwise, with any channel multiplier), computed
// directly on the maps: each output plane is a sum of KH*KW shifted, scaled copies of its one
// input plane. im2col + GEMM would run one GEMM of a single row (or a few) per channel there,
// whose packing costs more than the multiply-adds: at batch 32, 64 channels, 13x13, 3x3, one
// thread, these loops took 1.2-2.2 ms forward and 3.3-4.5 ms backward against 3.5 and 7.2 ms
// through im2col + GEMM (a shared, loaded 2-core machine, best of 5, several runs). Per sample,
// called by cpu/conv2d.cpp.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/conv2d.h"
#include "cpu/conv2d_cols.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

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

// The row kernels. At stride 1 (every 'same' conv of the ConvLSTM cells) a tap's input row is
// contiguous, and these loops vectorise; the dot keeps 8 partial sums because the compiler does
// not reorder a floating-point sum by itself (the scalar, strided loops were 28% of an
// input-attention layer's fwd+bwd at B64 64 ch 13x13).
template <typename T>
inline void axpy_row(T* __restrict y, const T* __restrict x, T a, int64_t n, int64_t stride) {
  if (stride == 1) {
    for (int64_t j = 0; j < n; ++j) y[j] += a * x[j];
  } else {
    for (int64_t j = 0; j < n; ++j) y[j] += a * x[j * stride];
  }
}

template <typename T>
inline void axpy_row_strided_out(T* __restrict y, const T* __restrict x, T a, int64_t n,
                                 int64_t stride) {
  if (stride == 1) return axpy_row(y, x, a, n, 1);
  for (int64_t j = 0; j < n; ++j) y[j * stride] += a * x[j];
}

template <typename T>
inline T dot_row(const T* __restrict g, const T* __restrict x, int64_t n, int64_t stride) {
  if (stride != 1) {
    T s = 0;
    for (int64_t j = 0; j < n; ++j) s += g[j] * x[j * stride];
    return s;
  }
  T acc[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) acc[k] += g[j + k] * x[j + k];
  T s = 0;
  for (; j < n; ++j) s += g[j] * x[j];
  for (int k = 0; k < 8; ++k) s += acc[k];
  return s;
}

// 'same' at stride 1 without dilation (every depthwise conv of the ConvLSTM cells): each plane
// is first copied into a zero-padded plane, so every tap reads whole rows without bounds
// checks, and (f32, AVX2) each output vector of 8 columns sums all KH*KW taps in a register
// before one store (the row-at-a-time loops below load and store the output once per tap).
constexpr int64_t kMaxTaps = 64;  // kernels up to 8x8 take this path
inline bool same_stride1(const Conv2dDims& d) {
  return d.sh == 1 && d.sw == 1 && d.dil_h == 1 && d.dil_w == 1 && d.Ho == d.H && d.Wo == d.W &&
         d.KH * d.KW <= kMaxTaps;
}

template <typename T>
struct PaddedPlane {
  static constexpr int64_t L = 8;  // one AVX register of f32
  int64_t top, left, Wp;
  std::vector<T> v;
  // Room for the kernel's reach plus a full vector past the last column (read, never used).
  PaddedPlane(const Conv2dDims& d, int64_t top_, int64_t left_)
      : top(top_), left(left_), Wp(d.W + d.KW - 1 + L), v((d.H + d.KH - 1) * Wp, T(0)) {}
  void load(const Conv2dDims& d, const T* plane) {
    for (int64_t i = 0; i < d.H; ++i)
      std::copy(plane + i * d.W, plane + (i + 1) * d.W, v.data() + (i + top) * Wp + left);
  }
};

// The kernel taps in reading order into k [KH*KW]: k(a, b) = w[a*KW + b], or w flipped in both
// axes. Returns k (a stack array of the caller: one per channel, no allocation).
template <typename T>
const T* taps(const Conv2dDims& d, const T* w, bool flip, T* k) {
  const int64_t KK = d.KH * d.KW;
  for (int64_t t = 0; t < KK; ++t) k[t] = flip ? w[KK - 1 - t] : w[t];
  return k;
}

// y [H, W] += sum_{a,b} k(a, b) * p[i + a][j + b] (k from taps()).
template <typename T>
void correlate(const Conv2dDims& d, const PaddedPlane<T>& p, const T* k, T* y) {
  for (int64_t i = 0; i < d.H; ++i)
    for (int64_t a = 0; a < d.KH; ++a)
      for (int64_t b = 0; b < d.KW; ++b) {
        const T wv = k[a * d.KW + b];
        const T* r = p.v.data() + (i + a) * p.Wp + b;
        for (int64_t j = 0; j < d.W; ++j) y[i * d.W + j] += wv * r[j];
      }
}

#if defined(__AVX2__) && defined(__FMA__)
// The first n of 8 lanes.
inline __m256i tail_mask(int64_t n) {
  alignas(32) static const int32_t kLanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                 0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLanes + 8 - n));
}

// f32: 8 output columns in one register through all taps, one store (masked on the tail).
template <>
inline void correlate<float>(const Conv2dDims& d, const PaddedPlane<float>& p, const float* k,
                             float* y) {
  for (int64_t i = 0; i < d.H; ++i) {
    float* yr = y + i * d.W;
    for (int64_t j0 = 0; j0 < d.W; j0 += 8) {
      const __m256i mask = tail_mask(std::min<int64_t>(8, d.W - j0));
      __m256 acc = _mm256_maskload_ps(yr + j0, mask);
      for (int64_t a = 0; a < d.KH; ++a) {
        const float* r = p.v.data() + (i + a) * p.Wp + j0;
        for (int64_t b = 0; b < d.KW; ++b)
          acc = _mm256_fmadd_ps(_mm256_set1_ps(k[a * d.KW + b]), _mm256_loadu_ps(r + b), acc);
      }
      _mm256_maskstore_ps(yr + j0, mask, acc);
    }
  }
}
#endif

// dw[t] += sum_{i,j} g[i][j] p[i + a][j + b] for every tap t = a*KW + b (g [H, W]).
template <typename T>
void tap_sums_by_rows(const Conv2dDims& d, const T* g, const PaddedPlane<T>& p, T* dw) {
  for (int64_t a = 0; a < d.KH; ++a)
    for (int64_t b = 0; b < d.KW; ++b) {
      T s = 0;
      for (int64_t i = 0; i < d.H; ++i)
        s += dot_row(g + i * d.W, p.v.data() + (i + a) * p.Wp + b, d.W, 1);
      dw[a * d.KW + b] += s;
    }
}
template <typename T>
void tap_sums(const Conv2dDims& d, const T* g, const PaddedPlane<T>& p, T* dw) {
  tap_sums_by_rows(d, g, p, dw);
}

#if defined(__AVX2__) && defined(__FMA__)
// f32, up to 16 taps: one register of partial sums per tap, each 8-column piece of g loaded
// once (zeroed past the row's end, so the padded plane's next columns add nothing).
template <>
inline void tap_sums<float>(const Conv2dDims& d, const float* g, const PaddedPlane<float>& p,
                            float* dw) {
  const int64_t KK = d.KH * d.KW;
  if (KK > 16) return tap_sums_by_rows(d, g, p, dw);
  __m256 acc[16];
  for (int64_t t = 0; t < KK; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < d.H; ++i)
    for (int64_t j0 = 0; j0 < d.W; j0 += 8) {
      const __m256i mask = tail_mask(std::min<int64_t>(8, d.W - j0));
      const __m256 gv = _mm256_maskload_ps(g + i * d.W + j0, mask);
      for (int64_t a = 0; a < d.KH; ++a) {
        const float* r = p.v.data() + (i + a) * p.Wp + j0;
        for (int64_t b = 0; b < d.KW; ++b)
          acc[a * d.KW + b] = _mm256_fmadd_ps(gv, _mm256_loadu_ps(r + b), acc[a * d.KW + b]);
      }
    }
  for (int64_t t = 0; t < KK; ++t) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, acc[t]);
    float s = 0;
    for (float v : lanes) s += v;
    dw[t] += s;
  }
}
#endif

// y [Cout, Ho, Wo] of one sample (+)= the conv of x [Cin, H, W] (already holding bias or the
// value to accumulate onto).
template <typename T>
void forward(const Conv2dDims& d, const T* x, const T* w, T* y) {
  const int64_t P = d.Ho * d.Wo, HW = d.H * d.W, KK = d.KH * d.KW;
  if (same_stride1(d)) {
    PaddedPlane<T> p(d, d.pad_t, d.pad_l);
    T k[kMaxTaps];
    for (int64_t o = 0; o < d.Cout; ++o) {
      if (o % d.cog() == 0) p.load(d, x + (o / d.cog()) * HW);
      correlate(d, p, taps(d, w + o * KK, false, k), y + o * P);
    }
    return;
  }
  for (int64_t o = 0; o < d.Cout; ++o) {
    const T* xp = x + (o / d.cog()) * HW;
    T* yp = y + o * P;
    for (int64_t ki = 0; ki < d.KH; ++ki)
      for (int64_t kj = 0; kj < d.KW; ++kj) {
        const T wv = w[o * KK + ki * d.KW + kj];
        for_tap_rows(d, ki, kj, [&](int64_t i, int64_t yy, int64_t j0, int64_t j1, int64_t off) {
          // column j reads input element yy*W + off + j*sw
          axpy_row(yp + i * d.Wo + j0, xp + yy * d.W + off + j0 * d.sw, wv, j1 - j0, d.sw);
        });
      }
  }
}

// One sample's dx [Cin, H, W] += and dw [Cout, 1, KH, KW] += from dy [Cout, Ho, Wo] (either
// gradient may be null).
template <typename T>
void backward(const Conv2dDims& d, const T* x, const T* w, const T* dy, T* dx, T* dw) {
  const int64_t P = d.Ho * d.Wo, HW = d.H * d.W, KK = d.KH * d.KW;
  if (same_stride1(d)) {
    // dx[c][y][x] += sum w[o][ki][kj] dy[o][y + pad_t - ki][x + pad_l - kj]: the correlation of
    // dy padded by (KH-1-pad_t, KW-1-pad_l) with the flipped kernel.
    // dw[o][ki][kj] += sum_{i,j} dy[o][i][j] xpad[i + ki][j + kj].
    PaddedPlane<T> gp(d, d.KH - 1 - d.pad_t, d.KW - 1 - d.pad_l), xp(d, d.pad_t, d.pad_l);
    T k[kMaxTaps];
    for (int64_t o = 0; o < d.Cout; ++o) {
      const int64_t c = o / d.cog();
      const T* g = dy + o * P;
      if (dx) {
        gp.load(d, g);
        correlate(d, gp, taps(d, w + o * KK, true, k), dx + c * HW);
      }
      if (!dw) continue;
      if (o % d.cog() == 0) xp.load(d, x + c * HW);
      tap_sums(d, g, xp, dw + o * KK);
    }
    return;
  }
  for (int64_t o = 0; o < d.Cout; ++o) {
    const int64_t c = o / d.cog();
    const T* gp = dy + o * P;
    for (int64_t ki = 0; ki < d.KH; ++ki)
      for (int64_t kj = 0; kj < d.KW; ++kj) {
        const int64_t tap = o * KK + ki * d.KW + kj;
        const T wv = w[tap];
        T s = 0;
        for_tap_rows(d, ki, kj, [&](int64_t i, int64_t yy, int64_t j0, int64_t j1, int64_t off) {
          const T* g = gp + i * d.Wo + j0;
          // column j reads input element in + j*sw
          const int64_t in = c * HW + yy * d.W + off + j0 * d.sw;
          if (dx) axpy_row_strided_out(dx + in, g, wv, j1 - j0, d.sw);
          if (dw) s += dot_row(g, x + in, j1 - j0, d.sw);
        });
        if (dw) dw[tap] += s;
      }
  }
}

}  // namespace vigil::cpu::depthwise
