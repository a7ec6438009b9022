// The CUDA runtime as the rest of the core sees it. Implemented in cuda/runtime.cu when CUDA is
// compiled in, and by cuda_stub.cpp (every call reports "CUDA not compiled") otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

#include "vigil/status.h"

namespace vigil {
vigil_status cuda_alloc(size_t nbytes, void** out);
void cuda_free(void* p, size_t nbytes);
void cuda_memory(int64_t* bytes, int64_t* buffers);
vigil_status cuda_memcpy_h2d(void* dst, const void* src, size_t nbytes);
vigil_status cuda_memcpy_d2h(void* dst, const void* src, size_t nbytes);
}  // namespace vigil
