// Philox streams on the device: the prototypes of cpu/random.h, and the same numbers (the draws
// come from core/philox.h on both sides).
#pragma once
#include <cstdint>

#include "vigil/status.h"

namespace vigil::cuda {

template <typename T>
vigil_status random_uniform(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset);
template <typename T>
vigil_status random_normal(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset);
template <typename T>
vigil_status dropout_forward(const T* x, int64_t n, double p, uint64_t seed, uint64_t offset,
                             T* y, T* mask);
template <typename T>
vigil_status dropout_backward(const T* dy, const T* mask, int64_t n, T* dx);
template <typename T>
vigil_status reparam_sample_forward(const T* mu, const T* logvar, int64_t n, uint64_t seed,
                                    uint64_t offset, T* z, T* eps);
template <typename T>
vigil_status reparam_sample_backward(const T* logvar, const T* eps, const T* dz, int64_t n,
                                     T* dmu, T* dlogvar);

}  // namespace vigil::cuda
