#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "vigil/tensor.h"

namespace vigil {
namespace {

thread_local bool t_in_pool_task = false;

class Pool {
 public:
  ~Pool() { resize(0); }

  int size() {
    std::lock_guard<std::mutex> g(submit_);
    return static_cast<int>(workers_.size()) + 1;
  }

  void resize(int threads) {  // threads includes the caller
    std::lock_guard<std::mutex> g(submit_);
    stop_workers();
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  }

  // Runs task(i) for i in [0, n) over the workers and the calling thread.
  // Returns false (doing nothing) when another caller holds the pool.
  bool run(int n, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> g(submit_, std::try_to_lock);
    if (!g.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> l(m_);
      task_ = &task;
      n_tasks_ = n;
      next_.store(0);
      pending_ = n;
      error_ = nullptr;
      ++generation_;
      posted_.store(generation_, std::memory_order_release);
    }
    cv_.notify_all();
    drain();
    std::unique_lock<std::mutex> l(m_);
    done_cv_.wait(l, [this] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  void drain() {
    for (;;) {
      int i = next_.fetch_add(1);
      if (i >= n_tasks_) return;
      t_in_pool_task = true;
      try {
        (*task_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> l(m_);
        if (!error_) error_ = std::current_exception();
      }
      t_in_pool_task = false;
      std::lock_guard<std::mutex> l(m_);
      if (--pending_ == 0) done_cv_.notify_all();
    }
  }

  // After its last task a worker polls for new work for kSpin before it sleeps: a caller
  // running short jobs back to back (a stream's pushes, each one team run of ~0.5 ms) then finds
  // it awake instead of paying a wake-up (25-200 us on a VM) every time.
  void worker_loop(int) {
    uint64_t seen = 0;
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + kSpin;
      while (posted_.load(std::memory_order_acquire) == seen &&
             std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__) || defined(__i386__)
        for (int i = 0; i < 32; ++i) _mm_pause();
#endif
      }
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] { return stop_ || (generation_ != seen && task_); });
        if (stop_) return;
        seen = generation_;
      }
      drain();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> l(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stop_ = false;
  }

  std::mutex submit_;  // one caller at a time owns the pool
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  int n_tasks_ = 0;
  std::atomic<int> next_{0};
  int pending_ = 0;
  uint64_t generation_ = 0;
  std::atomic<uint64_t> posted_{0};  // generation_, readable without the lock
  static constexpr std::chrono::microseconds kSpin{200};
  bool stop_ = false;
  std::exception_ptr error_;
};

// Read once: glibc answers hardware_concurrency by opening and reading
// /sys/devices/system/cpu/online, and num_threads() asks on every parallel_for of a process that
// never set a count (the CLI): three system calls per op made ALAD's KDD training 6x slower.
int default_threads() {
  static const int n = [] {
    unsigned h = std::thread::hardware_concurrency();
    return h == 0 ? 1 : static_cast<int>(h);
  }();
  return n;
}

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();  // leaked on purpose: workers must outlive static destructors
    q->resize(default_threads());
    return q;
  }();
  return *p;
}

std::atomic<int> g_threads{0};

}  // namespace

int num_threads() {
  int n = g_threads.load();
  return n > 0 ? n : default_threads();
}

void set_num_threads(int n) {
  int want = n > 0 ? n : default_threads();
  g_threads.store(want);
  pool().resize(want);
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  int64_t n = end - begin;
  grain = std::max<int64_t>(grain, 1);
  int chunks = static_cast<int>(std::min<int64_t>(num_threads(), (n + grain - 1) / grain));
  if (chunks <= 1 || t_in_pool_task) {
    fn(begin, end);
    return;
  }
  int64_t step = (n + chunks - 1) / chunks;
  std::function<void(int)> task = [&](int i) {
    int64_t b = begin + i * step;
    int64_t e = std::min(end, b + step);
    if (b < e) fn(b, e);
  };
  if (!pool().run(chunks, task)) fn(begin, end);  // pool busy with another caller
}

bool run_team(int n, const std::function<void(int)>& fn) {
  if (n < 1 || t_in_pool_task || num_threads() < n || pool().size() < n) return false;
  if (n == 1) {
    fn(0);
    return true;
  }
  return pool().run(n, fn);
}

void TeamBarrier::wait() {
  const uint64_t g = generation_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
    arrived_.store(0, std::memory_order_relaxed);
    generation_.store(g + 1, std::memory_order_release);
    return;
  }
  // Spin while the wait is likely short (a team step is ~1 us; member 0's serial steps some
  // tens of us), then yield: a member the OS has descheduled (more runnable threads than cores)
  // gets the core back at once instead of after the spinner's whole time slice. Spinning
  // forever cost 2.5 s p99 per stream push at load 3.8 on two cores. A wait past kSpinTime
  // counts as slow (TeamBackoff reads it): the partner was off its core.
  using clock = std::chrono::steady_clock;
  clock::time_point start{};
  bool slow = false;
  for (int spins = 1; generation_.load(std::memory_order_acquire) == g; ++spins) {
    if (aborted_.load(std::memory_order_acquire)) throw std::runtime_error("a team member failed");
    if (slow) {
      std::this_thread::yield();
    } else {
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();
#endif
    }
    if (slow || spins % 256 != 0) continue;  // the clock costs ~20 ns: read it every few us
    const auto now = clock::now();
    if (start == clock::time_point{}) start = now;
    if (now - start > kSpinTime) {
      slow = true;
      slow_waits_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace vigil

extern "C" void vigil_set_num_threads(int n) { vigil::set_num_threads(n); }
extern "C" int vigil_get_num_threads(void) { return vigil::num_threads(); }
