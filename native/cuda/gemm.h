// General matrix multiply on the device: the contract of cpu/gemm.h (row-major, leading
// dimensions in elements, beta == 0 overwrites C so NaNs in C do not survive), plus a strided
// batch: product i reads A + i*stride_a, B + i*stride_b and writes C + i*stride_c (a stride
// of 0 shares one matrix). Batches must not write overlapping C.
#pragma once
#include <cstdint>

#include "vigil/status.h"

namespace vigil::cuda {

template <typename T>
vigil_status gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                  const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

template <typename T>
vigil_status gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                          const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb,
                          int64_t stride_b, T beta, T* C, int64_t ldc, int64_t stride_c,
                          int64_t batch);

}  // namespace vigil::cuda
