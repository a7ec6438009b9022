// Element-wise ops on the device: the prototypes of cpu/elementwise.h.
#pragma once
#include <cstdint>

#include "cpu/strided.h"
#include "vigil/ops.h"

namespace vigil::cuda {

template <typename T>
vigil_status binary_forward(vigil_binary_op op, const T* a, const cpu::Shape& as, const T* b,
                            const cpu::Shape& bs, T* y, const cpu::Shape& ys);
template <typename T>
vigil_status binary_backward(vigil_binary_op op, const T* a, const cpu::Shape& as, const T* b,
                             const cpu::Shape& bs, const T* dy, const cpu::Shape& ys, T* da,
                             T* db);
template <typename T>
vigil_status unary_forward(vigil_unary_op op, const T* x, T* y, int64_t n, double p0, double p1);
template <typename T>
vigil_status unary_backward(vigil_unary_op op, const T* x, const T* y, const T* dy, T* dx,
                            int64_t n, double p0, double p1);

}  // namespace vigil::cuda
