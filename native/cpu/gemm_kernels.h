// Micro-kernels and packing routines of the blocked GEMM (gemm.cpp): internal to the CPU code.
//
// Every path of the GEMM (these micro-kernels, the row kernels of gemm_rows.h) computes an
// element of C the same way, so that its value does not depend on M, N's split, the thread count
// or the path taken: per KC slice of k, acc = one multiply-add chain from 0 in k order
// (madd(a_ik, b_kj, acc), fused where the CPU has FMA), then C = alpha * acc for the first slice
// with beta == 0, else C = madd(beta', C, alpha * acc) (beta' = beta for the first slice, 1 after).
//
// Packed layouts (BLIS): op(A)'s rows [i0, i0+mc) x cols [k0, k0+kc) become panels of MR rows,
// each stored k-major (panel[k*MR + i]); op(B)'s rows [k0, k0+kc) x cols [j0, j0+nc) become
// panels of NR columns, each stored k-major (panel[k*NR + j]). Edge panels are zero-padded, so
// a micro-kernel always runs a full MR x NR tile and only its store is clipped.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define VIGIL_GEMM_AVX2 1
#endif

namespace vigil::cpu::gemm_detail {

// a * b + c, rounded once where the CPU fuses it (as _mm256_fmadd_ps does), else twice: spelled
// out so that the compiler's contraction choices cannot make two paths differ.
template <typename T>
inline T madd(T a, T b, T c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;  // no FMA instruction: never contracted
#endif
}

// C[i,j] = alpha * acc[i,j] + beta * C[i,j] on the m x n corner (C's columns ldc_col apart);
// beta == 0 overwrites (a NaN already in C does not survive, as in BLAS).
template <typename T>
inline void store_tile(const T* acc, int ld_acc, int m, int n, T alpha, T beta, T* c,
                       int64_t ldc, int64_t ldc_col = 1) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      const T v = alpha * acc[i * ld_acc + j];
      T& d = c[i * ldc + j * ldc_col];
      d = beta == T(0) ? v : madd(beta, d, v);
    }
}

// Portable micro-kernel: an MR x NR tile of C from kc steps of packed panels. Written so the
// compiler keeps acc in vector registers (the inner j loop vectorises).
template <typename T, int MR, int NR>
struct GenericKernel {
  static constexpr int mr = MR, nr = NR;
  static void run(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, int m, int n, T alpha,
                  T beta) {
    T acc[MR][NR] = {};
    for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
        for (int j = 0; j < NR; ++j) acc[i][j] = madd(a[i], b[j], acc[i][j]);
    }
    store_tile(&acc[0][0], NR, m, n, alpha, beta, c, ldc);
  }
};

#ifdef VIGIL_GEMM_AVX2
// 6x16 float kernel: 12 ymm accumulators (two FMA pipes x 4-cycle latency need >= 8 chains),
// per k step two aligned loads of B and six broadcasts of A for 12 FMAs.
struct Avx2Kernel6x16 {
  static constexpr int mr = 6, nr = 16;
  static void run(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                  float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int i = 0; i < m; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
      __m256 ai = _mm256_broadcast_ss(a + 0);
      c00 = _mm256_fmadd_ps(ai, b0, c00);
      c01 = _mm256_fmadd_ps(ai, b1, c01);
      ai = _mm256_broadcast_ss(a + 1);
      c10 = _mm256_fmadd_ps(ai, b0, c10);
      c11 = _mm256_fmadd_ps(ai, b1, c11);
      ai = _mm256_broadcast_ss(a + 2);
      c20 = _mm256_fmadd_ps(ai, b0, c20);
      c21 = _mm256_fmadd_ps(ai, b1, c21);
      ai = _mm256_broadcast_ss(a + 3);
      c30 = _mm256_fmadd_ps(ai, b0, c30);
      c31 = _mm256_fmadd_ps(ai, b1, c31);
      ai = _mm256_broadcast_ss(a + 4);
      c40 = _mm256_fmadd_ps(ai, b0, c40);
      c41 = _mm256_fmadd_ps(ai, b1, c41);
      ai = _mm256_broadcast_ss(a + 5);
      c50 = _mm256_fmadd_ps(ai, b0, c50);
      c51 = _mm256_fmadd_ps(ai, b1, c51);
      a += 6;
      b += 16;
    }
    if (m == 6 && n == 16) {
      const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
      const bool keep = beta != 0.0f;
      auto row = [&](float* cr, __m256 x0, __m256 x1) {
        x0 = _mm256_mul_ps(va, x0);
        x1 = _mm256_mul_ps(va, x1);
        if (keep) {
          x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), x0);
          x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), x1);
        }
        _mm256_storeu_ps(cr, x0);
        _mm256_storeu_ps(cr + 8, x1);
      };
      row(c, c00, c01);
      row(c + ldc, c10, c11);
      row(c + 2 * ldc, c20, c21);
      row(c + 3 * ldc, c30, c31);
      row(c + 4 * ldc, c40, c41);
      row(c + 5 * ldc, c50, c51);
      return;
    }
    alignas(32) float acc[6 * 16];
    const __m256 rows[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int r = 0; r < 12; ++r) _mm256_store_ps(acc + 8 * r, rows[r]);
    store_tile(acc, 16, m, n, alpha, beta, c, ldc);
  }
};

// r[0..7] (rows) -> r[0..7] (columns): the 8x8 transpose used to pack B^T.
inline void transpose8x8(__m256 r[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3, then rows 4-7
    __m256* u = t + 4 * h;
    s[4 * h + 0] = _mm256_shuffle_ps(u[0], u[2], 0x44);
    s[4 * h + 1] = _mm256_shuffle_ps(u[0], u[2], 0xEE);
    s[4 * h + 2] = _mm256_shuffle_ps(u[1], u[3], 0x44);
    s[4 * h + 3] = _mm256_shuffle_ps(u[1], u[3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
  }
}
#endif

// Packs op(A)[i0:i0+mc, k0:k0+kc] into MR-row panels (see top of file). May write up to 2
// elements past the last panel (the buffer carries that slack).
template <typename T, int MR>
void pack_a(bool ta, const T* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc,
            T* dst) {
  for (int64_t ip = 0; ip < mc; ip += MR, dst += MR * kc) {
    const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ip));
    int64_t k = 0;
    if (!ta) {  // op(A)[i,k] = A[i*lda + k]: MR row streams
      const T* src = A + (i0 + ip) * lda + k0;
#ifdef VIGIL_GEMM_AVX2
      if constexpr (std::is_same_v<T, float> && MR == 6) {
        // 8 k at a time: rows 0..5 (+2 zero rows) through an 8x8 transpose; each 8-wide
        // store's 2 surplus lanes are overwritten by the next store.
        if (mr == MR) {
          for (; k + 8 <= kc; k += 8) {
            __m256 r[8];
            for (int i = 0; i < 6; ++i) r[i] = _mm256_loadu_ps(src + i * lda + k);
            r[6] = r[7] = _mm256_setzero_ps();
            transpose8x8(r);
            for (int kk = 0; kk < 8; ++kk) _mm256_storeu_ps(dst + (k + kk) * 6, r[kk]);
          }
        }
      }
#endif
      for (; k < kc; ++k)
        for (int i = 0; i < MR; ++i) dst[k * MR + i] = i < mr ? src[i * lda + k] : T(0);
    } else {  // op(A)[i,k] = A[k*lda + i]: MR contiguous values per k
      const T* src = A + k0 * lda + i0 + ip;
      if (mr == MR)
        for (; k < kc; ++k) std::memcpy(dst + k * MR, src + k * lda, sizeof(T) * MR);
      for (; k < kc; ++k)
        for (int i = 0; i < MR; ++i) dst[k * MR + i] = i < mr ? src[k * lda + i] : T(0);
    }
  }
}

// Transposing pack of one NR-column panel from B stored [N,K] (op(B)[k,j] = src[j*ldb + k]),
// nr <= NR valid columns.
template <typename T, int NR>
void pack_bt_panel(const T* src, int64_t ldb, int nr, int64_t kc, T* dst) {
  int64_t k = 0;
#ifdef VIGIL_GEMM_AVX2
  if constexpr (std::is_same_v<T, float> && NR % 8 == 0) {
    if (nr == NR) {
      for (; k + 8 <= kc; k += 8)
        for (int h = 0; h < NR; h += 8) {
          __m256 r[8];
          for (int j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(src + (h + j) * ldb + k);
          transpose8x8(r);
          for (int kk = 0; kk < 8; ++kk) _mm256_store_ps(dst + (k + kk) * NR + h, r[kk]);
        }
    }
  }
#endif
  for (int j = 0; j < NR; ++j) {
    T* d = dst + j;
    if (j < nr) {
      const T* s = src + j * ldb;
      for (int64_t kk = k; kk < kc; ++kk) d[kk * NR] = s[kk];
    } else {
      for (int64_t kk = k; kk < kc; ++kk) d[kk * NR] = T(0);
    }
  }
}

// Packs op(B)[k0:k0+kc, j0:j0+nc] into NR-column panels (see top of file).
template <typename T, int NR>
void pack_b(bool tb, const T* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc,
            T* dst) {
  for (int64_t jp = 0; jp < nc; jp += NR, dst += NR * kc) {
    const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jp));
    if (tb) {
      pack_bt_panel<T, NR>(B + (j0 + jp) * ldb + k0, ldb, nr, kc, dst);
    } else {  // op(B)[k,j] = B[k*ldb + j]: one contiguous run of nr values per k
      const T* src = B + k0 * ldb + j0 + jp;
      for (int64_t k = 0; k < kc; ++k) {
        T* d = dst + k * NR;
        const T* s = src + k * ldb;
        if (nr == NR) {
          std::memcpy(d, s, sizeof(T) * NR);  // a fixed-size copy compiles to vector moves
        } else {
          for (int j = 0; j < NR; ++j) d[j] = j < nr ? s[j] : T(0);
        }
      }
    }
  }
}

}  // namespace vigil::cpu::gemm_detail
