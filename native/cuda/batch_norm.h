// Batch normalisation on the device: the prototypes of cpu/batch_norm.h.
#pragma once
#include "cpu/batch_norm.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::BnLayout;

template <typename T>
vigil_status batch_norm_forward(const T* x, const BnLayout& L, const T* gamma, const T* beta,
                                T* running_mean, T* running_var, bool training, double momentum,
                                double eps, T* y, T* save_mean, T* save_invstd);
template <typename T>
vigil_status batch_norm_backward(const T* x, const BnLayout& L, const T* gamma,
                                 const T* save_mean, const T* save_invstd, const T* dy,
                                 bool training, T* dx, T* dgamma, T* dbeta);

}  // namespace vigil::cuda
