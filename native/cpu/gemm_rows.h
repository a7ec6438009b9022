// Vector-times-matrix kernels for GEMMs with one or two rows (or one column): packing would
// cost as much as the product there, so these read op(B) where it lies. Internal to gemm.cpp.
#pragma once
#include <cstdint>
#include <type_traits>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace vigil::cpu::gemm_detail {

#if defined(__AVX2__) && defined(__FMA__)
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif

// r[j] = dot(a, B + j*ldb) for j < n: eight rows of B per pass share each load of a.
template <typename T>
void dots(const T* a, const T* B, int64_t ldb, int64_t n, int64_t K, T* r) {
  int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
  if constexpr (std::is_same_v<T, float>) {
    for (; j + 8 <= n; j += 8) {
      const float* b = B + j * ldb;
      __m256 s[8];
      for (int u = 0; u < 8; ++u) s[u] = _mm256_setzero_ps();
      int64_t k = 0;
      for (; k + 8 <= K; k += 8) {
        const __m256 av = _mm256_loadu_ps(a + k);
        for (int u = 0; u < 8; ++u)
          s[u] = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + u * ldb + k), s[u]);
      }
      for (int u = 0; u < 8; ++u) {
        float t = hsum(s[u]);
        for (int64_t kk = k; kk < K; ++kk) t += a[kk] * b[u * ldb + kk];
        r[j + u] = t;
      }
    }
  }
#endif
  for (; j < n; ++j) {
    const T* b = B + j * ldb;
    T s[4] = {};
    int64_t k = 0;
    for (; k + 4 <= K; k += 4)
      for (int u = 0; u < 4; ++u) s[u] += a[k + u] * b[k + u];
    for (; k < K; ++k) s[0] += a[k] * b[k];
    r[j] = (s[0] + s[1]) + (s[2] + s[3]);
  }
}

// r[j] = sum_k a[k] * B[k*ldb + j] for j < n: 64-column strips held in registers over k.
template <typename T>
void axpys(const T* a, const T* B, int64_t ldb, int64_t n, int64_t K, T* r) {
  int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
  if constexpr (std::is_same_v<T, float>) {
    for (; j + 64 <= n; j += 64) {
      __m256 s[8];
      for (int u = 0; u < 8; ++u) s[u] = _mm256_setzero_ps();
      for (int64_t k = 0; k < K; ++k) {
        const __m256 ak = _mm256_broadcast_ss(a + k);
        const float* b = B + k * ldb + j;
        for (int u = 0; u < 8; ++u) s[u] = _mm256_fmadd_ps(ak, _mm256_loadu_ps(b + 8 * u), s[u]);
      }
      for (int u = 0; u < 8; ++u) _mm256_storeu_ps(r + j + 8 * u, s[u]);
    }
  }
#endif
  for (int64_t jj = j; jj < n; ++jj) r[jj] = T(0);
  for (int64_t k = 0; k < K; ++k) {
    const T ak = a[k];
    const T* b = B + k * ldb;
    for (int64_t jj = j; jj < n; ++jj) r[jj] += ak * b[jj];
  }
}

}  // namespace vigil::cpu::gemm_detail
