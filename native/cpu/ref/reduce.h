// Reference reduce forward of ops.h: sum, mean or max of every group of x that differs only
// along the axes of axes_mask (bit k = axis k), in double. y keeps x's rank with the reduced
// axes set to 1; arg (if given) receives the flat index of each group's first maximal element
// (MAX; -1 otherwise), which is where MAX's backward sends the gradient.
#pragma once
#include <cstdint>
#include <vector>

#include "vigil/ops.h"

namespace vigil::ref {

template <typename T>
void reduce_forward(vigil_reduce_op op, const T* x, const std::vector<int64_t>& shape,
                    uint32_t axes_mask, std::vector<double>& y, std::vector<int64_t>* arg) {
  const int rank = static_cast<int>(shape.size());
  int64_t n = 1, groups = 1;
  for (int k = 0; k < rank; ++k) {
    n *= shape[k];
    if (!(axes_mask >> k & 1u)) groups *= shape[k];
  }
  y.assign(groups, 0.0);
  std::vector<int64_t> first(groups, -1);
  for (int64_t i = 0; i < n; ++i) {
    // the group of element i: its index with the reduced axes dropped, row-major
    int64_t rest = i, g = 0, stride = 1;
    for (int k = rank - 1; k >= 0; --k) {
      const int64_t idx = rest % shape[k];
      rest /= shape[k];
      if (axes_mask >> k & 1u) continue;
      g += idx * stride;
      stride *= shape[k];
    }
    const double v = x[i];
    if (op != VIGIL_MAX)
      y[g] += v;
    else if (first[g] < 0 || v > y[g])
      y[g] = v, first[g] = i;
  }
  if (op == VIGIL_MEAN)
    for (double& v : y) v /= static_cast<double>(n / (groups ? groups : 1));
  if (arg) *arg = op == VIGIL_MAX ? first : std::vector<int64_t>(groups, -1);
}

}  // namespace vigil::ref
