// Element-wise ops on the CPU: broadcasting binary ops and the unary activations of ops.h.
// Shapes are right-aligned numpy-style; the caller has checked that they broadcast and that
// ys is the broadcast shape.
#pragma once
#include <cstdint>

#include "cpu/strided.h"
#include "vigil/ops.h"

namespace vigil::cpu {

// y = a op b
template <typename T>
void binary_forward(vigil_binary_op op, const T* a, const Shape& as, const T* b, const Shape& bs,
                    T* y, const Shape& ys);

// da += sum over a's stretched dims of dy * d(a op b)/da, likewise db (either may be null)
template <typename T>
void binary_backward(vigil_binary_op op, const T* a, const Shape& as, const T* b,
                     const Shape& bs, const T* dy, const Shape& ys, T* da, T* db);

// y[i] = f(x[i]; p0, p1)
template <typename T>
void unary_forward(vigil_unary_op op, const T* x, T* y, int64_t n, double p0, double p1);

// dx[i] += dy[i] * f'(x[i]), computed from x or y = f(x) whichever is cheaper
template <typename T>
void unary_backward(vigil_unary_op op, const T* x, const T* y, const T* dy, T* dx, int64_t n,
                    double p0, double p1);

}  // namespace vigil::cpu
