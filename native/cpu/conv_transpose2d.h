// 2-D transposed convolution over NCHW maps (the math is in vigil/ops.h,
// vigil_conv_transpose2d_forward).
#pragma once
#include "cpu/conv2d.h"

namespace vigil::cpu {

// conv_transpose2d is the input gradient of a conv2d, so its sizes are that conv2d's, `c`:
// c's input is our output y [B, c.Cin, c.H, c.W], c's output is our input x
// [B, c.Cout, c.Ho, c.Wo], and our weight is c's weight as stored:
// w [Cin_ours = c.Cout, Cout_ours / groups = c.cg(), KH, KW].

// y [B, c.Cin, c.H, c.W] = conv_transpose2d(x) + bias (bias [c.Cin] or null).
template <typename T>
void conv_transpose2d_forward(const Conv2dDims& c, const T* x, const T* w, const T* bias, T* y);

// Accumulates into the non-null dx [B, c.Cout, c.Ho, c.Wo], dw, dbias [c.Cin]; x is read only
// for dw.
template <typename T>
void conv_transpose2d_backward(const Conv2dDims& c, const T* x, const T* w, const T* dy, T* dx,
                               T* dw, T* dbias);

}  // namespace vigil::cpu
