// matmul and linear kernels over contiguous buffers (entry points: api/matmul.cpp). Every
// product goes through cpu::gemm; backward functions accumulate (+=) and skip null gradients.
#pragma once
#include <cstdint>

namespace vigil::cpu {

// batch products of op(a_i)[M,K] @ op(b_i)[K,N] = y_i[M,N]; a_i is [M,K] (or [K,M] with ta),
// b_i is [K,N] (or [N,K] with tb) and is one matrix for every i when shared_b.
struct MatmulDims {
  int64_t batch, M, N, K;
  bool ta, tb, shared_b;
};

// With a shared b and an untransposed a, the batch is one product of batch*M rows: a, y, dy
// and da are then contiguous [batch*M, *] matrices. (Used by the CPU and CUDA kernels alike.)
inline MatmulDims folded(MatmulDims d) {
  if (d.shared_b && !d.ta && d.batch > 1) {
    d.M *= d.batch;
    d.batch = 1;
  }
  return d;
}

struct MatmulStrides {  // elements between consecutive batches, and leading dims of op(a), op(b)
  int64_t a, b, y, lda, ldb;
  explicit MatmulStrides(const MatmulDims& d)
      : a(d.M * d.K), b(d.shared_b ? 0 : d.K * d.N), y(d.M * d.N), lda(d.ta ? d.M : d.K),
        ldb(d.tb ? d.K : d.N) {}
};

template <typename T>
void matmul_forward(const MatmulDims& d, const T* a, const T* b, T* y);
template <typename T>
void matmul_backward(const MatmulDims& d, const T* a, const T* b, const T* dy, T* da, T* db);

// y[r, :] = x[r, :] @ w^T + bias for r < rows; x [rows, in], w [out, in], bias [out] or null.
template <typename T>
void linear_forward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w, const T* bias,
                    T* y);
template <typename T>
void linear_backward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w, const T* dy,
                     T* dx, T* dw, T* dbias);

}  // namespace vigil::cpu
