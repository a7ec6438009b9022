// conv2d on the device: the prototypes of cpu/conv2d.h.
#pragma once
#include "cpu/conv2d.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::Conv2dDims;

template <typename T>
vigil_status conv2d_forward(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y,
                            bool accumulate = false);
template <typename T>
vigil_status conv2d_backward(const Conv2dDims& d, const T* x, const T* w, const T* dy, T* dx,
                             T* dw, T* dbias);

}  // namespace vigil::cuda
