// 2-D convolution over NCHW maps (the math is in vigil/ops.h, vigil_conv2d_forward).
#pragma once
#include <algorithm>
#include <cstdint>

namespace vigil::cpu {

// One conv2d call's sizes. The bottom and right pads are implied by Ho and Wo, so they are not
// kept: nothing reads an input row past the last output's window.
struct Conv2dDims {
  int64_t B, Cin, H, W;       // x [B, Cin, H, W]
  int64_t Cout, Ho, Wo;       // y [B, Cout, Ho, Wo]
  int64_t KH, KW, groups;     // w [Cout, Cin/groups, KH, KW]
  int64_t sh, sw, dil_h, dil_w, pad_t, pad_l;
  int64_t cg() const { return Cin / groups; }    // input channels per group
  int64_t cog() const { return Cout / groups; }  // output channels per group
};

// conv2d's output length along one axis: (in + pads - dil*(k-1) - 1) / stride + 1, or <= 0 when
// the dilated kernel does not fit.
inline int64_t conv_out_len(int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t pads) {
  const int64_t span = in + pads - dil * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

// TF/Keras padding 'same' along one axis: out = ceil(in / stride), and the zero rows that takes,
// split with the odd one after (so stride 2 over an even size pads only the end).
inline void same_pads(int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t* before,
                      int64_t* after) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + dil * (k - 1) + 1 - in, 0);
  *before = total / 2;
  *after = total - *before;
}

// y [B,Cout,Ho,Wo] = conv(x) + bias (bias may be null); with accumulate, y += conv(x) instead.
template <typename T>
void conv2d_forward(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y,
                    bool accumulate = false);

// Accumulates into the non-null dx [B,Cin,H,W], dw [Cout,Cg,KH,KW], dbias [Cout]; x is read
// only for dw.
template <typename T>
void conv2d_backward(const Conv2dDims& d, const T* x, const T* w, const T* dy, T* dx, T* dw,
                     T* dbias);

}  // namespace vigil::cpu
