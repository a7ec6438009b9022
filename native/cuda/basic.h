// fill, copy and cast on the device (entry points: api/basic.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "vigil/status.h"

namespace vigil::cuda {

// y[i] = value
template <typename T>
vigil_status fill(T* y, int64_t n, double value);
// y = x, nbytes bytes (device to device)
vigil_status copy_bytes(const void* x, void* y, size_t nbytes);
// y[i] = (D) x[i]
template <typename S, typename D>
vigil_status cast(const S* x, D* y, int64_t n);

}  // namespace vigil::cuda
