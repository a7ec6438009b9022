// Losses on the device. The CPU kernels return the sum of the terms to the host and read the
// upstream gradient there; on the device both stay in device memory, so the prototypes differ:
//   *_forward writes y[0] = (sum of the terms) / div       (div = n for MEAN, 1 for SUM)
//   *_backward scales each derivative by dy[0] / div and accumulates into the non-null grads.
#pragma once
#include <cstdint>

#include "vigil/status.h"

namespace vigil::cuda {

template <typename T>
vigil_status mse_forward(const T* p, const T* t, int64_t n, double div, T* y);
template <typename T>
vigil_status mse_backward(const T* p, const T* t, int64_t n, const T* dy, double div, T* dp,
                          T* dt);
template <typename T>
vigil_status gaussian_nll_forward(const T* x, const T* mu, const T* lv, int64_t n, double div,
                                  T* y);
template <typename T>
vigil_status gaussian_nll_backward(const T* x, const T* mu, const T* lv, int64_t n, const T* dy,
                                   double div, T* dx, T* dmu, T* dlv);
template <typename T>
vigil_status kl_normal_forward(const T* mu, const T* lv, int64_t n, double div, T* y);
template <typename T>
vigil_status kl_normal_backward(const T* mu, const T* lv, int64_t n, const T* dy, double div,
                                T* dmu, T* dlv);
template <typename T>
vigil_status bce_with_logits_forward(const T* l, const T* t, int64_t n, double div, T* y);
template <typename T>
vigil_status bce_with_logits_backward(const T* l, const T* t, int64_t n, const T* dy, double div,
                                      T* dl, T* dt);

}  // namespace vigil::cuda
