// Bit-identity of the GEMM across row counts, splits, paths and threads (gemm.h): the rows of a
// product computed together equal, bit for bit, the same rows computed one per call (the row
// kernels, M = 1), in random chunks (row kernels for <= 4 rows, the blocked path above), or
// columns split into chunks; for every transpose, K across the 256-deep slice, odd N, one
// column, alpha / beta variants (NaN in C with beta = 0), f32 and f64, on 1 and 2 threads; and
// gemm_packed equals gemm. Values are compared with memcmp over all of C, padding included.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "harness.h"

namespace {

using vigil::cpu::gemm;

// One product's operands with padded leading dimensions; op(A) row i and op(B) column j
// located for sub-products.
template <typename T>
struct Operands {
  bool ta, tb;
  int64_t M, N, K, lda, ldb, ldc;
  T alpha, beta;
  std::vector<T> A, B, C0;  // C0: C before the product

  Operands(bool ta_, bool tb_, int64_t M_, int64_t N_, int64_t K_, double alpha_, double beta_,
           int64_t pad, uint64_t seed)
      : ta(ta_), tb(tb_), M(M_), N(N_), K(K_), alpha(T(alpha_)), beta(T(beta_)) {
    lda = (ta ? M : K) + pad;
    ldb = (tb ? K : N) + pad;
    ldc = N + pad;
    A.resize((ta ? K : M) * lda);
    B.resize((tb ? N : K) * ldb);
    C0.resize(M * ldc);
    harness::fill_uniform(A, seed);
    harness::fill_uniform(B, seed + 1);
    harness::fill_uniform(C0, seed + 2);
    if (beta == T(0))
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) C0[i * ldc + j] = NAN;
  }
  const T* a_rows(int64_t i) const { return A.data() + (ta ? i : i * lda); }
  const T* b_cols(int64_t j) const { return B.data() + (tb ? j * ldb : j); }

  // C with rows [i0, i1) x columns [j0, j1) computed by one gemm call.
  void product(std::vector<T>& C, int64_t i0, int64_t i1, int64_t j0, int64_t j1) const {
    gemm<T>(ta, tb, i1 - i0, j1 - j0, K, alpha, a_rows(i0), lda, b_cols(j0), ldb, beta,
            C.data() + i0 * ldc + j0, ldc);
  }
  std::vector<T> whole() const {
    std::vector<T> C = C0;
    product(C, 0, M, 0, N);
    return C;
  }
  std::string describe() const {
    return std::string(sizeof(T) == 4 ? "f32 " : "f64 ") + (ta ? "T" : "N") + (tb ? "T" : "N") +
           " M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
           " alpha=" + std::to_string(double(alpha)) + " beta=" + std::to_string(double(beta));
  }
};

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(T) * a.size()) == 0;
}

// First differing element, for the failure message.
template <typename T>
std::string first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0)
      return "element " + std::to_string(i) + ": " + std::to_string(double(a[i])) + " vs " +
             std::to_string(double(b[i]));
  return "sizes differ";
}

#define CHECK_SAME_BITS(got, want, what)                                                \
  HCHECK(same_bits(got, want), std::string(what) + ": " + first_difference(got, want))

// A deterministic stream of chunk sizes in [1, max].
struct Chunks {
  uint64_t s;
  int64_t next(int64_t max) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return 1 + static_cast<int64_t>((s >> 33) % static_cast<uint64_t>(max));
  }
};

// The row and column split checks of one product.
template <typename T>
void check_splits(const Operands<T>& o, uint64_t seed) {
  const std::vector<T> whole = o.whole();
  const std::string what = o.describe();
  std::vector<T> rows = o.C0;
  for (int64_t i = 0; i < o.M; ++i) o.product(rows, i, i + 1, 0, o.N);
  CHECK_SAME_BITS(rows, whole, what + ": whole vs row by row");
  Chunks ch{seed};
  for (int64_t max_chunk : {int64_t(4), int64_t(9)}) {
    std::vector<T> split = o.C0;
    for (int64_t i = 0; i < o.M;) {
      const int64_t e = std::min(o.M, i + ch.next(max_chunk));
      o.product(split, i, e, 0, o.N);
      i = e;
    }
    CHECK_SAME_BITS(split, whole,
                    what + ": whole vs row chunks of <= " + std::to_string(max_chunk));
  }
  std::vector<T> cols = o.C0;
  for (int64_t j = 0; j < o.N;) {
    const int64_t e = std::min(o.N, j + ch.next(40));
    o.product(cols, 0, o.M, j, e);
    j = e;
  }
  CHECK_SAME_BITS(cols, whole, what + ": whole vs column chunks");
}

// (M, N, K): K below, at and across the 256-deep slice (and two slices), odd and vector-tail N,
// one column with many rows, M on both sides of the row-kernel limit and of the 6-row tile.
const int64_t kShapes[][3] = {{1, 1, 1},    {3, 17, 5},    {7, 33, 38},   {13, 1, 300},
                              {5, 65, 256}, {9, 40, 257},  {6, 129, 513}, {11, 16, 166},
                              {4, 7, 600},  {14, 100, 129}, {2, 48, 64},  {20, 31, 17}};

template <typename T>
void sweep(uint64_t seed) {
  const double alphas[] = {1.0, -0.75, 2.5};
  const double betas[] = {0.0, 1.0, 0.5};
  int n = 0;
  for (const auto& s : kShapes)
    for (int t = 0; t < 4; ++t) {
      const Operands<T> o((t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2], alphas[n % 3],
                          betas[(n / 3) % 3], n % 2 ? 3 : 0, seed + 11 * n);
      check_splits(o, seed + 5 * n);
      ++n;
    }
}

}  // namespace

HTEST(gemm_rows_bit_identical_f32) { sweep<float>(1000); }
HTEST(gemm_rows_bit_identical_f64) { sweep<double>(2000); }

// Products past the threading threshold (2^23 multiply-adds) on 1 and 2 threads: the same bits,
// and the same as row by row on one thread.
HTEST(gemm_rows_bit_identical_across_threads) {
  const int before = vigil::num_threads();
  for (int t = 0; t < 4; ++t) {
    const Operands<float> o((t & 2) != 0, (t & 1) != 0, 131, 515, 300, 1.0, t % 2 ? 0.5 : 0.0,
                            1, 3000 + 10 * t);
    vigil::set_num_threads(1);
    const std::vector<float> one = o.whole();
    std::vector<float> rows = o.C0;
    for (int64_t i = 0; i < o.M; ++i) o.product(rows, i, i + 1, 0, o.N);
    vigil::set_num_threads(2);
    const std::vector<float> two = o.whole();
    CHECK_SAME_BITS(two, one, o.describe() + ": 2 threads vs 1");
    CHECK_SAME_BITS(rows, one, o.describe() + ": row by row vs whole");
  }
  vigil::set_num_threads(before);
}

// gemm_packed equals gemm (both paths: <= 4 rows and blocked) for every transpose, K across
// slices, and its rows are independent of M too.
template <typename T>
void packed_sweep(uint64_t seed) {
  const int64_t shapes[][3] = {{1, 37, 20}, {3, 512, 128}, {4, 16, 300}, {5, 33, 600},
                               {40, 129, 166}, {7, 1, 9}};
  int n = 0;
  for (const auto& s : shapes)
    for (int t = 0; t < 4; ++t) {
      const Operands<T> o((t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2], n % 2 ? 1.0 : -0.5,
                          n % 3 == 0 ? 0.0 : 1.0, n % 2, seed + 7 * n);
      const vigil::cpu::PackedB<T> pb(o.tb, o.K, o.N, o.B.data(), o.ldb);
      std::vector<T> packed = o.C0, rows = o.C0;
      vigil::cpu::gemm_packed<T>(o.ta, o.M, o.alpha, o.a_rows(0), o.lda, pb, o.beta,
                                 packed.data(), o.ldc);
      CHECK_SAME_BITS(packed, o.whole(), o.describe() + ": gemm_packed vs gemm");
      for (int64_t i = 0; i < o.M; ++i)
        vigil::cpu::gemm_packed<T>(o.ta, 1, o.alpha, o.a_rows(i), o.lda, pb, o.beta,
                                   rows.data() + i * o.ldc, o.ldc);
      CHECK_SAME_BITS(rows, packed, o.describe() + ": gemm_packed row by row");
      ++n;
    }
}

HTEST(gemm_packed_bit_identical_f32) { packed_sweep<float>(4000); }
HTEST(gemm_packed_bit_identical_f64) { packed_sweep<double>(5000); }
