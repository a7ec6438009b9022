// matmul and linear as GEMMs on the device (the math is in cpu/matmul.cpp):
//   matmul:  y_i = op(a_i) op(b_i);   d op(a_i) = dy_i op(b_i)^T,   d op(b_i) = op(a_i)^T dy_i
//   linear:  y = x w^T + bias;   dx = dy w,   dw = dy^T x,   dbias = column sums of dy
// A batch is one strided-batched launch; a shared b folds the batch into the rows when a is not
// transposed, and otherwise accumulates db one product after another (the batch would race).
#include "cuda/common.cuh"
#include "cuda/gemm.h"
#include "cuda/matmul.h"
#include "cuda/reduce.h"

namespace vigil::cuda {

template <typename T>
vigil_status matmul_forward(const MatmulDims& dims, const T* a, const T* b, T* y) {
  const MatmulDims d = cpu::folded(dims);
  const cpu::MatmulStrides s(d);
  return gemm_batched<T>(d.ta, d.tb, d.M, d.N, d.K, T(1), a, s.lda, s.a, b, s.ldb, s.b, T(0), y,
                         d.N, s.y, d.batch);
}

template <typename T>
vigil_status matmul_backward(const MatmulDims& dims, const T* a, const T* b, const T* dy, T* da,
                             T* db) {
  const MatmulDims d = cpu::folded(dims);
  const cpu::MatmulStrides s(d);
  const int64_t M = d.M, N = d.N, K = d.K;
  if (da) {
    if (!d.ta)  // da [M,K] += dy op(b)^T
      VIGIL_CHECK(gemm_batched<T>(false, !d.tb, M, K, N, T(1), dy, N, s.y, b, s.ldb, s.b, T(1),
                                  da, K, s.a, d.batch));
    else  // da [K,M] += op(b) dy^T
      VIGIL_CHECK(gemm_batched<T>(d.tb, true, K, M, N, T(1), b, s.ldb, s.b, dy, N, s.y, T(1), da,
                                  M, s.a, d.batch));
  }
  if (db) {
    // with a shared b every product adds into the one db: one launch per product, in order
    const int64_t launches = d.shared_b ? d.batch : 1, per = d.shared_b ? 1 : d.batch;
    for (int64_t i = 0; i < launches; ++i) {
      const T* ai = a + i * s.a;
      const T* gi = dy + i * s.y;
      if (!d.tb)  // db [K,N] += op(a)^T dy
        VIGIL_CHECK(gemm_batched<T>(!d.ta, false, K, N, M, T(1), ai, s.lda, s.a, gi, N, s.y, T(1),
                                    db, N, s.b, per));
      else  // db [N,K] += dy^T op(a)
        VIGIL_CHECK(gemm_batched<T>(true, d.ta, N, K, M, T(1), gi, N, s.y, ai, s.lda, s.a, T(1),
                                    db, K, s.b, per));
    }
  }
  return VIGIL_OK;
}

template <typename T>
vigil_status linear_forward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w,
                            const T* bias, T* y) {
  if (bias)
    VIGIL_CHECK(for_each(rows * out, "linear_bias",
                         [=] __device__(int64_t i) { y[i] = bias[i % out]; }));
  return gemm<T>(false, true, rows, out, in, T(1), x, in, w, in, bias ? T(1) : T(0), y, out);
}

template <typename T>
vigil_status linear_backward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w,
                             const T* dy, T* dx, T* dw, T* dbias) {
  if (dx) VIGIL_CHECK(gemm<T>(false, false, rows, in, out, T(1), dy, out, w, in, T(1), dx, in));
  if (dw) VIGIL_CHECK(gemm<T>(true, false, out, in, rows, T(1), dy, out, x, in, T(1), dw, in));
  if (dbias) VIGIL_CHECK(sum_to(dy, cpu::Shape{rows, out}, dbias, cpu::Shape{1, out}, 1.0, true));
  return VIGIL_OK;
}

#define VIGIL_INSTANTIATE(T)                                                                   \
  template vigil_status matmul_forward<T>(const MatmulDims&, const T*, const T*, T*);         \
  template vigil_status matmul_backward<T>(const MatmulDims&, const T*, const T*, const T*,   \
                                           T*, T*);                                            \
  template vigil_status linear_forward<T>(int64_t, int64_t, int64_t, const T*, const T*,      \
                                          const T*, T*);                                       \
  template vigil_status linear_backward<T>(int64_t, int64_t, int64_t, const T*, const T*,     \
                                           const T*, T*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
