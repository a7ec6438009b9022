// Dilated causal 1-D convolution (the math is in vigil/ops.h, vigil_causal_conv1d_forward).
#pragma once
#include <cstdint>

namespace vigil::cpu {

struct CausalConv1dDims {
  int64_t B, Cin, Cout, T, K, dilation;
};

// x [B,Cin,T], w [Cout,Cin,K], bias [Cout] or null, y [B,Cout,T] (overwritten).
template <typename T>
void causal_conv1d_forward(const CausalConv1dDims& d, const T* x, const T* w, const T* bias, T* y);

// Accumulates into the non-null dx [B,Cin,T], dw [Cout,Cin,K], dbias [Cout].
template <typename T>
void causal_conv1d_backward(const CausalConv1dDims& d, const T* x, const T* w, const T* dy, T* dx,
                            T* dw, T* dbias);

}  // namespace vigil::cpu
