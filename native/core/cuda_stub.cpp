// Stands in for cuda/runtime.cu in builds without CUDA.
#include <cstdio>

#include "core/check.h"
#include "core/cuda_api.h"

namespace vigil {
static vigil_status no_cuda(const char* op) {
  return fail(VIGIL_ERR_DEVICE, op, "this build of Vigil has no CUDA support (rebuild with VIGIL_CUDA=ON where nvcc exists)");
}
vigil_status cuda_ready(const char* op) { return no_cuda(op); }
vigil_status cuda_alloc(size_t, void** out) {
  *out = nullptr;
  return no_cuda("alloc");
}
void cuda_free(void*, size_t) {}
void cuda_memory(int64_t* bytes, int64_t* buffers) { *bytes = *buffers = 0; }
int64_t cuda_cached_bytes() { return 0; }
void cuda_release_cached() {}
vigil_status cuda_memcpy_h2d(void*, const void*, size_t) { return no_cuda("copy_from_host"); }
vigil_status cuda_memcpy_d2h(void*, const void*, size_t) { return no_cuda("copy_to_host"); }
}  // namespace vigil

extern "C" int vigil_cuda_compiled(void) { return 0; }
extern "C" int vigil_cuda_device_count(void) { return 0; }
extern "C" int vigil_cuda_set_tf32(int) { return 0; }
extern "C" int vigil_cuda_describe(char* buf, size_t n) {
  const char* msg = "CUDA not compiled into this build";
  return std::snprintf(buf, n, "%s", msg);
}
