// Reference GEMM: C = alpha * op(A) op(B) + beta * C with one plain dot product per element,
// accumulated in T (the blocked kernels of cpu/gemm.cpp are tested against it).
// op(X) = X^T when its trans flag is set; lda/ldb/ldc are row strides. beta == 0 never reads C.
#pragma once
#include <cstdint>

namespace vigil::ref {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const T a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const T b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      T& c = C[i * ldc + j];
      c = beta == T(0) ? alpha * acc : alpha * acc + beta * c;
    }
}

}  // namespace vigil::ref
