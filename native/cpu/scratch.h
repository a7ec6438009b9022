// Scratch arrays of the CPU kernels, from the host cache (core/host_cache.h). A kernel's big
// per-call temporaries (im2col matrices, a recurrent layer's per-step gradients) have the same
// sizes every training step; as std::vectors they came back from the system as fresh pages each
// call, and the page faults and the kernel's zeroing of those pages were 17% of an
// input-attention ConvLSTM layer's forward + backward (B64, 64 ch, 13x13, 1 thread, perf).
// Like std::vector<T>(n) but uninitialised unless `zero`.
#pragma once
#include <algorithm>
#include <cstdint>
#include <new>
#include <utility>

#include "core/host_cache.h"

namespace vigil::cpu {

template <typename T>
class Scratch {
 public:
  Scratch() = default;
  explicit Scratch(int64_t n, bool zero = false) : n_(std::max<int64_t>(n, 0)) {
    if (n_ == 0) return;
    p_ = static_cast<T*>(host_cache_alloc(bytes()));
    if (!p_) throw std::bad_alloc();
    if (zero) std::fill(p_, p_ + n_, T(0));
  }
  ~Scratch() {
    if (p_) host_cache_free(p_, bytes());
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  Scratch& operator=(Scratch&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }

  T* data() { return p_; }
  const T* data() const { return p_; }
  int64_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T* begin() { return p_; }
  T* end() { return p_ + n_; }
  const T* begin() const { return p_; }
  const T* end() const { return p_ + n_; }
  T& operator[](int64_t i) { return p_[i]; }
  const T& operator[](int64_t i) const { return p_[i]; }

 private:
  size_t bytes() const { return static_cast<size_t>(n_) * sizeof(T); }
  T* p_ = nullptr;
  int64_t n_ = 0;
};

}  // namespace vigil::cpu
