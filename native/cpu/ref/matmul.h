// Reference matmul and linear forwards of ops.h: one dot product per output element, summed in
// double whatever T is, so a fast kernel in T is compared with the exact-as-possible answer.
#pragma once
#include <cstdint>

namespace vigil::ref {

// y[b, M, N] = op(a[b])[M, K] @ op(b_b)[K, N] for b < batch; b is shared by every batch
// when shared_b. a is [M, K] ([K, M] when trans_a), b is [K, N] ([N, K] when trans_b).
template <typename T>
void matmul_forward(const T* a, const T* b, int64_t batch, int64_t M, int64_t N, int64_t K,
                    bool trans_a, bool trans_b, bool shared_b, double* y) {
  for (int64_t p = 0; p < batch; ++p) {
    const T* ap = a + p * M * K;
    const T* bp = shared_b ? b : b + p * K * N;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k)
          s += double(trans_a ? ap[k * M + i] : ap[i * K + k]) *
               double(trans_b ? bp[j * K + k] : bp[k * N + j]);
        y[(p * M + i) * N + j] = s;
      }
  }
}

// y[r, out] = x[r, in] @ w[out, in]^T + bias[out] for `rows` rows; bias may be null.
template <typename T>
void linear_forward(const T* x, const T* w, const T* bias, int64_t rows, int64_t in,
                    int64_t out, double* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = bias ? double(bias[o]) : 0;
      for (int64_t k = 0; k < in; ++k) s += double(x[r * in + k]) * double(w[o * in + k]);
      y[r * out + o] = s;
    }
}

}  // namespace vigil::ref
