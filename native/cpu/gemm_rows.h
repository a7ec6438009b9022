// Row kernels for GEMMs with a few rows (or, transposed, one column): packing A would cost as
// much as the product there. They read op(B) either where it lies (stored [K,N]) or as the
// NR-column panels of gemm_kernels.h, and compute each element of C as the same madd chain as
// the micro-kernels (see the top of gemm_kernels.h), so a row's value does not depend on how
// many rows share the call. Internal to gemm.cpp.
#pragma once
#include <cstdint>
#include <type_traits>

#include "cpu/gemm_kernels.h"

namespace vigil::cpu::gemm_detail {

// acc[m * ld_acc + p * NR + j] = sum over k < kc, in k order, of x[m * ldx + k] * B_p[k, j]
// for m < M, p < P, j < NR, where panel p's row k is the NR values at b + p * pstride +
// k * kstride (a packed panel: pstride = kc * NR, kstride = NR; B stored [K,N] read in place:
// pstride = NR, kstride = ldb). Not inlined: in its own frame the loop keeps every pointer in
// a register (inlined into rows_slice, the loop's
// pointers were spilled).
template <typename T, int NR, int M, int P>
__attribute__((noinline)) void rows_kernel(int64_t kc, const T* x, int64_t ldx, const T* b,
                                           int64_t pstride, int64_t kstride, T* acc, int ld_acc) {
#ifdef VIGIL_GEMM_AVX2
  if constexpr (std::is_same_v<T, float> && NR == 16) {
    // M x 2P accumulators; per k step 2P loads of B shared by M broadcasts of x.
    __m256 s[M][2 * P];
#pragma GCC unroll 8
    for (int m = 0; m < M; ++m)
#pragma GCC unroll 8
      for (int q = 0; q < 2 * P; ++q) s[m][q] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
      __m256 a[M];
#pragma GCC unroll 8
      for (int m = 0; m < M; ++m) a[m] = _mm256_broadcast_ss(x + m * ldx + k);
#pragma GCC unroll 16
      for (int q = 0; q < 2 * P; ++q) {
        const __m256 bq = _mm256_loadu_ps(b + (q / 2) * pstride + k * kstride + 8 * (q % 2));
#pragma GCC unroll 8
        for (int m = 0; m < M; ++m) s[m][q] = _mm256_fmadd_ps(a[m], bq, s[m][q]);
      }
    }
#pragma GCC unroll 8
    for (int m = 0; m < M; ++m)
#pragma GCC unroll 8
      for (int q = 0; q < 2 * P; ++q) _mm256_storeu_ps(acc + m * ld_acc + 8 * q, s[m][q]);
    return;
  }
#endif
  T s[M][P * NR] = {};
  for (int64_t k = 0; k < kc; ++k)
#pragma GCC unroll 8
    for (int m = 0; m < M; ++m) {
      const T a = x[m * ldx + k];
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p) {
        const T* bk = b + p * pstride + k * kstride;
#pragma GCC unroll 16
        for (int j = 0; j < NR; ++j) s[m][p * NR + j] = madd(a, bk[j], s[m][p * NR + j]);
      }
    }
  for (int m = 0; m < M; ++m)
    for (int j = 0; j < P * NR; ++j) acc[m * ld_acc + j] = s[m][j];
}

// The same chains for n columns of op(B) read from B stored [N,K] (column j's run of k at
// b + j * ldb), one column at a time: the tail of rows_kernel_nk.
template <typename T, int M>
inline void rows_kernel_nk_scalar(int64_t kc, const T* x, int64_t ldx, const T* b, int64_t ldb,
                                  int n, T* acc, int ld_acc) {
  for (int j = 0; j < n; ++j)
    for (int m = 0; m < M; ++m) {
      T s = T(0);
      for (int64_t k = 0; k < kc; ++k) s = madd(x[m * ldx + k], b[j * ldb + k], s);
      acc[m * ld_acc + j] = s;
    }
}

#ifdef VIGIL_GEMM_AVX2
// Four k of 8 columns of op(B) from B stored [N,K] (the columns' k runs ldb apart, from b):
// v[kk] = the 8 columns at k + kk. Rows i and i+4 share a register's two halves from the load
// on, so the transpose needs only in-lane shuffles.
inline void load_transposed8x4(const float* b, int64_t ldb, __m256 v[4]) {
  __m256 r[4];
  for (int i = 0; i < 4; ++i)
    r[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(b + i * ldb)),
                                _mm_loadu_ps(b + (i + 4) * ldb), 1);
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  v[0] = _mm256_shuffle_ps(t0, t2, 0x44);
  v[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
  v[2] = _mm256_shuffle_ps(t1, t3, 0x44);
  v[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

// rows_kernel's chains for 8G columns of op(B) read from B stored [N,K] (column j's run of k at
// b + j * ldb), transposed in registers so that the lanes hold columns as in a packed panel: no
// packing pass. The G blocks' chains advance together (latency hiding). The main loop reads 16
// k (one cache line) of each of the 8G rows at once into a small transposed buffer: reading
// fewer would bring each line in several times, as a power-of-two ldb maps all the rows to two
// L1 sets.
template <int M, int G>
inline void rows_kernel_nk(int64_t kc, const float* x, int64_t ldx, const float* b, int64_t ldb,
                           float* acc, int ld_acc) {
  __m256 s[M][G];
#pragma GCC unroll 8
  for (int m = 0; m < M; ++m)
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) s[m][g] = _mm256_setzero_ps();
  int64_t k = 0;
  alignas(32) float buf[16][G][8];
  for (; k + 16 <= kc; k += 16) {
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q) {
        __m256 v[4];
        load_transposed8x4(b + 8 * g * ldb + k + 4 * q, ldb, v);
#pragma GCC unroll 4
        for (int kk = 0; kk < 4; ++kk) _mm256_store_ps(buf[4 * q + kk][g], v[kk]);
      }
    }
#pragma GCC unroll 16
    for (int kk = 0; kk < 16; ++kk)
#pragma GCC unroll 8
      for (int m = 0; m < M; ++m) {
        const __m256 a = _mm256_broadcast_ss(x + m * ldx + k + kk);
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g)
          s[m][g] = _mm256_fmadd_ps(a, _mm256_load_ps(buf[kk][g]), s[m][g]);
      }
  }
  for (; k + 4 <= kc; k += 4) {
    __m256 v[G][4];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) load_transposed8x4(b + 8 * g * ldb + k, ldb, v[g]);
#pragma GCC unroll 4
    for (int kk = 0; kk < 4; ++kk)
#pragma GCC unroll 8
      for (int m = 0; m < M; ++m) {
        const __m256 a = _mm256_broadcast_ss(x + m * ldx + k + kk);
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) s[m][g] = _mm256_fmadd_ps(a, v[g][kk], s[m][g]);
      }
  }
  for (; k < kc; ++k)
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      const float* c = b + 8 * g * ldb + k;
      const __m256 v = _mm256_setr_ps(c[0], c[ldb], c[2 * ldb], c[3 * ldb], c[4 * ldb],
                                      c[5 * ldb], c[6 * ldb], c[7 * ldb]);
#pragma GCC unroll 8
      for (int m = 0; m < M; ++m)
        s[m][g] = _mm256_fmadd_ps(_mm256_broadcast_ss(x + m * ldx + k), v, s[m][g]);
    }
#pragma GCC unroll 8
  for (int m = 0; m < M; ++m)
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) _mm256_storeu_ps(acc + m * ld_acc + 8 * g, s[m][g]);
}
#endif

// Panels per call of rows_kernel for M rows: enough independent accumulator chains to hide the
// FMA latency (>= 8 vectors), few enough to stay in registers.
template <typename T, int NR, int M>
constexpr int rows_panels() {
#ifdef VIGIL_GEMM_AVX2
  if constexpr (std::is_same_v<T, float> && NR == 16) {
#ifdef __AVX512VL__  // 32 vector registers
    return M <= 2 ? 4 : 2;
#else
    return M == 1 ? 4 : M == 2 ? 2 : 1;
#endif
  }
#endif
  return M == 1 ? 2 : 1;
}

// store_tile for rows whose columns are contiguous (ldc_col == 1), 8 floats at a time where it
// can: the same arithmetic (alpha * acc, then one fused madd with beta * C).
template <typename T>
inline void store_rows(const T* acc, int ld_acc, int m, int n, T alpha, T beta, T* c,
                       int64_t ldc, int64_t ldc_col) {
#ifdef VIGIL_GEMM_AVX2
  if constexpr (std::is_same_v<T, float>) {
    if (ldc_col == 1) {
      const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
      const int n8 = n / 8 * 8;
      for (int i = 0; i < m; ++i) {
        float* cr = c + i * ldc;
        for (int j = 0; j < n8; j += 8) {
          __m256 v = _mm256_mul_ps(va, _mm256_loadu_ps(acc + i * ld_acc + j));
          if (beta != 0.0f) v = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + j), v);
          _mm256_storeu_ps(cr + j, v);
        }
      }
      if (n8 < n) store_tile(acc + n8, ld_acc, m, n - n8, alpha, beta, c + n8, ldc, 1);
      return;
    }
  }
#endif
  store_tile(acc, ld_acc, m, n, alpha, beta, c, ldc, ldc_col);
}

}  // namespace vigil::cpu::gemm_detail
