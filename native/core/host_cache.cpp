#include "core/host_cache.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace vigil {
namespace {

// Blocks are cached per size class: 64-byte steps below 64 KiB, 4 KiB steps above. The cache
// holds at most kCapBytes; beyond that frees go back to the system.
constexpr size_t kCapBytes = size_t(1) << 30;

size_t size_class(size_t n) {
  if (n == 0) n = 1;
  size_t step = n < (size_t(64) << 10) ? 64 : 4096;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex m;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  size_t bytes = 0;
};

// Per thread, because a JS host counts external memory per isolate and each isolate allocates
// on its own thread.
thread_local int64_t t_system_delta = 0;

void* system_alloc(size_t cls) {
  void* p = std::aligned_alloc(64, cls);
  if (p) t_system_delta += static_cast<int64_t>(cls);
  return p;
}

void system_free(void* p, size_t cls) {
  std::free(p);
  t_system_delta -= static_cast<int64_t>(cls);
}

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: frees may arrive during static teardown
  return *c;
}

}  // namespace

void* host_cache_alloc(size_t nbytes) {
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> g(c.m);
    auto it = c.free_lists.find(cls);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.bytes -= cls;
      return p;
    }
  }
  void* p = system_alloc(cls);
  if (!p) {  // memory is tight: give the cache back and try once more
    host_cache_release();
    p = system_alloc(cls);
  }
  return p;
}

void host_cache_free(void* p, size_t nbytes) {
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> g(c.m);
    if (c.bytes + cls <= kCapBytes) {
      c.free_lists[cls].push_back(p);
      c.bytes += cls;
      return;
    }
  }
  system_free(p, cls);
}

void host_cache_release() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  for (auto& [cls, list] : c.free_lists)
    for (void* p : list) system_free(p, cls);
  c.free_lists.clear();
  c.bytes = 0;
}

int64_t host_cache_take_system_delta() {
  int64_t d = t_system_delta;
  t_system_delta = 0;
  return d;
}

int64_t host_cache_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  return static_cast<int64_t>(c.bytes);
}

}  // namespace vigil
