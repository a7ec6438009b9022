// permute, axis_copy and repeat on the device: the prototypes of cpu/shape.h.
#pragma once
#include <cstdint>

#include "cpu/strided.h"
#include "vigil/status.h"

namespace vigil::cuda {

template <typename T>
vigil_status permute(const T* x, const cpu::Shape& xs, const int32_t* perm, T* y,
                     bool accumulate);
template <typename T>
vigil_status axis_copy(const T* src, int64_t src_dim, int64_t src_start, T* dst, int64_t dst_dim,
                       int64_t dst_start, int64_t outer, int64_t inner, int64_t len,
                       bool accumulate);
template <typename T>
vigil_status repeat_forward(const T* x, const cpu::Shape& xs, const int64_t* repeats, T* y);
template <typename T>
vigil_status repeat_backward(const T* dy, const cpu::Shape& xs, const int64_t* repeats, T* dx);

}  // namespace vigil::cuda
