// The CPU thread pool. One pool per process, shared by every caller (Node's main thread and
// any worker_threads): a caller that finds the pool busy runs its loop on its own thread rather
// than wait, and a parallel_for nested inside a pool task runs inline.
#pragma once
#include <cstdint>
#include <functional>

namespace vigil {

int num_threads();
void set_num_threads(int n);  // 0 = hardware concurrency

// Splits [begin, end) into at most num_threads() contiguous chunks of at least `grain`
// iterations and calls fn(chunk_begin, chunk_end) for each, returning when all are done.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace vigil
