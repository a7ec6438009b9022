// Fast GEMM: C = alpha * op(A) @ op(B) + beta * C (contract in gemm.h).
//
// Large products follow the BLIS loop nest: for each NC-column block of C and KC-deep slice of
// K, op(B)[KC x NC] is packed into NR-column panels (meant to stay in L3/L2); for each MC-row
// block, op(A)[MC x KC] is packed into MR-row panels (L2); then the micro-kernel computes every
// MR x NR tile from one A panel and one B panel (both L1-resident for the kc loop), sweeping
// tiles column panel by column panel, or row panel by row panel when the packed B block fits
// in L2 (small K). The first K slice applies beta, later slices accumulate (beta = 1).
// Threads take disjoint rectangles of C, each packing its own operands, so no barrier is
// needed. Products of a few rows (or one column) skip packing A (gemm_rows.h). op(B) may also
// come packed once for many products (PackedB, gemm_packed): both paths then skip packing it.
//
// Every path computes an element of C the same way (see the top of gemm_kernels.h): one
// multiply-add chain per KC slice of k, in k order, then alpha and beta. So a row's value does
// not depend on M, on how the rows are split over calls or threads, or on packing; the
// harness checks it bit for bit (test/native/test_gemm_rows.cpp).
#include <algorithm>
#include <cstdlib>
#include <new>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "cpu/gemm_kernels.h"
#include "cpu/gemm_rows.h"

namespace vigil::cpu {
namespace {

using namespace gemm_detail;

template <typename T>
struct Config;
template <>
struct Config<float> {
#ifdef VIGIL_GEMM_AVX2
  using Kernel = Avx2Kernel6x16;
#else
  using Kernel = GenericKernel<float, 4, 8>;
#endif
  // KC x NR B panel (16 KiB) + MR x KC A panel (6 KiB) in a 32 KiB L1d; MC x KC A block
  // (192 KiB) in a 1 MiB L2; KC x NC B block (4 MiB per thread) in the 32 MiB L3.
  static constexpr int64_t KC = 256, MC = 192, NC = 4080, B_L2_BYTES = 256 << 10;
};
// f64 exists for gradient checks: the portable kernel (6x16 measured fastest of 4x8 to 8x16,
// 20-25 GFLOP/s on one thread), the same blocking.
template <>
struct Config<double> {
  using Kernel = GenericKernel<double, 6, 16>;
  static constexpr int64_t KC = 256, MC = 96, NC = 2048, B_L2_BYTES = 256 << 10;
};

// Below this many multiply-adds the product runs on the calling thread only: waking a pool
// worker costs 25-200 us on this VM, as much as the 64x512x128 LSTM step product takes alone.
constexpr double kParallelMin = 1 << 23;
// Up to this many rows (or with one column) packing A costs more than it saves: the row
// kernels (gemm_rows.h) run them.
constexpr int64_t kRowsMaxM = 4;

// Per-thread packing buffers, grown on demand and kept, so steady-state calls allocate nothing.
struct Scratch {
  void* p[2] = {nullptr, nullptr};
  size_t cap[2] = {0, 0};
  ~Scratch() {
    std::free(p[0]);
    std::free(p[1]);
  }
  template <typename T>
  T* get(int slot, int64_t count) {
    size_t bytes = (static_cast<size_t>(count) * sizeof(T) + 63) / 64 * 64;
    if (cap[slot] < bytes) {
      std::free(p[slot]);
      p[slot] = std::aligned_alloc(64, bytes);
      cap[slot] = p[slot] ? bytes : 0;
      if (!p[slot]) throw std::bad_alloc();
    }
    return static_cast<T*>(p[slot]);
  }
};
thread_local Scratch t_scratch;

template <typename T>
struct Problem {
  bool ta, tb;
  int64_t M, N, K;
  T alpha;
  const T* A;
  int64_t lda;
  const T* B;
  int64_t ldb;
  T beta;
  T* C;
  int64_t ldc;
  const T* packed;  // op(B) prepacked (PackedB), or null: B is packed per block
};

// Splits n into ceil(n / max_block) near-equal blocks, rounded up to a multiple of unit.
int64_t block_size(int64_t n, int64_t max_block, int64_t unit) {
  int64_t blocks = (n + max_block - 1) / max_block;
  int64_t b = (n + blocks - 1) / blocks;
  return (b + unit - 1) / unit * unit;
}

// C = beta * C (beta == 0 overwrites): the whole product when K == 0.
template <typename T>
void scale_c(const Problem<T>& p) {
  for (int64_t i = 0; i < p.M; ++i) {
    T* c = p.C + i * p.ldc;
    for (int64_t j = 0; j < p.N; ++j) c[j] = p.beta == T(0) ? T(0) : p.beta * c[j];
  }
}

// A product of at most kRowsMaxM rows, as rows of C: out row m = x_m @ Y for m < rows, where
// x_m[k] = X[m * x_row + k * x_step], and Y [K, n] is read in place (Y[k*ldy + j]), stored
// transposed (y_nk: Y[j*ldy + k]; packed per K slice) or given packed; out[m, j] lives at
// C[m * c_row + j * c_col]. One column of C (N == 1) is the same with the roles swapped
// (C^T = op(B)^T op(A)^T), out row 0 strided down C.
template <typename T>
struct Rows {
  int64_t rows, n, K;
  T alpha;
  const T* X;
  int64_t x_row, x_step;
  const T* Y;
  int64_t ldy;
  bool y_nk;
  const T* packed;
  T beta;
  T* C;
  int64_t c_row, c_col;
};

// One K slice of a Rows product for M rows: the panels [0, direct) are read in place at
// direct + p * NR (row k at + k * ldy), the rest from `packed` (panel p at + (p - direct) *
// kc * NR).
template <typename T, int M>
void rows_slice(const Rows<T>& r, int64_t kc, const T* x, int64_t ldx, const T* direct,
                int64_t direct_panels, const T* packed, T beta) {
  constexpr int NR = Config<T>::Kernel::nr, P = rows_panels<T, NR, M>();
  const int64_t n_panels = (r.n + NR - 1) / NR;
  alignas(64) T acc[M * P * NR];
  auto run = [&](auto panels, int64_t p0) {
    constexpr int Q = decltype(panels)::value;
    const bool in_place = p0 < direct_panels;
    const T* b = in_place ? direct + p0 * NR : packed + (p0 - direct_panels) * kc * NR;
    rows_kernel<T, NR, M, Q>(kc, x, ldx, b, in_place ? NR : kc * NR, in_place ? r.ldy : NR, acc,
                             Q * NR);
    const int64_t j0 = p0 * NR;
    store_rows(acc, Q * NR, M, static_cast<int>(std::min<int64_t>(Q * NR, r.n - j0)), r.alpha,
               beta, r.C + j0 * r.c_col, r.c_row, r.c_col);
  };
  for (int64_t p = 0; p < n_panels;) {  // groups never straddle the in-place / packed boundary
    const int64_t end = p < direct_panels ? direct_panels : n_panels;
    for (; p + P <= end; p += P) run(std::integral_constant<int, P>(), p);
    for (; p < end; ++p) run(std::integral_constant<int, 1>(), p);
  }
}

#ifdef VIGIL_GEMM_AVX2
// One K slice of an f32 Rows product for M rows whose Y is stored transposed ([n, K], y_nk) and
// not packed: columns of op(B) in blocks of 8, transposed in registers (no packing pass), the
// last n % 8 one by one. (For one row this reads B ~2.5x slower than a dot product would, but a
// dot product sums in another order; products that repeat, as an LSTM's steps, use PackedB.)
template <int M>
void rows_slice_nk(const Rows<float>& r, int64_t pc, int64_t kc, const float* x, int64_t ldx,
                   float beta) {
  constexpr int G = M == 1 ? 4 : 2;  // 8-column blocks per call
  alignas(64) float acc[M * 8 * G];
  auto store = [&](int64_t j0, int n) {
    store_rows(acc, 8 * G, M, n, r.alpha, beta, r.C + j0 * r.c_col, r.c_row, r.c_col);
  };
  const float* y = r.Y + pc;
  int64_t j = 0;
  for (; j + 8 * G <= r.n; j += 8 * G) {
    rows_kernel_nk<M, G>(kc, x, ldx, y + j * r.ldy, r.ldy, acc, 8 * G);
    store(j, 8 * G);
  }
  for (; j + 8 <= r.n; j += 8) {
    rows_kernel_nk<M, 1>(kc, x, ldx, y + j * r.ldy, r.ldy, acc, 8 * G);
    store(j, 8);
  }
  if (j < r.n) {
    rows_kernel_nk_scalar<float, M>(kc, x, ldx, y + j * r.ldy, r.ldy, static_cast<int>(r.n - j),
                                    acc, 8 * G);
    store(j, static_cast<int>(r.n - j));
  }
}
#endif

// The rows product on the calling thread, K slice by K slice as gemm_block (same KC blocking,
// beta on the first slice only), without packing A.
template <typename T>
void gemm_rows(const Rows<T>& r) {
  using Cfg = Config<T>;
  constexpr int NR = Cfg::Kernel::nr;
  const int64_t kcb = block_size(r.K, Cfg::KC, 1), n_panels = (r.n + NR - 1) / NR;
  for (int64_t pc = 0; pc < r.K; pc += kcb) {
    const int64_t kc = std::min(kcb, r.K - pc);
    const T* x = r.X + pc * r.x_step;
    int64_t ldx = r.x_row;
    if (r.x_step != 1) {  // gather the rows' slices contiguous
      T* xb = t_scratch.get<T>(1, r.rows * kc);
      for (int64_t m = 0; m < r.rows; ++m)
        for (int64_t k = 0; k < kc; ++k) xb[m * kc + k] = x[m * r.x_row + k * r.x_step];
      x = xb;
      ldx = kc;
    }
    const T beta = pc == 0 ? r.beta : T(1);
    const T* direct = nullptr;
    int64_t direct_panels = 0;
    const T* packed;
    if (r.packed) {
      packed = r.packed + pc * n_panels * NR;
    } else if (r.y_nk) {
#ifdef VIGIL_GEMM_AVX2
      if constexpr (std::is_same_v<T, float>) {
        switch (r.rows) {
          case 1: rows_slice_nk<1>(r, pc, kc, x, ldx, beta); break;
          case 2: rows_slice_nk<2>(r, pc, kc, x, ldx, beta); break;
          case 3: rows_slice_nk<3>(r, pc, kc, x, ldx, beta); break;
          default: rows_slice_nk<4>(r, pc, kc, x, ldx, beta); break;
        }
        continue;
      }
#endif
      T* bp = t_scratch.get<T>(0, kc * n_panels * NR);
      pack_b<T, NR>(true, r.Y, r.ldy, pc, kc, 0, r.n, bp);
      packed = bp;
    } else {  // whole panels in place, the last partial one packed (zero-padded)
      direct = r.Y + pc * r.ldy;
      direct_panels = r.n / NR;
      T* bp = t_scratch.get<T>(0, kc * NR);
      if (direct_panels < n_panels)
        pack_b<T, NR>(false, r.Y, r.ldy, pc, kc, direct_panels * NR, r.n - direct_panels * NR, bp);
      packed = bp;
    }
    switch (r.rows) {
      case 1: rows_slice<T, 1>(r, kc, x, ldx, direct, direct_panels, packed, beta); break;
      case 2: rows_slice<T, 2>(r, kc, x, ldx, direct, direct_panels, packed, beta); break;
      case 3: rows_slice<T, 3>(r, kc, x, ldx, direct, direct_panels, packed, beta); break;
      default: rows_slice<T, 4>(r, kc, x, ldx, direct, direct_panels, packed, beta); break;
    }
  }
}

// The BLIS loop nest over C[m0:m1, n0:n1], on the calling thread.
template <typename T>
void gemm_block(const Problem<T>& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  using Cfg = Config<T>;
  using Ker = typename Cfg::Kernel;
  constexpr int MR = Ker::mr, NR = Ker::nr;
  const int64_t kcb = block_size(p.K, Cfg::KC, 1);
  const int64_t mcb = block_size(m1 - m0, Cfg::MC, MR);
  const int64_t ncb = block_size(n1 - n0, Cfg::NC, NR);
  const int64_t npad = (p.N + NR - 1) / NR * NR;  // a prepacked slice's width
  T* own_b = p.packed ? nullptr : t_scratch.get<T>(0, kcb * ncb);
  T* ap = t_scratch.get<T>(1, kcb * mcb + 8);  // + pack_a's slack
  for (int64_t jc = n0; jc < n1; jc += ncb) {
    const int64_t nc = std::min(ncb, n1 - jc);
    for (int64_t pc = 0; pc < p.K; pc += kcb) {
      const int64_t kc = std::min(kcb, p.K - pc);
      const T beta = pc == 0 ? p.beta : T(1);
      // Small K (the LSTM's 38 inputs) leaves the whole packed B block in L2 and every tile
      // with few k steps: then sweeping each A micro-panel across B (writing whole rows of C)
      // measured 93 vs 79 GFLOP/s at 6400x512x38 on one thread.
      const bool b_in_l2 = kc * nc * static_cast<int64_t>(sizeof(T)) <= Cfg::B_L2_BYTES;
      const T* bp = own_b;
      if (p.packed)  // the slice's panels from column jc (a multiple of NR) on
        bp = p.packed + pc * npad + jc * kc;
      else
        pack_b<T, NR>(p.tb, p.B, p.ldb, pc, kc, jc, nc, own_b);
      for (int64_t ic = m0; ic < m1; ic += mcb) {
        const int64_t mc = std::min(mcb, m1 - ic);
        pack_a<T, MR>(p.ta, p.A, p.lda, ic, mc, pc, kc, ap);
        auto tile = [&](int64_t ir, int64_t jr) {
          Ker::run(kc, ap + ir * kc, bp + jr * kc, p.C + (ic + ir) * p.ldc + jc + jr, p.ldc,
                   static_cast<int>(std::min<int64_t>(MR, mc - ir)),
                   static_cast<int>(std::min<int64_t>(NR, nc - jr)), p.alpha, beta);
        };
        if (b_in_l2) {  // one A micro-panel in L1 against all of B: C fills row panel by panel
          for (int64_t ir = 0; ir < mc; ir += MR)
            for (int64_t jr = 0; jr < nc; jr += NR) tile(ir, jr);
        } else {  // BLIS order: one B micro-panel in L1 against the L2-resident A block
          for (int64_t jr = 0; jr < nc; jr += NR)
            for (int64_t ir = 0; ir < mc; ir += MR) tile(ir, jr);
        }
      }
    }
  }
}

// Splits C into a tm x tn grid of rectangles, one per thread. Each rectangle packs all of its
// rows of A and columns of B, so the grid minimises the repacked volume tn*M*K + tm*K*N.
template <typename T>
void gemm_blocked(const Problem<T>& p) {
  using Ker = typename Config<T>::Kernel;
  constexpr int MR = Ker::mr, NR = Ker::nr;
  const int64_t m_tiles = (p.M + MR - 1) / MR, n_tiles = (p.N + NR - 1) / NR;
  const double work = static_cast<double>(p.M) * p.N * p.K;
  const int threads = work < kParallelMin ? 1 : num_threads();
  int64_t tm = 1, tn = 1;
  double best_cost = -1;
  for (int64_t a = 1; a <= threads; ++a)
    for (int64_t b = 1; a * b <= threads; ++b) {
      if (a > m_tiles || b > n_tiles) continue;
      double cost = static_cast<double>(b) * p.M * p.K + static_cast<double>(a) * p.K * p.N;
      if (a * b > tm * tn || (a * b == tm * tn && cost < best_cost)) {
        tm = a;
        tn = b;
        best_cost = cost;
      }
    }
  const int64_t rows = (m_tiles + tm - 1) / tm * MR, cols = (n_tiles + tn - 1) / tn * NR;
  parallel_for(0, tm * tn, 1, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) {
      const int64_t m0 = (t / tn) * rows, n0 = (t % tn) * cols;
      if (m0 < p.M && n0 < p.N)
        gemm_block(p, m0, std::min(p.M, m0 + rows), n0, std::min(p.N, n0 + cols));
    }
  });
}

// The rows form of a product, if it has one (M <= kRowsMaxM, or one column unless prepacked).
template <typename T>
bool as_rows(const Problem<T>& p, Rows<T>* r) {
  if (p.M <= kRowsMaxM) {
    *r = {p.M, p.N, p.K, p.alpha, p.A, p.ta ? 1 : p.lda, p.ta ? p.lda : 1, p.B, p.ldb, p.tb,
          p.packed, p.beta, p.C, p.ldc, 1};
    return true;
  }
  if (p.N == 1 && !p.packed) {  // C^T [1, M] = op(B)^T op(A)^T
    *r = {1, p.M, p.K, p.alpha, p.B, 0, p.tb ? 1 : p.ldb, p.A, p.lda, !p.ta, nullptr, p.beta,
          p.C, 0, p.ldc};
    return true;
  }
  return false;
}

template <typename T>
void run(const Problem<T>& p) {
  if (p.M <= 0 || p.N <= 0) return;
  Rows<T> r;
  if (p.K <= 0)
    scale_c(p);
  else if (as_rows(p, &r))
    gemm_rows(r);
  else
    gemm_blocked(p);
}

}  // namespace

template <typename T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  run(Problem<T>{ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nullptr});
}

// Packed layout: the K slices of gemm_block (KC blocking) one after the other, each holding the
// NR-column panels of all N columns (zero-padded to a multiple of NR), exactly as pack_b
// writes them for a block starting at column 0.
template <typename T>
void PackedB<T>::pack(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb) {
  using Cfg = Config<T>;
  constexpr int NR = Cfg::Kernel::nr;
  K_ = std::max<int64_t>(K, 0);
  N_ = std::max<int64_t>(N, 0);
  const int64_t npad = (N_ + NR - 1) / NR * NR;
  const size_t bytes =
      std::max<size_t>((static_cast<size_t>(K_ * npad) * sizeof(T) + 63) / 64 * 64, 64);
  if (bytes > bytes_) {
    data_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    bytes_ = data_ ? bytes : 0;
    if (!data_) throw std::bad_alloc();
  }
  if (K_ == 0 || N_ == 0) return;
  const int64_t kcb = block_size(K_, Cfg::KC, 1);
  for (int64_t pc = 0; pc < K_; pc += kcb)
    pack_b<T, NR>(trans_b, B, ldb, pc, std::min(kcb, K_ - pc), 0, N_, data_.get() + pc * npad);
}

template <typename T>
void PackedB<T>::Free::operator()(T* p) const {
  std::free(p);
}

template <typename T>
void gemm_packed(bool ta, int64_t M, T alpha, const T* A, int64_t lda, const PackedB<T>& B,
                 T beta, T* C, int64_t ldc) {
  // B/ldb are unused with packed set; tb only matters to pack_b, which is skipped.
  run(Problem<T>{ta, false, M, B.N(), B.K(), alpha, A, lda, nullptr, 0, beta, C, ldc, B.data()});
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);
template class PackedB<float>;
template class PackedB<double>;
template void gemm_packed<float>(bool, int64_t, float, const float*, int64_t, const PackedB<float>&,
                                 float, float*, int64_t);
template void gemm_packed<double>(bool, int64_t, double, const double*, int64_t,
                                  const PackedB<double>&, double, double*, int64_t);

}  // namespace vigil::cpu
