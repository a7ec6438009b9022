// gemm (the blocked AVX2 kernel under matmul, linear and lstm) against cpu/ref/gemm.h over odd
// shapes, every transpose, padded leading dims, alpha and beta (NaN in C with beta = 0), nested
// in a pool task and on several thread counts.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "cpu/ref/gemm.h"
#include "harness.h"

using harness::Buf;

namespace {

// ---------------------------------------------------------------- gemm vs ref::gemm

template <typename T>
struct Tol;
template <>
struct Tol<float> {  // different summation orders of K float products in [-1, 1]
  static double rtol() { return 1e-4; }
  static double atol(int64_t K) { return 2e-6 * static_cast<double>(K); }
};
template <>
struct Tol<double> {
  static double rtol() { return 1e-12; }
  static double atol(int64_t K) { return 1e-14 * static_cast<double>(K); }
};

struct GemmCase {
  bool ta, tb;
  int64_t M, N, K;
  double alpha, beta;
  int64_t pad;  // extra elements per row of A, B and C beyond the stored row length
};

std::string describe(const GemmCase& c) {
  return std::string(c.ta ? "T" : "N") + (c.tb ? "T" : "N") + " M=" + std::to_string(c.M) +
         " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K) +
         " alpha=" + std::to_string(c.alpha) + " beta=" + std::to_string(c.beta) +
         " pad=" + std::to_string(c.pad);
}

// Runs gemm and ref::gemm on the same inputs and compares every element of C, including the
// padding columns that neither may touch. With beta == 0, C starts as NaN.
template <typename T>
void check_gemm(const GemmCase& c, uint64_t seed) {
  const int64_t a_rows = c.ta ? c.K : c.M, a_cols = c.ta ? c.M : c.K;
  const int64_t b_rows = c.tb ? c.N : c.K, b_cols = c.tb ? c.K : c.N;
  const int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = c.N + c.pad;
  std::vector<T> A(a_rows * lda), B(b_rows * ldb), C(c.M * ldc);
  harness::fill_uniform(A, seed);
  harness::fill_uniform(B, seed + 1);
  harness::fill_uniform(C, seed + 2);
  if (c.beta == 0)
    for (int64_t i = 0; i < c.M; ++i)
      for (int64_t j = 0; j < c.N; ++j) C[i * ldc + j] = NAN;
  std::vector<T> R = C;
  vigil::cpu::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, T(c.alpha), A.data(), lda, B.data(), ldb,
                      T(c.beta), C.data(), ldc);
  vigil::ref::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, T(c.alpha), A.data(), lda, B.data(), ldb,
                          T(c.beta), R.data(), ldc);
  const std::string what = std::string(sizeof(T) == 4 ? "f32 " : "f64 ") + describe(c);
  const double scale = std::fabs(c.alpha) + std::fabs(c.beta);
  HCHECK_CLOSE(what.c_str(), C.data(), R.data(), static_cast<int64_t>(C.size()), Tol<T>::rtol(),
               scale * Tol<T>::atol(c.K));
}

// (M, N, K) triples: odd sizes around the 6x16 tile, K around the 256 slice, M past the 192-row
// block, one N past the 4080-column block, packed B blocks below and above the 256 KiB that
// switch the tile order, the LSTM step shape, and the unpacked vector paths
// (M <= 4 rows, or one column) with and without their 8- and 64-wide vector loops.
const int64_t kShapes[][3] = {
    {1, 1, 1},     {1, 17, 5},     {5, 1, 17},    {17, 5, 1},    {5, 17, 63},
    {6, 16, 256},  {7, 17, 257},   {63, 65, 17},  {65, 63, 129}, {127, 129, 65},
    {129, 127, 5}, {300, 33, 129}, {33, 300, 63}, {12, 48, 600}, {64, 512, 128},
    {300, 17, 38}, {7, 4100, 9},   {2, 300, 300}, {300, 2, 300}, {31, 31, 31},
    {3, 70, 40},   {4, 129, 300},  {300, 1, 129}, {1, 300, 65},  {8, 8, 8},
    {20, 600, 300}};

template <typename T>
void gemm_sweep(uint64_t seed) {
  const double alphas[] = {1.0, -1.5};
  const double betas[] = {0.0, 1.0, 0.5};
  int n = 0;
  for (const auto& s : kShapes)
    for (int t = 0; t < 4; ++t)
      for (double beta : betas) {
        const double alpha = alphas[n % 2];
        const int64_t pad = n % 3 == 0 ? 0 : 1 + n % 5;
        check_gemm<T>({(t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], alpha, beta, pad},
                      seed + 7 * n);
        ++n;
      }
}

HTEST(gemm_f32_matches_reference) { gemm_sweep<float>(100); }
HTEST(gemm_f64_matches_reference) { gemm_sweep<double>(200); }

// Products big enough to split over the pool (>= 2^23 multiply-adds), on 1, 2 and 3 threads.
HTEST(gemm_threaded_matches_reference) {
  const int before = vigil::num_threads();
  int n = 0;
  for (int threads : {1, 2, 3}) {
    vigil::set_num_threads(threads);
    check_gemm<float>({false, true, 258, 259, 130, 1.0, 0.0, 3}, 300 + n++);
    check_gemm<float>({true, false, 131, 515, 127, 0.5, 1.0, 0}, 300 + n++);
    check_gemm<double>({false, false, 257, 129, 260, 1.0, 0.5, 1}, 300 + n++);
  }
  vigil::set_num_threads(before);
}

HTEST(gemm_k_zero_scales_c) {
  for (double beta : {0.0, 0.5}) {
    std::vector<float> C(6, NAN), R(6, beta == 0 ? 0.0f : NAN);
    if (beta != 0) {
      harness::fill_uniform(C, 9);
      for (int i = 0; i < 6; ++i) R[i] = static_cast<float>(beta) * C[i];
    }
    vigil::cpu::gemm<float>(false, false, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3,
                            static_cast<float>(beta), C.data(), 3);
    HCHECK_CLOSE("K = 0", C.data(), R.data(), 6, 0, 0);
  }
}

// Inside a pool task the gemm runs on the calling thread; two concurrent products must not
// share packing buffers.
HTEST(gemm_nested_in_parallel_for) {
  const int64_t M = 300, N = 200, K = 150;
  std::vector<float> A(2 * M * K), B(K * N), C(2 * M * N, NAN), R(2 * M * N);
  harness::fill_uniform(A, 41);
  harness::fill_uniform(B, 42);
  vigil::parallel_for(0, 2, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      vigil::cpu::gemm<float>(false, false, M, N, K, 1.0f, A.data() + i * M * K, K, B.data(), N,
                              0.0f, C.data() + i * M * N, N);
  });
  vigil::ref::gemm<float>(false, false, 2 * M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f,
                              R.data(), N);
  HCHECK_CLOSE("nested gemm", C.data(), R.data(), 2 * M * N, Tol<float>::rtol(),
               Tol<float>::atol(K));
}

}  // namespace
