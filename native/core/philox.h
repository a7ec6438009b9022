// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) and the
// mapping from its 32-bit lanes to the uniforms and normals of ops.h. Header-only, with no
// library calls but sqrt, log and cos, so the CPU and CUDA kernels include the same code: the
// same (seed, offset) gives the same uniforms bit for bit, and normals computed in double and
// rounded once (equal in f32 unless the two libms differ in the last double ulp at a rounding
// boundary).
#pragma once
#include <math.h>  // the global sqrt/log/cos: the same names on the host and in CUDA device code
#include <stdint.h>

#if defined(__CUDACC__)
#define VIGIL_HD __host__ __device__ __forceinline__
#else
#define VIGIL_HD inline
#endif

namespace vigil {

struct Philox4 {
  uint32_t v[4];
};

// One round: two 32x32->64 products; the high halves are mixed with the other lanes and the key.
VIGIL_HD void philox_round(uint32_t c[4], uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c[0];
  const uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c[2];
  const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  const uint32_t n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
  c[0] = n0;
  c[1] = lo1;
  c[2] = n2;
  c[3] = lo0;
}

// Ten rounds with the Weyl key schedule (the key is bumped between rounds, nine times).
VIGIL_HD Philox4 philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                               uint32_t k1) {
  uint32_t c[4] = {c0, c1, c2, c3};
  for (int r = 0; r < 10; ++r) {
    if (r) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    philox_round(c, k0, k1);
  }
  return Philox4{{c[0], c[1], c[2], c[3]}};
}

// Block j of the stream (seed, offset): key = seed, counter = (offset + j) in the low 64 bits.
VIGIL_HD Philox4 philox_block(uint64_t seed, uint64_t offset, uint64_t j) {
  const uint64_t ctr = offset + j;
  return philox4x32_10(static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), 0u, 0u,
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// The top 24 bits of a lane as a double in [0, 1): exact in float too.
VIGIL_HD double philox_unit(uint32_t u) { return static_cast<double>(u >> 8) * (1.0 / 16777216.0); }

// Box-Muller on the first two lanes of a block (ops.h): u1 in (0, 1] so the log is finite.
// Computed in double and rounded once to the output type, so CPU and CUDA agree.
VIGIL_HD double philox_normal(const Philox4& b) {
  const double u1 = (static_cast<double>(b.v[0] >> 8) + 1.0) * (1.0 / 16777216.0);
  const double u2 = philox_unit(b.v[1]);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

}  // namespace vigil
