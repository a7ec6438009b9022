// The CUDA runtime of the engine: finding a usable device (never aborting without one), the one
// stream every kernel runs on, error checks, host copies, and the caching allocator.
//
// Caching allocator: freed blocks are kept per size class (512-byte steps below 1 MiB, 128 KiB
// steps above) and handed out again without cudaMalloc/cudaFree, which synchronise the device.
// All work is queued on one stream, so a block freed on the host can be reused by the next
// kernel at once: whatever still reads it was queued earlier and runs first. Before cached blocks
// go back to the driver (out of memory, or vigil_release_cached) the stream is synchronised.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/common.cuh"

namespace vigil {
namespace {

__global__ void probe_kernel() {}

// What the runtime found, once per process.
struct Probe {
  int count = 0;      // devices the runtime reports
  int device = -1;    // the engine's device, -1 when none is usable
  std::string reason; // why none is usable
};

std::string err_text(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

const Probe& probe() {
  static Probe* p = [] {
    auto* r = new Probe();
    cudaError_t e = cudaGetDeviceCount(&r->count);
    if (e != cudaSuccess) {
      cudaGetLastError();
      r->count = 0;
      r->reason = "cudaGetDeviceCount failed: " + err_text(e);
      return r;
    }
    if (r->count == 0) {
      r->reason = "the driver reports no CUDA device";
      return r;
    }
    int dev = 0;
    if (const char* env = std::getenv("VIGIL_CUDA_DEVICE")) dev = std::atoi(env);
    if (dev < 0 || dev >= r->count) {
      r->reason = "VIGIL_CUDA_DEVICE=" + std::to_string(dev) + " but there are " +
                  std::to_string(r->count) + " device(s)";
      return r;
    }
    cudaFuncAttributes attr;
    e = cudaSetDevice(dev);
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&attr, probe_kernel);
    if (e != cudaSuccess) {
      cudaGetLastError();
      r->reason = "device " + std::to_string(dev) + " cannot run this build's kernels: " +
                  err_text(e);
      return r;
    }
    r->device = dev;
    return r;
  }();
  return *p;
}

thread_local const char* t_op = "cuda";
thread_local int t_device = -1;

cudaStream_t g_stream = nullptr;
std::once_flag g_stream_once;
cudaError_t g_stream_err = cudaSuccess;

bool sync_after_launch() {
  static const bool on = [] {
    const char* v = std::getenv("VIGIL_CUDA_SYNC");
    return v && *v && *v != '0';
  }();
  return on;
}

// ------------------------------------------------------------------ caching allocator

size_t size_class(size_t n) {
  if (n == 0) n = 1;
  const size_t step = n < (size_t(1) << 20) ? 512 : (size_t(128) << 10);
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex m;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  int64_t cached = 0, in_use_bytes = 0, in_use_buffers = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: frees may arrive during static teardown
  return *c;
}

// Returns every cached block to the driver (caller holds c.m).
void release_locked(Cache& c) {
  if (c.free_lists.empty()) return;
  if (g_stream) cudaStreamSynchronize(g_stream);
  for (auto& [cls, list] : c.free_lists)
    for (void* p : list) cudaFree(p);
  c.free_lists.clear();
  c.cached = 0;
  cudaGetLastError();
}

}  // namespace

namespace cuda {

cudaStream_t stream() { return g_stream; }
const char* current_op() { return t_op; }

vigil_status check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return VIGIL_OK;
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  return fail(e == cudaErrorMemoryAllocation ? VIGIL_ERR_OOM : VIGIL_ERR_CUDA, t_op,
              std::string(what) + ": " + err_text(e));
}

vigil_status launched(const char* kernel) {
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess && sync_after_launch()) e = cudaStreamSynchronize(g_stream);
  if (e == cudaSuccess) return VIGIL_OK;
  return fail(VIGIL_ERR_CUDA, t_op, std::string("kernel ") + kernel + ": " + err_text(e));
}

}  // namespace cuda

namespace {
// The device is current on this thread and the stream exists; failures name `op`.
vigil_status device_ready(const char* op) {
  const Probe& p = probe();
  if (p.device < 0)
    return fail(VIGIL_ERR_DEVICE, op, "no usable CUDA device: " + p.reason + " (see `vigil info`)");
  if (t_device != p.device) {
    cudaError_t e = cudaSetDevice(p.device);
    if (e != cudaSuccess) return cuda::check(e, "cudaSetDevice");
    t_device = p.device;
  }
  std::call_once(g_stream_once, [] {
    g_stream_err = cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking);
  });
  if (g_stream_err != cudaSuccess) return cuda::check(g_stream_err, "cudaStreamCreate");
  return VIGIL_OK;
}
}  // namespace

vigil_status cuda_ready(const char* op) {
  t_op = op;
  return device_ready(op);
}

vigil_status cuda_alloc(size_t nbytes, void** out) {
  *out = nullptr;
  VIGIL_CHECK(device_ready("alloc"));  // keeps the op name of a kernel's scratch buffers
  const size_t cls = size_class(nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  auto it = c.free_lists.find(cls);
  if (it != c.free_lists.end() && !it->second.empty()) {
    *out = it->second.back();
    it->second.pop_back();
    c.cached -= static_cast<int64_t>(cls);
  } else {
    cudaError_t e = cudaMalloc(out, cls);
    if (e == cudaErrorMemoryAllocation) {  // give the cache back and try once more
      cudaGetLastError();
      release_locked(c);
      e = cudaMalloc(out, cls);
    }
    if (e != cudaSuccess) {
      *out = nullptr;
      cudaGetLastError();
      return fail(e == cudaErrorMemoryAllocation ? VIGIL_ERR_OOM : VIGIL_ERR_CUDA, "alloc",
                  "cudaMalloc of " + std::to_string(cls) + " bytes failed: " + err_text(e) +
                      " (" + std::to_string(c.in_use_bytes) + " bytes in use)");
    }
  }
  c.in_use_bytes += static_cast<int64_t>(nbytes);
  c.in_use_buffers += 1;
  return VIGIL_OK;
}

void cuda_free(void* p, size_t nbytes) {
  if (!p) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  const size_t cls = size_class(nbytes);
  c.free_lists[cls].push_back(p);
  c.cached += static_cast<int64_t>(cls);
  c.in_use_bytes -= static_cast<int64_t>(nbytes);
  c.in_use_buffers -= 1;
}

void cuda_memory(int64_t* bytes, int64_t* buffers) {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  *bytes = c.in_use_bytes;
  *buffers = c.in_use_buffers;
}

int64_t cuda_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  return c.cached;
}

void cuda_release_cached() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.m);
  release_locked(c);
}

vigil_status cuda_memcpy_h2d(void* dst, const void* src, size_t nbytes) {
  VIGIL_CHECK(cuda_ready("copy_from_host"));
  if (!nbytes) return VIGIL_OK;
  // From pageable memory the copy has staged `src` when the call returns, so the caller may
  // reuse it; the device side completes in stream order.
  VIGIL_CUDA_TRY(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, g_stream));
  return VIGIL_OK;
}

vigil_status cuda_memcpy_d2h(void* dst, const void* src, size_t nbytes) {
  VIGIL_CHECK(cuda_ready("copy_to_host"));
  if (!nbytes) return VIGIL_OK;
  VIGIL_CUDA_TRY(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, g_stream));
  // also where a fault of an earlier kernel surfaces
  VIGIL_CUDA_TRY(cudaStreamSynchronize(g_stream));
  return VIGIL_OK;
}

}  // namespace vigil

extern "C" int vigil_cuda_compiled(void) { return 1; }

extern "C" int vigil_cuda_device_count(void) {
  const vigil::Probe& p = vigil::probe();
  return p.device < 0 ? 0 : p.count;
}

namespace {
std::string version_str(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}
}  // namespace

extern "C" int vigil_cuda_describe(char* buf, size_t n) {
  const vigil::Probe& p = vigil::probe();
  int rt = 0, drv = 0;
  cudaRuntimeGetVersion(&rt);
  if (cudaDriverGetVersion(&drv) != cudaSuccess) drv = 0;
  cudaGetLastError();
  std::string s = "CUDA runtime " + version_str(rt) + " (static), driver " +
                  (drv ? version_str(drv) : std::string("not found"));
  if (p.device < 0) {
    s += "; no usable device: " + p.reason;
  } else {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, p.device) == cudaSuccess) {
      char line[320];
      std::snprintf(line, sizeof line, "; device %d of %d: %s, sm_%d%d, %d SMs, %.1f GiB",
                    p.device, p.count, prop.name, prop.major, prop.minor,
                    prop.multiProcessorCount,
                    static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
      s += line;
    }
    cudaGetLastError();
  }
#ifdef __CUDA_ARCH_LIST__
#define VIGIL_STR2(...) #__VA_ARGS__
#define VIGIL_STR(...) VIGIL_STR2(__VA_ARGS__)
  s += "; kernels for compute " VIGIL_STR(__CUDA_ARCH_LIST__);
#endif
  return std::snprintf(buf, n, "%s", s.c_str());
}
