// Reductions and softmax on the device: the prototypes of cpu/reduce.h.
#pragma once
#include <cstdint>

#include "cpu/strided.h"
#include "vigil/status.h"

namespace vigil::cuda {

template <typename T>
vigil_status sum_to(const T* x, const cpu::Shape& xs, T* out, const cpu::Shape& os, double scale,
                    bool accumulate);
template <typename T>
vigil_status max_to(const T* x, const cpu::Shape& xs, T* out, const cpu::Shape& os);
template <typename T>
vigil_status max_to_backward(const T* x, const cpu::Shape& xs, const T* dy, const cpu::Shape& os,
                             T* dx);
template <typename T>
vigil_status expand_add(const T* dy, const cpu::Shape& os, T* dx, const cpu::Shape& xs,
                        double scale);
template <typename T>
vigil_status softmax_forward(const T* x, int64_t outer, int64_t n, int64_t inner, bool log, T* y);
template <typename T>
vigil_status softmax_backward(const T* y, const T* dy, int64_t outer, int64_t n, int64_t inner,
                              bool log, T* dx);

}  // namespace vigil::cuda
