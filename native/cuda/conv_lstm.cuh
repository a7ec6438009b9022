// Device helpers of the conv_lstm kernels (conv_lstm*.cu): the recurrent activation sigma and
// its derivative from its output, as cpu::conv_lstm_sigma / conv_lstm_sigma_grad (cpu/conv_lstm.h),
// and the 'same' convs of the cells.
#pragma once
#include "cuda/common.cuh"
#include "cuda/conv_lstm.h"

namespace vigil::cuda {

// hard: clip(0.2 z + 0.5, 0, 1) (Keras); else the logistic sigmoid.
template <typename T>
__device__ __forceinline__ T conv_lstm_sigma(bool hard, T z) {
  if (hard) {
    const T v = T(0.2) * z + T(0.5);
    return v < T(0) ? T(0) : v > T(1) ? T(1) : v;
  }
  return sigmoid(z);
}
// The derivative from the output s (hard: slope 0.2 where not clipped, 0 < s < 1).
template <typename T>
__device__ __forceinline__ T conv_lstm_sigma_grad(bool hard, T s) {
  if (hard) return s > T(0) && s < T(1) ? T(0.2) : T(0);
  return s * (T(1) - s);
}

// A 'same', stride-1 conv over [batch, cin, H, W] maps of d (cpu::conv_lstm_same_conv).
inline cpu::Conv2dDims conv_lstm_conv(const ConvLstmDims& d, int64_t batch, int64_t cin,
                                      int64_t cout, int64_t kh, int64_t kw, int64_t groups) {
  return cpu::conv_lstm_same_conv(d, batch, cin, cout, kh, kw, groups);
}

}  // namespace vigil::cuda
