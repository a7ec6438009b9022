// Runs of consecutive Philox4x32-10 blocks on the CPU. Bit for bit the blocks of
// core/philox.h (the same rounds and key schedule), four blocks at a time in the 64-bit lanes of
// an AVX2 register where the build has AVX2: one 32x32->64 product per lane is exactly
// _mm256_mul_epu32. A run of blocks is most of what dropout and the noise fills cost.
#pragma once
#include <cstdint>

#include "core/philox.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace vigil::cpu {

// out[4*k + l] = lane l of block (first + k) of the stream (seed, offset), k < count.
inline void philox_run(uint64_t seed, uint64_t offset, uint64_t first, int64_t count, uint32_t* out) {
  int64_t k = 0;
#if defined(__AVX2__)
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53u), m1 = _mm256_set1_epi64x(0xCD9E8D57u);
  const __m256i low = _mm256_set1_epi64x(0xFFFFFFFFu);
  for (; k + 4 <= count; k += 4) {
    const uint64_t c = offset + first + static_cast<uint64_t>(k);
    // Lane q holds block k+q: its counter words c0 (low 32 bits of offset+j), c1 (high 32), 0, 0.
    __m256i c0 = _mm256_set_epi64x(static_cast<uint32_t>(c + 3), static_cast<uint32_t>(c + 2),
                                   static_cast<uint32_t>(c + 1), static_cast<uint32_t>(c));
    __m256i c1 = _mm256_set_epi64x((c + 3) >> 32, (c + 2) >> 32, (c + 1) >> 32, c >> 32);
    __m256i c2 = _mm256_setzero_si256(), c3 = _mm256_setzero_si256();
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      if (r) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      const __m256i p0 = _mm256_mul_epu32(c0, m0), p1 = _mm256_mul_epu32(c2, m1);
      const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1), _mm256_set1_epi64x(k0));
      const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3), _mm256_set1_epi64x(k1));
      c0 = n0;
      c1 = _mm256_and_si256(p1, low);
      c2 = n2;
      c3 = _mm256_and_si256(p0, low);
    }
    alignas(32) uint64_t w[4][4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(w[0]), c0);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w[1]), c1);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w[2]), c2);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w[3]), c3);
    for (int q = 0; q < 4; ++q)
      for (int l = 0; l < 4; ++l) out[4 * (k + q) + l] = static_cast<uint32_t>(w[l][q]);
  }
#endif
  for (; k < count; ++k) {
    const Philox4 b = philox_block(seed, offset, first + static_cast<uint64_t>(k));
    for (int l = 0; l < 4; ++l) out[4 * k + l] = b.v[l];
  }
}

}  // namespace vigil::cpu
