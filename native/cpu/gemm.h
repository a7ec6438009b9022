// General matrix multiply on the CPU, the building block of matmul, linear, lstm and conv.
#pragma once
#include <cstdint>
#include <memory>

namespace vigil::cpu {

// C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C, row-major with leading dimensions in
// elements. op(A) = A stored [M,K] (lda >= K), or, with trans_a, A stored [K,M] (lda >= M);
// likewise B [K,N] (ldb >= N) or stored [N,K] with trans_b (ldb >= K). beta == 0 overwrites C
// (NaNs in C do not survive). Runs on the thread pool; called from inside a pool task it runs
// on the calling thread. Each element of C is computed by the same chain of operations whatever
// M, the thread count or the path taken (gemm_kernels.h): a row's value depends only on its own
// row of op(A), on op(B), alpha, beta and its old value, so splitting the rows across calls
// changes no bit.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// op(B) [K,N] packed once into the kernels' layout, for many products with the same right
// operand (an LSTM's W_hh at every step). The packed copy does not refer to B afterwards.
template <typename T>
class PackedB {
 public:
  PackedB() = default;
  PackedB(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb) {
    pack(trans_b, K, N, B, ldb);
  }
  // Packs op(B) anew, in the storage it has when that is large enough: a PackedB kept across
  // calls allocates nothing in steady state.
  void pack(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb);
  int64_t K() const { return K_; }
  int64_t N() const { return N_; }
  const T* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(T* p) const;
  };
  int64_t K_ = 0, N_ = 0;
  size_t bytes_ = 0;
  std::unique_ptr<T[], Free> data_;
};

// gemm with op(B) = the packed matrix (N and K from it): bit-identical to gemm with the B it
// was packed from.
template <typename T>
void gemm_packed(bool trans_a, int64_t M, T alpha, const T* A, int64_t lda, const PackedB<T>& B,
                 T beta, T* C, int64_t ldc);

}  // namespace vigil::cpu
