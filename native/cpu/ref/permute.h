// Reference permute forward of ops.h: y.shape[k] = x.shape[perm[k]] and y[j] = x[i] where
// j_k = i_{perm[k]}; one element of x at a time.
#pragma once
#include <cstdint>
#include <vector>

namespace vigil::ref {

template <typename T>
void permute_forward(const T* x, const std::vector<int64_t>& xs, const int32_t* perm, T* y) {
  const size_t rank = xs.size();
  std::vector<int64_t> ystride(rank, 1), idx(rank);
  for (size_t k = rank; k-- > 1;) ystride[k - 1] = ystride[k] * xs[perm[k]];
  int64_t n = 1;
  for (int64_t d : xs) n *= d;
  for (int64_t i = 0; i < n; ++i) {
    for (size_t k = rank, rest = static_cast<size_t>(i); k-- > 0;) {
      idx[k] = static_cast<int64_t>(rest % static_cast<size_t>(xs[k]));
      rest /= static_cast<size_t>(xs[k]);
    }
    int64_t j = 0;
    for (size_t k = 0; k < rank; ++k) j += idx[perm[k]] * ystride[k];
    y[j] = x[i];
  }
}

}  // namespace vigil::ref
