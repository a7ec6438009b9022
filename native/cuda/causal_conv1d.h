// Dilated causal conv1d on the device: the prototypes of cpu/causal_conv1d.h.
#pragma once
#include "cpu/causal_conv1d.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::CausalConv1dDims;

template <typename T>
vigil_status causal_conv1d_forward(const CausalConv1dDims& d, const T* x, const T* w,
                                   const T* bias, T* y);
template <typename T>
vigil_status causal_conv1d_backward(const CausalConv1dDims& d, const T* x, const T* w,
                                    const T* dy, T* dx, T* dw, T* dbias);

}  // namespace vigil::cuda
