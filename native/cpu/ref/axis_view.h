// A contiguous shape seen as [outer, n, inner] around one axis: element (o, k, i) sits at
// (o * n + k) * inner + i. The references of axis ops (softmax, batch_norm) loop over it.
#pragma once
#include <cstdint>
#include <vector>

namespace vigil::ref {

struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
  AxisView(const std::vector<int64_t>& shape, int axis) {  // axis in [0, rank)
    for (int k = 0; k < static_cast<int>(shape.size()); ++k) {
      if (k < axis) outer *= shape[k];
      if (k > axis) inner *= shape[k];
    }
    n = shape[axis];
  }
  int64_t at(int64_t o, int64_t k, int64_t i) const { return (o * n + k) * inner + i; }
};

}  // namespace vigil::ref
