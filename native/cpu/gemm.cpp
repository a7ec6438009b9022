// Fast GEMM: C = alpha * op(A) @ op(B) + beta * C (contract in gemm.h).
//
// Large products follow the BLIS loop nest: for each NC-column block of C and KC-deep slice of
// K, op(B)[KC x NC] is packed into NR-column panels (meant to stay in L3/L2); for each MC-row
// block, op(A)[MC x KC] is packed into MR-row panels (L2); then the micro-kernel computes every
// MR x NR tile from one A panel and one B panel (both L1-resident for the kc loop), sweeping
// tiles column panel by column panel, or row panel by row panel when the packed B block fits
// in L2 (small K). The first K slice applies beta, later slices accumulate (beta = 1).
// Threads take disjoint rectangles of C, each packing its own operands, so no barrier is
// needed. Vector-shaped products skip packing (gemm_rows.h).
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
// Up to this many rows (or with one column) packing costs more than it saves (measured: 2 rows
// of 512x512 take 29 us unpacked, 55 us packed; 4 rows tie). Anything larger, even 8x8x8, runs
// faster blocked, packing into the kept buffers, than in plain loops.
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

// Products with at most kRowsMaxM rows, or one column, as vector-matrix products on the calling
// thread: out row r = x_r @ Y. Either x_r = op(A) row r and Y = op(B), or (one column, via
// C^T = op(B)^T op(A)^T) x_r = op(B) column r and Y = op(A)^T, the "row" strided down C.
// Y is read as dot products when its columns are contiguous, else as row axpys.
template <typename T>
void gemm_rows(const Problem<T>& p) {
  const bool by_col = p.M > kRowsMaxM;  // then N == 1
  const int64_t rows = by_col ? p.N : p.M, n = by_col ? p.M : p.N;
  const int64_t out_step = by_col ? p.ldc : 1, row_step = by_col ? 1 : p.ldc;
  const T* X = by_col ? p.B : p.A;
  const int64_t ldx = by_col ? p.ldb : p.lda;
  const bool x_contiguous = by_col ? p.tb : !p.ta;
  const T* Y = by_col ? p.A : p.B;
  const int64_t ldy = by_col ? p.lda : p.ldb;
  const bool y_dots = by_col ? !p.ta : p.tb;
  T* r = t_scratch.get<T>(0, n);
  T* xbuf = x_contiguous ? nullptr : t_scratch.get<T>(1, p.K);
  for (int64_t i = 0; i < rows; ++i) {
    const T* x = X + i * ldx;
    if (!x_contiguous) {
      for (int64_t k = 0; k < p.K; ++k) xbuf[k] = X[k * ldx + i];
      x = xbuf;
    }
    if (y_dots)
      dots(x, Y, ldy, n, p.K, r);
    else
      axpys(x, Y, ldy, n, p.K, r);
    T* c = p.C + i * row_step;
    for (int64_t j = 0; j < n; ++j) {
      const T v = p.alpha * r[j];
      T& d = c[j * out_step];
      d = p.beta == T(0) ? v : v + p.beta * d;
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
  T* bp = t_scratch.get<T>(0, kcb * ncb);
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
      pack_b<T, NR>(p.tb, p.B, p.ldb, pc, kc, jc, nc, bp);
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

}  // namespace

template <typename T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  const Problem<T> p{ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc};
  if (K <= 0) {
    scale_c(p);
  } else if (M <= kRowsMaxM || N == 1) {
    gemm_rows(p);
  } else {
    gemm_blocked(p);
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace vigil::cpu
