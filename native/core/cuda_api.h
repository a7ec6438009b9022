// The CUDA runtime as the rest of the core sees it. Implemented in cuda/runtime.cu when CUDA is
// compiled in, and by cuda_stub.cpp (every call reports "CUDA not compiled") otherwise.
// Without a driver or device the real runtime answers like the stub: a status, never an abort.
#pragma once
#include <cstddef>
#include <cstdint>

#include "vigil/status.h"

namespace vigil {
// Makes the engine's device current on this thread and records `op` for the messages of later
// CUDA errors; fails with VIGIL_ERR_DEVICE naming op when no device is usable.
vigil_status cuda_ready(const char* op);
vigil_status cuda_alloc(size_t nbytes, void** out);
void cuda_free(void* p, size_t nbytes);
void cuda_memory(int64_t* bytes, int64_t* buffers);
int64_t cuda_cached_bytes();  // held by the caching allocator for reuse
void cuda_release_cached();   // returns them to the driver
vigil_status cuda_memcpy_h2d(void* dst, const void* src, size_t nbytes);
vigil_status cuda_memcpy_d2h(void* dst, const void* src, size_t nbytes);
}  // namespace vigil
