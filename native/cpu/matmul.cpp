// matmul and linear as GEMMs.
//   matmul:  y_i = op(a_i) op(b_i);   d op(a_i) = dy_i op(b_i)^T,   d op(b_i) = op(a_i)^T dy_i
//            (a transposed operand gets the transpose of its gradient; a shared b sums over i)
//   linear:  y = x w^T + bias;   dx = dy w,   dw = dy^T x,   dbias = sum over rows of dy
#include "cpu/matmul.h"

#include <algorithm>

#include "core/parallel.h"
#include "cpu/gemm.h"

namespace vigil::cpu {
namespace {

// Batches whose single product is below kSmallProduct multiply-adds run one batch per thread
// (each gemm then runs inline), provided the whole call is worth waking the pool for.
constexpr double kSmallProduct = 1 << 20;
constexpr double kWorthThreads = 1 << 23;

template <typename F>
void for_each_batch(const MatmulDims& d, F&& fn) {
  const double each = static_cast<double>(d.M) * d.N * d.K;
  if (d.batch > 1 && each < kSmallProduct && each * d.batch >= kWorthThreads) {
    parallel_for(0, d.batch, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) fn(i);
    });
  } else {
    for (int64_t i = 0; i < d.batch; ++i) fn(i);
  }
}

}  // namespace

template <typename T>
void matmul_forward(const MatmulDims& dims, const T* a, const T* b, T* y) {
  const MatmulDims d = folded(dims);
  const MatmulStrides s(d);
  for_each_batch(d, [&](int64_t i) {
    gemm<T>(d.ta, d.tb, d.M, d.N, d.K, T(1), a + i * s.a, s.lda, b + i * s.b, s.ldb, T(0),
            y + i * s.y, d.N);
  });
}

template <typename T>
void matmul_backward(const MatmulDims& dims, const T* a, const T* b, const T* dy, T* da, T* db) {
  const MatmulDims d = folded(dims);
  const MatmulStrides s(d);
  const int64_t M = d.M, N = d.N, K = d.K;
  if (da)
    for_each_batch(d, [&](int64_t i) {
      const T *bi = b + i * s.b, *gi = dy + i * s.y;
      T* dai = da + i * s.a;
      if (!d.ta)  // da [M,K] += dy op(b)^T
        gemm<T>(false, !d.tb, M, K, N, T(1), gi, N, bi, s.ldb, T(1), dai, K);
      else  // da [K,M] += op(b) dy^T
        gemm<T>(d.tb, true, K, M, N, T(1), bi, s.ldb, gi, N, T(1), dai, M);
    });
  if (db) {
    auto grad_b = [&](int64_t i) {
      const T *ai = a + i * s.a, *gi = dy + i * s.y;
      T* dbi = db + i * s.b;
      if (!d.tb)  // db [K,N] += op(a)^T dy
        gemm<T>(!d.ta, false, K, N, M, T(1), ai, s.lda, gi, N, T(1), dbi, N);
      else  // db [N,K] += dy^T op(a)
        gemm<T>(true, d.ta, N, K, M, T(1), gi, N, ai, s.lda, T(1), dbi, K);
    };
    if (d.shared_b) {  // every batch adds into the one db: in turn
      for (int64_t i = 0; i < d.batch; ++i) grad_b(i);
    } else {
      for_each_batch(d, grad_b);
    }
  }
}

template <typename T>
void linear_forward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w, const T* bias,
                    T* y) {
  if (bias)
    parallel_for(0, rows, std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(out, 1)),
                 [&](int64_t r0, int64_t r1) {
                   for (int64_t r = r0; r < r1; ++r) std::copy(bias, bias + out, y + r * out);
                 });
  gemm<T>(false, true, rows, out, in, T(1), x, in, w, in, bias ? T(1) : T(0), y, out);
}

template <typename T>
void linear_backward(int64_t rows, int64_t in, int64_t out, const T* x, const T* w, const T* dy,
                     T* dx, T* dw, T* dbias) {
  if (dx) gemm<T>(false, false, rows, in, out, T(1), dy, out, w, in, T(1), dx, in);
  if (dw) gemm<T>(true, false, out, in, rows, T(1), dy, out, x, in, T(1), dw, in);
  if (dbias)  // column sums, threads over column ranges once the matrix is large
    parallel_for(0, out, std::max<int64_t>(16, (int64_t(1) << 18) / std::max<int64_t>(rows, 1)),
                 [&](int64_t j0, int64_t j1) {
                   for (int64_t r = 0; r < rows; ++r) {
                     const T* g = dy + r * out;
                     for (int64_t j = j0; j < j1; ++j) dbias[j] += g[j];
                   }
                 });
}

#define VIGIL_MATMUL_INSTANTIATE(T)                                                            \
  template void matmul_forward<T>(const MatmulDims&, const T*, const T*, T*);                  \
  template void matmul_backward<T>(const MatmulDims&, const T*, const T*, const T*, T*, T*);   \
  template void linear_forward<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, T*); \
  template void linear_backward<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, T*, \
                                   T*, T*);
VIGIL_MATMUL_INSTANTIATE(float)
VIGIL_MATMUL_INSTANTIATE(double)

}  // namespace vigil::cpu
