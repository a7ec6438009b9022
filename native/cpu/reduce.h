// Reductions and softmax on the CPU. A reduction's output shape `os` is right-aligned to the
// input shape `xs` and has size 1 on every reduced dim (keep-dim form): the dims where os is 1
// and xs is not are the reduced ones. Each output is computed by one task in a fixed order, so
// results do not depend on the thread count.
#pragma once
#include <cstdint>

#include "cpu/strided.h"

namespace vigil::cpu {

// out[j] (+)= scale * sum of x over the group of j (sums in double); accumulate adds to out
template <typename T>
void sum_to(const T* x, const Shape& xs, T* out, const Shape& os, double scale, bool accumulate);

// out[j] = max of x over the group of j (NaN wins)
template <typename T>
void max_to(const T* x, const Shape& xs, T* out, const Shape& os);

// dx[first maximal element of group j] += dy[j]
template <typename T>
void max_to_backward(const T* x, const Shape& xs, const T* dy, const Shape& os, T* dx);

// dx[i] += scale * dy[group of i]: the backward of sum_to (broadcast dy back to xs)
template <typename T>
void expand_add(const T* dy, const Shape& os, T* dx, const Shape& xs, double scale);

// x viewed as [outer, n, inner], softmax over n:
//   y = e^(x - m) / s  or, with log, y = x - m - ln s;  m = max, s = sum e^(x - m)
template <typename T>
void softmax_forward(const T* x, int64_t outer, int64_t n, int64_t inner, bool log, T* y);

// softmax: dx += y * (dy - sum(dy * y));  log: dx += dy - e^y * sum(dy)
template <typename T>
void softmax_backward(const T* y, const T* dy, int64_t outer, int64_t n, int64_t inner, bool log,
                      T* dx);

}  // namespace vigil::cpu
