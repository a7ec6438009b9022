// CPU storage, memory accounting, host copies, and the small tensor helpers of tensor.h.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/check.h"
#include "core/cuda_api.h"
#include "core/host_cache.h"

namespace {
std::atomic<int64_t> g_cpu_bytes{0}, g_cpu_buffers{0};
}

extern "C" size_t vigil_dtype_size(vigil_dtype dt) { return dt == VIGIL_F64 ? 8 : 4; }

extern "C" int64_t vigil_numel(const vigil_tensor* t) {
  int64_t n = 1;
  for (int i = 0; i < t->ndim; ++i) n *= t->shape[i];
  return n;
}

extern "C" vigil_status vigil_alloc(vigil_device dev, size_t nbytes, void** out) {
  *out = nullptr;
  if (dev == VIGIL_CUDA) return vigil::cuda_alloc(nbytes, out);
  void* p = vigil::host_cache_alloc(nbytes);
  if (!p) return vigil::fail(VIGIL_ERR_OOM, "alloc", "out of memory allocating " +
                                                         std::to_string(nbytes) + " bytes");
  g_cpu_bytes += static_cast<int64_t>(nbytes);
  g_cpu_buffers += 1;
  *out = p;
  return VIGIL_OK;
}

extern "C" void vigil_free(vigil_device dev, void* p, size_t nbytes) {
  if (!p) return;
  if (dev == VIGIL_CUDA) {
    vigil::cuda_free(p, nbytes);
    return;
  }
  vigil::host_cache_free(p, nbytes);
  g_cpu_bytes -= static_cast<int64_t>(nbytes);
  g_cpu_buffers -= 1;
}

extern "C" void vigil_release_cached(void) {
  vigil::host_cache_release();
  vigil::cuda_release_cached();
}

extern "C" int64_t vigil_take_host_system_delta(void) { return vigil::host_cache_take_system_delta(); }

extern "C" vigil_mem_stats vigil_memory(void) {
  vigil_mem_stats s{};
  s.cpu_bytes = g_cpu_bytes.load();
  s.cpu_buffers = g_cpu_buffers.load();
  s.cpu_cached_bytes = vigil::host_cache_bytes();
  vigil::cuda_memory(&s.cuda_bytes, &s.cuda_buffers);
  s.cuda_cached_bytes = vigil::cuda_cached_bytes();
  return s;
}

static vigil_status host_copy_check(const char* op, const vigil_tensor* t, size_t nbytes) {
  size_t want = static_cast<size_t>(vigil_numel(t)) * vigil_dtype_size(t->dtype);
  if (want != nbytes)
    return vigil::fail(VIGIL_ERR_SHAPE, op,
                       "host buffer has " + std::to_string(nbytes) + " bytes, tensor needs " +
                           std::to_string(want),
                       {{"tensor", t}});
  return VIGIL_OK;
}

extern "C" vigil_status vigil_copy_from_host(const vigil_tensor* dst, const void* src,
                                             size_t nbytes) {
  VIGIL_CHECK(host_copy_check("copy_from_host", dst, nbytes));
  if (dst->device == VIGIL_CUDA) return vigil::cuda_memcpy_h2d(dst->data, src, nbytes);
  if (nbytes) std::memcpy(dst->data, src, nbytes);
  return VIGIL_OK;
}

extern "C" vigil_status vigil_copy_to_host(const vigil_tensor* src, void* dst, size_t nbytes) {
  VIGIL_CHECK(host_copy_check("copy_to_host", src, nbytes));
  if (src->device == VIGIL_CUDA) return vigil::cuda_memcpy_d2h(dst, src->data, nbytes);
  if (nbytes) std::memcpy(dst, src->data, nbytes);
  return VIGIL_OK;
}
