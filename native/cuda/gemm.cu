// GEMM on the device: a tiled shared-memory kernel, written for clarity and edge safety first.
//
//   C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C     (beta == 0: C is not read)
//
// Each block of 256 threads computes a 64x64 tile of C. Per step of 16 along K it stages the
// 64x16 slice of op(A) and the 16x64 slice of op(B) in shared memory (k-major, so the inner
// product reads rows of both), then each thread accumulates a 4x4 register block: rows
// ty + 16 i and columns tx + 16 j, so a warp's loads of B and stores of C are 16 consecutive
// elements. Loads follow each operand's storage order (coalesced for either transpose) and
// read zero outside the matrix, so no size needs to divide the tile. f32 accumulates in f32 with
// FMA (the CPU GEMM does the same); expect |rel| differences of order K * 2^-24.
//
// TF32 (f32 only, off unless vigil_cuda_set_tf32(1) or VIGIL_CUDA_TF32=1): the same tiling on
// the tensor cores through WMMA (m16n16k8), four warps each owning a 32x32 quarter of the tile.
// Inputs are rounded to TF32 (10-bit mantissa, relative error 2^-11), products accumulate in
// f32: expect |error| up to ~2^-10 * sum_k |a_ik b_kj| (the parity test allows
// 2e-3 relative + 2e-3 sqrt(K) absolute on inputs in [-1, 1]).
#include <mma.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <type_traits>

#include "cuda/common.cuh"
#include "cuda/gemm.h"

namespace vigil::cuda {
namespace {

constexpr int BM = 64, BN = 64, BK = 16, TM = 4, TN = 4, TX = BN / TN;  // 16 x 16 threads
static_assert(TX * (BM / TM) == kThreads, "one thread per 4x4 block of the tile");

template <typename T>
struct GemmArgs {
  int64_t M, N, K;
  T alpha, beta;
  const T* A;
  int64_t lda, sa;
  const T* B;
  int64_t ldb, sb;
  T* C;
  int64_t ldc, sc;
};

template <typename T, bool TA, bool TB>
__global__ void __launch_bounds__(kThreads) gemm_tiled(GemmArgs<T> g, int64_t y0, int64_t z0) {
  __shared__ T As[BK][BM + 1];
  __shared__ T Bs[BK][BN + 1];
  const int t = threadIdx.x, tx = t % TX, ty = t / TX;
  const int64_t m0 = int64_t(blockIdx.x) * BM, n0 = (y0 + blockIdx.y) * BN;
  const int64_t z = z0 + blockIdx.z;
  const T* A = g.A + z * g.sa;
  const T* B = g.B + z * g.sb;
  T* C = g.C + z * g.sc;

  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  for (int64_t k0 = 0; k0 < g.K; k0 += BK) {
#pragma unroll
    for (int l = 0; l < BM * BK / kThreads; ++l) {
      const int idx = t + l * kThreads;
      const int mm = TA ? idx % BM : idx / BK, kk = TA ? idx / BM : idx % BK;
      const int64_t gm = m0 + mm, gk = k0 + kk;
      As[kk][mm] = gm < g.M && gk < g.K ? (TA ? A[gk * g.lda + gm] : A[gm * g.lda + gk]) : T(0);
    }
#pragma unroll
    for (int l = 0; l < BK * BN / kThreads; ++l) {
      const int idx = t + l * kThreads;
      const int nn = TB ? idx / BK : idx % BN, kk = TB ? idx % BK : idx / BN;
      const int64_t gn = n0 + nn, gk = k0 + kk;
      Bs[kk][nn] = gn < g.N && gk < g.K ? (TB ? B[gn * g.ldb + gk] : B[gk * g.ldb + gn]) : T(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T a[TM], b[TN];
#pragma unroll
      for (int i = 0; i < TM; ++i) a[i] = As[kk][ty + (BM / TM) * i];
#pragma unroll
      for (int j = 0; j < TN; ++j) b[j] = Bs[kk][tx + TX * j];
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < TM; ++i) {
    const int64_t gm = m0 + ty + (BM / TM) * i;
    if (gm >= g.M) continue;
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      const int64_t gn = n0 + tx + TX * j;
      if (gn >= g.N) continue;
      T* c = C + gm * g.ldc + gn;
      *c = g.beta == T(0) ? g.alpha * acc[i][j] : g.alpha * acc[i][j] + g.beta * *c;
    }
  }
}

// ------------------------------------------------------------------ TF32 tensor cores
namespace wmma = nvcuda::wmma;
constexpr int kTf32Threads = 128, TBK = 16;
constexpr int LDA = TBK + 8, LDB = BN + 8, LDC = BN + 8;  // padded rows, multiples of 32 bytes

std::atomic<int>& tf32_flag() {
  static std::atomic<int> on{[] {
    const char* v = std::getenv("VIGIL_CUDA_TF32");
    return v && *v && *v != '0' ? 1 : 0;
  }()};
  return on;
}

template <bool TA, bool TB>
__global__ void __launch_bounds__(kTf32Threads)
    gemm_tf32(GemmArgs<float> g, int64_t y0, int64_t z0) {
  __shared__ __align__(32) float As[BM][LDA];  // op(A) tile, row-major (m, k)
  __shared__ __align__(32) float Bs[TBK][LDB];  // op(B) tile, row-major (k, n)
  __shared__ __align__(32) float Cs[BM][LDC];   // the accumulators, for the guarded epilogue
  const int t = threadIdx.x, warp = t / 32, wm = warp / 2, wn = warp % 2;
  const int64_t m0 = int64_t(blockIdx.x) * BM, n0 = (y0 + blockIdx.y) * BN;
  const int64_t z = z0 + blockIdx.z;
  const float* A = g.A + z * g.sa;
  const float* B = g.B + z * g.sb;
  float* C = g.C + z * g.sc;

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  for (int64_t k0 = 0; k0 < g.K; k0 += TBK) {
#pragma unroll
    for (int l = 0; l < BM * TBK / kTf32Threads; ++l) {
      const int idx = t + l * kTf32Threads;
      const int mm = TA ? idx % BM : idx / TBK, kk = TA ? idx / BM : idx % TBK;
      const int64_t gm = m0 + mm, gk = k0 + kk;
      As[mm][kk] = gm < g.M && gk < g.K ? (TA ? A[gk * g.lda + gm] : A[gm * g.lda + gk]) : 0.0f;
    }
#pragma unroll
    for (int l = 0; l < TBK * BN / kTf32Threads; ++l) {
      const int idx = t + l * kTf32Threads;
      const int nn = TB ? idx / TBK : idx % BN, kk = TB ? idx % TBK : idx / BN;
      const int64_t gn = n0 + nn, gk = k0 + kk;
      Bs[kk][nn] = gn < g.N && gk < g.K ? (TB ? B[gn * g.ldb + gk] : B[gk * g.ldb + gn]) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int ks = 0; ks < TBK; ks += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        wmma::load_matrix_sync(a[i], &As[wm * 32 + 16 * i][ks], LDA);
#pragma unroll
        for (int e = 0; e < a[i].num_elements; ++e) a[i].x[e] = wmma::__float_to_tf32(a[i].x[e]);
      }
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        wmma::load_matrix_sync(b[j], &Bs[ks][wn * 32 + 16 * j], LDB);
#pragma unroll
        for (int e = 0; e < b[j].num_elements; ++e) b[j].x[e] = wmma::__float_to_tf32(b[j].x[e]);
      }
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(&Cs[wm * 32 + 16 * i][wn * 32 + 16 * j], acc[i][j], LDC,
                              wmma::mem_row_major);
  __syncthreads();
  for (int idx = t; idx < BM * BN; idx += kTf32Threads) {
    const int r = idx / BN, c = idx % BN;
    const int64_t gm = m0 + r, gn = n0 + c;
    if (gm >= g.M || gn >= g.N) continue;
    float* out = C + gm * g.ldc + gn;
    *out = g.beta == 0.0f ? g.alpha * Cs[r][c] : g.alpha * Cs[r][c] + g.beta * *out;
  }
}

// Tiles of M go along grid x (2^31 - 1 blocks); tiles of N and the batch along y and z, whose
// limit of 65535 blocks is met by launching in chunks (y0, z0: the chunk's first tile / batch).
template <typename T, bool TA, bool TB>
vigil_status launch(const GemmArgs<T>& g, int64_t batch) {
  constexpr int64_t kMaxYZ = 65535;
  const int64_t mt = (g.M + BM - 1) / BM, nt = (g.N + BN - 1) / BN;
  bool tf32 = false;
  if constexpr (std::is_same_v<T, float>) tf32 = tf32_flag().load() != 0;
  for (int64_t z0 = 0; z0 < batch; z0 += kMaxYZ)
    for (int64_t y0 = 0; y0 < nt; y0 += kMaxYZ) {
      const dim3 grid(static_cast<unsigned>(mt), static_cast<unsigned>(std::min(kMaxYZ, nt - y0)),
                      static_cast<unsigned>(std::min(kMaxYZ, batch - z0)));
      if constexpr (std::is_same_v<T, float>) {
        if (tf32) {
          gemm_tf32<TA, TB><<<grid, kTf32Threads, 0, stream()>>>(g, y0, z0);
          VIGIL_CHECK(launched("gemm_tf32"));
          continue;
        }
      }
      gemm_tiled<T, TA, TB><<<grid, kThreads, 0, stream()>>>(g, y0, z0);
      VIGIL_CHECK(launched("gemm"));
    }
  return VIGIL_OK;
}

}  // namespace

template <typename T>
vigil_status gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                          const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb,
                          int64_t stride_b, T beta, T* C, int64_t ldc, int64_t stride_c,
                          int64_t batch) {
  if (M <= 0 || N <= 0 || batch <= 0) return VIGIL_OK;
  const GemmArgs<T> g{M, N, K, alpha, beta, A, lda, stride_a, B, ldb, stride_b, C, ldc, stride_c};
  if (trans_a) return trans_b ? launch<T, true, true>(g, batch) : launch<T, true, false>(g, batch);
  return trans_b ? launch<T, false, true>(g, batch) : launch<T, false, false>(g, batch);
}

template <typename T>
vigil_status gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                  const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  return gemm_batched<T>(trans_a, trans_b, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0,
                         1);
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t,   \
                                const T*, int64_t, T, T*, int64_t);                             \
  template vigil_status gemm_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*,    \
                                        int64_t, int64_t, const T*, int64_t, int64_t, T, T*,    \
                                        int64_t, int64_t, int64_t);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda

extern "C" int vigil_cuda_set_tf32(int enable) {
  return vigil::cuda::tf32_flag().exchange(enable ? 1 : 0);
}
