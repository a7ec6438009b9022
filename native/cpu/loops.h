// Loops shared by the element-wise and reduction kernels of this family. Sums are deterministic:
// the index range is cut into chunks of a fixed size (never by the thread count), each chunk is
// summed in double and the chunk sums are added in order, so the result is bit-identical for any
// number of threads.
#pragma once
#include <cstdint>
#include <vector>

#include "core/parallel.h"

namespace vigil::cpu {

constexpr int64_t kSumChunk = 1 << 14;

// sum over i in [0, n) of term(i), term returning double.
template <typename F>
double chunked_sum(int64_t n, const F& term) {
  const int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
  std::vector<double> part(static_cast<size_t>(chunks), 0.0);
  parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      const int64_t e = c + 1 == chunks ? n : (c + 1) * kSumChunk;
      double s = 0;
      for (int64_t i = c * kSumChunk; i < e; ++i) s += term(i);
      part[static_cast<size_t>(c)] = s;
    }
  });
  double s = 0;
  for (double p : part) s += p;
  return s;
}

// Runs body(i) for i in [0, n) over the pool (element-wise kernels).
template <typename F>
void for_each_index(int64_t n, const F& body) {
  parallel_for(0, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) body(i);
  });
}

}  // namespace vigil::cpu
