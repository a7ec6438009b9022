// The CPU thread pool. One pool per process, shared by every caller (Node's main thread and
// any worker_threads): a caller that finds the pool busy runs its loop on its own thread rather
// than wait, and a parallel_for nested inside a pool task runs inline.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>

namespace vigil {

int num_threads();
void set_num_threads(int n);  // 0 = hardware concurrency

// Splits [begin, end) into at most num_threads() contiguous chunks of at least `grain`
// iterations and calls fn(chunk_begin, chunk_end) for each, returning when all are done.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

// Runs fn(member) for member in [0, n) on n threads at once, so that members may wait for each
// other (TeamBarrier). Returns false without running anything when n threads cannot be had
// now: fewer threads in the pool, the pool busy with another caller, or a call from inside a
// pool task. Which thread is member 0 is not fixed.
bool run_team(int n, const std::function<void(int)>& fn);

// A spinning barrier for the members of one run_team: for steps far shorter than a sleep and
// wake-up (an LSTM step of one batch row: ~1 us). A member that fails calls abort(), so the
// others leave their wait (with an exception) instead of spinning forever.
class TeamBarrier {
 public:
  explicit TeamBarrier(int n) : n_(n) {}
  void wait();
  void abort() { aborted_.store(true, std::memory_order_release); }

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> aborted_{false};
};

}  // namespace vigil
