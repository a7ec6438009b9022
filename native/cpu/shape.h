// Data movement on the CPU: permute, the axis copy behind concat and slice, and repeat.
#pragma once
#include <cstdint>

#include "cpu/strided.h"

namespace vigil::cpu {

// y[i_0..] (+)= x[...] with y.shape[k] = xs[perm[k]] (perm a permutation of 0..ndim-1)
template <typename T>
void permute(const T* x, const Shape& xs, const int32_t* perm, T* y, bool accumulate);

// Both tensors viewed as [outer, dim, inner]:
//   dst[o, dst_start + j, :] (+)= src[o, src_start + j, :]  for j < len
template <typename T>
void axis_copy(const T* src, int64_t src_dim, int64_t src_start, T* dst, int64_t dst_dim,
               int64_t dst_start, int64_t outer, int64_t inner, int64_t len, bool accumulate);

// y.shape[k] = xs[k] * repeats[k], y[i] = x[i mod xs] (the tiles)
template <typename T>
void repeat_forward(const T* x, const Shape& xs, const int64_t* repeats, T* y);

// dx += sum of dy's tiles
template <typename T>
void repeat_backward(const T* dy, const Shape& xs, const int64_t* repeats, T* dx);

}  // namespace vigil::cpu
