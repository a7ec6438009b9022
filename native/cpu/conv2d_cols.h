// The im2col layout of one group of one sample for conv2d (cpu/conv2d.h): row (c, ki, kj) of
// `cols` holds, for every output position (i, j), the input element tap (ki, kj) of that
// window reads from channel c, 0 where it falls in the padding:
//   cols[(c*KH + ki)*KW + kj][i*Wo + j] = x[c, i*sh - pad_t + ki*dil_h, j*sw - pad_l + kj*dil_w]
// so a group's conv is one GEMM, w_g [Cog, Cg*KH*KW] @ cols [Cg*KH*KW, Ho*Wo].
// im2col fills cols from x; col2im is its adjoint, adding each column entry back into the input
// element it came from (the input gradient). Both walk the same index map (transfer below).
// `ld` is the row stride of cols (Ho*Wo for one sample alone): several samples' columns side by side in one
// matrix, sample s at column s*Ho*Wo, make one wide GEMM of many small maps.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cpu/conv2d.h"

namespace vigil::cpu {

// The output columns j whose input column j*sw + off lies in [0, W): [j0, j1).
inline void inside_columns(const Conv2dDims& d, int64_t off, int64_t* j0, int64_t* j1) {
  *j0 = off >= 0 ? 0 : std::min<int64_t>((-off + d.sw - 1) / d.sw, d.Wo);
  *j1 = std::clamp<int64_t>((d.W - off + d.sw - 1) / d.sw, *j0, d.Wo);
}

// kToCols: cols = patches of img (img [Cg, H, W] read); else img += the entries of cols.
template <bool kToCols, typename T>
void transfer(const Conv2dDims& d, std::conditional_t<kToCols, const T*, T*> img,
              std::conditional_t<kToCols, T*, const T*> cols, int64_t ld) {
  const int64_t HW = d.H * d.W;
  for (int64_t c = 0; c < d.cg(); ++c)
    for (int64_t ki = 0; ki < d.KH; ++ki)
      for (int64_t kj = 0; kj < d.KW; ++kj) {
        auto row = cols + ((c * d.KH + ki) * d.KW + kj) * ld;
        const int64_t off = kj * d.dil_w - d.pad_l;
        int64_t j0, j1;
        inside_columns(d, off, &j0, &j1);
        for (int64_t i = 0; i < d.Ho; ++i) {
          auto r = row + i * d.Wo;
          const int64_t yy = i * d.sh - d.pad_t + ki * d.dil_h;
          const bool inside = yy >= 0 && yy < d.H;
          auto line = img + c * HW + (inside ? yy : 0) * d.W;  // line[j*sw + off], j in [j0, j1)
          if constexpr (kToCols) {
            if (!inside) {
              std::fill(r, r + d.Wo, T(0));
              continue;
            }
            std::fill(r, r + j0, T(0));
            for (int64_t j = j0; j < j1; ++j) r[j] = line[j * d.sw + off];
            std::fill(r + j1, r + d.Wo, T(0));
          } else {
            if (!inside) continue;
            for (int64_t j = j0; j < j1; ++j) line[j * d.sw + off] += r[j];
          }
        }
      }
}

template <typename T>
void im2col(const Conv2dDims& d, const T* img, T* cols, int64_t ld) {
  transfer<true, T>(d, img, cols, ld);
}

template <typename T>
void col2im(const Conv2dDims& d, const T* cols, T* img, int64_t ld) {
  transfer<false, T>(d, img, cols, ld);
}

}  // namespace vigil::cpu
