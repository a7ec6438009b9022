// Optimiser steps on the device: the prototypes of cpu/optim.h (sum_squares copies its double
// result back to the host, which waits for the stream).
#pragma once
#include <cstdint>

#include "cpu/optim.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::AdamHyper;
using cpu::SgdHyper;

template <typename T>
vigil_status adam_step(T* param, const T* grad, T* m, T* v, T* vmax, int64_t n,
                       const AdamHyper& h);
template <typename T>
vigil_status sgd_step(T* param, const T* grad, T* buf, int64_t n, const SgdHyper& h);
template <typename T>
vigil_status sum_squares(const T* x, int64_t n, double* out);
template <typename T>
vigil_status scale_inplace(T* x, int64_t n, double alpha);
template <typename T>
vigil_status ema_update(T* average, const T* param, int64_t n, double decay);

}  // namespace vigil::cuda
