// Splitting a batch over the thread pool when its rows are independent (recurrences, per-sample
// convolutions): each chunk runs its whole loop without synchronising with the others, and
// callers that reduce across the batch keep one partial result per chunk.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/parallel.h"

namespace vigil::cpu {

// How many chunks of at least min_rows rows to cut n rows into (at most one per thread).
inline int64_t batch_chunk_count(int64_t n, int64_t min_rows) {
  int64_t c = std::min<int64_t>(num_threads(), n / std::max<int64_t>(min_rows, 1));
  return std::max<int64_t>(c, 1);
}

// Runs fn(chunk, b0, b1) for each of `chunks` near-equal ranges of [0, n). With one chunk, fn
// runs on the calling thread outside any pool task, so the GEMMs inside it still use the pool.
template <typename F>
void for_batch_chunks(int64_t n, int64_t chunks, F&& fn) {
  if (chunks <= 1) {
    fn(int64_t(0), int64_t(0), n);
    return;
  }
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) fn(c, c * n / chunks, (c + 1) * n / chunks);
  });
}

}  // namespace vigil::cpu
