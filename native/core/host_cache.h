// The CPU caching allocator: freed buffers are kept by size class and handed out again, so a
// training loop that allocates the same shapes every step stops paying for fresh pages (glibc
// returns large aligned blocks to the OS on free; the next step page-faults them back in).
#pragma once
#include <cstddef>
#include <cstdint>

namespace vigil {
void* host_cache_alloc(size_t nbytes);  // 64-byte aligned, nullptr when out of memory
void host_cache_free(void* p, size_t nbytes);
void host_cache_release();  // returns every cached block to the system
int64_t host_cache_bytes();  // bytes held in the cache (not in use)
// Net bytes this thread took from (+) or gave back to (-) the system since its last call.
int64_t host_cache_take_system_delta();
}  // namespace vigil
