// Index arithmetic on row-major shapes for the op tests' plain references: element counts,
// unravelling a flat index, reading through a right-aligned broadcast.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/ref/binary.h"
#include "vigil/tensor.h"

namespace harness {

using Shape = std::vector<int64_t>;

inline Shape shape_of(const vigil_tensor* t) { return Shape(t->shape, t->shape + t->ndim); }

inline int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Multi-index of linear index i in shape s (row-major).
inline std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (int k = static_cast<int>(s.size()) - 1; k >= 0; --k) {
    idx[k] = i % s[k];
    i /= s[k];
  }
  return idx;
}

// Linear index in shape s of the multi-index idx of a right-aligned broadcast shape
// (dims of size 1 in s read index 0).
inline int64_t ravel_broadcast(const std::vector<int64_t>& idx, const Shape& s) {
  return vigil::ref::broadcast_offset(idx, s);
}

inline Shape broadcast(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape y(r);
  for (size_t k = 0; k < r; ++k) {
    const int64_t da = k + a.size() < r ? 1 : a[k + a.size() - r];
    const int64_t db = k + b.size() < r ? 1 : b[k + b.size() - r];
    y[k] = da == 1 ? db : da;
  }
  return y;
}

}  // namespace harness
