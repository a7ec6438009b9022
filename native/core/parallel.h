// The CPU thread pool. One pool per process, shared by every caller (Node's main thread and
// any worker_threads): a caller that finds the pool busy runs its loop on its own thread rather
// than wait, and a parallel_for nested inside a pool task runs inline.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
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
  // Waits that outlasted the spin and had to yield: a member was off its core.
  int slow_waits() const { return slow_waits_.load(std::memory_order_relaxed); }

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> aborted_{false};
  std::atomic<int> slow_waits_{0};
  // Spin beyond a normal wait (a step: ~1 us; member 0's serial steps: tens of us; a worker's
  // wake-up: up to ~200 us), then yield and count the wait as slow. Measured on the 2-vCPU VM:
  // yielding after 50 us instead doubled a quiet stream push (p50 0.65 -> 1.2 ms), and counting
  // only waits past 1 ms as slow kept the team through the host's steal spells (p50 1.27 ms).
  static constexpr std::chrono::microseconds kSpinTime{200};
};

// When to run a team at all. A team is fast only while every member has a core: on a machine
// with more runnable threads than cores each barrier waits for a descheduled member (measured:
// stream push p50 1.6 ms alone, 30 ms as a team of two at load 5 on two cores). After a team
// run with slow waits the caller runs alone for `backoff` runs, doubling it (to kMaxBackoff)
// while retries stay slow, and back to teams at once after a fast one. Alone and in a team give
// the same bits, so switching changes only the time.
class TeamBackoff {
 public:
  bool use_team() {
    if (skip_ == 0) return true;
    --skip_;
    return false;
  }
  void record(int slow_waits) {
    if (slow_waits <= kSlowWaitsAllowed) {
      backoff_ = 1;
      return;
    }
    skip_ = backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }
  static constexpr int kSlowWaitsAllowed = 2;  // a stray interrupt or two is not contention
  static constexpr int kMaxBackoff = 1024;

 private:
  int skip_ = 0, backoff_ = 1;
};

}  // namespace vigil
