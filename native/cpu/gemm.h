// General matrix multiply on the CPU, the building block of matmul, linear, lstm and conv.
#pragma once
#include <cstdint>

namespace vigil::cpu {

// C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C, row-major with leading dimensions in
// elements. op(A) = A stored [M,K] (lda >= K), or, with trans_a, A stored [K,M] (lda >= M);
// likewise B [K,N] (ldb >= N) or stored [N,K] with trans_b (ldb >= K). beta == 0 overwrites C
// (NaNs in C do not survive). Runs on the thread pool; called from inside a pool task it runs
// on the calling thread.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// The same contract as plain loops: the reference the fast path is tested against.
template <typename T>
void gemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

}  // namespace vigil::cpu
