// Pulls a range into cache ahead of a GEMM that packs it: the packing routines read one short
// row segment per cache line at a large stride, which the hardware prefetchers follow poorly,
// while a sequential sweep streams at full bandwidth (measured: 64x512x128 products on operands
// fresh from L3 run ~25% faster after a sweep).
#pragma once
#include <cstddef>

namespace vigil::cpu {

inline void prefetch_range(const void* p, size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  const char* c = static_cast<const char*>(p);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 0, 3);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace vigil::cpu
