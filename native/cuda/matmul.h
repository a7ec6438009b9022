// matmul and linear on the device: the prototypes of cpu/matmul.h.
#pragma once
#include <cstdint>

#include "cpu/matmul.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::MatmulDims;

template <typename T>
vigil_status matmul_forward(const MatmulDims& d, const T* a, const T* b, T* y);
template <typename T>
vigil_status matmul_backward(const MatmulDims& d, const T* a, const T* b, const T* dy, T* da,
                             T* db);
template <typename T>
vigil_status linear_forward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w,
                            const T* bias, T* y);
template <typename T>
vigil_status linear_backward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w,
                             const T* dy, T* dx, T* dw, T* dbias);

}  // namespace vigil::cuda
