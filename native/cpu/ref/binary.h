// Reference binary forward of ops.h, in double: y = a op b with numpy broadcasting (shapes
// right-aligned, a dim of 1 stretches), one output element at a time.
//   ADD a+b, SUB a-b, MUL a*b, DIV a/b, POW a^b
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "vigil/ops.h"

namespace vigil::ref {

inline double binary(vigil_binary_op op, double a, double b) {
  switch (op) {
    case VIGIL_ADD: return a + b;
    case VIGIL_SUB: return a - b;
    case VIGIL_MUL: return a * b;
    case VIGIL_DIV: return a / b;
    case VIGIL_POW: return std::pow(a, b);
  }
  return NAN;
}

// The flat offset in an operand of shape s of the output multi-index idx (s right-aligned to
// idx; its dims of size 1 read index 0).
inline int64_t broadcast_offset(const std::vector<int64_t>& idx, const std::vector<int64_t>& s) {
  int64_t off = 0;
  const size_t shift = idx.size() - s.size();
  for (size_t k = 0; k < s.size(); ++k) off = off * s[k] + (s[k] == 1 ? 0 : idx[k + shift]);
  return off;
}

// y has the broadcast shape ys of as and bs.
template <typename T>
void binary_forward(vigil_binary_op op, const T* a, const std::vector<int64_t>& as, const T* b,
                    const std::vector<int64_t>& bs, const std::vector<int64_t>& ys, double* y) {
  int64_t n = 1;
  for (int64_t d : ys) n *= d;
  std::vector<int64_t> idx(ys.size());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = static_cast<int64_t>(ys.size()) - 1, rest = i; k >= 0; --k) {
      idx[k] = rest % ys[k];
      rest /= ys[k];
    }
    y[i] = binary(op, a[broadcast_offset(idx, as)], b[broadcast_offset(idx, bs)]);
  }
}

}  // namespace vigil::ref
