// Reductions over a keep-dim output shape, and softmax along one axis.
#include "cpu/reduce.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"

namespace vigil::cpu {
namespace {

// The nest of a reduction: operand 0 = x (contiguous), operand 1 = out (stride 0 on the
// reduced dims). After coalescing, reduced dims are exactly those with out stride 0.
Nest<2> reduce_nest(const Shape& xs, const Shape& os) {
  int64_t xst[kMaxRank], ost[kMaxRank];
  xs.broadcast_strides(xs, xst);
  os.broadcast_strides(xs, ost);
  Nest<2> nest;
  for (int k = 0; k < xs.ndim; ++k) nest.push(xs.d[k], {xst[k], ost[k]});
  nest.coalesce();
  return nest;
}

// A reduction policy: Acc init(); add(acc, value, offset of value in x); run(acc, p, n, off)
// over a contiguous run p[0..n) starting at x offset `off`.
struct SumPolicy {
  using Acc = double;
  static Acc init() { return 0; }
  template <typename T>
  static void add(Acc& a, T v, int64_t) { a += v; }
  template <typename T>
  static void run(Acc& a, const T* p, int64_t n, int64_t) {
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent chains: vectorisable, and accurate
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int l = 0; l < 8; ++l) lane[l] += p[i + l];
    for (; i < n; ++i) lane[0] += p[i];
    a += ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
  }
};

template <typename T>
struct MaxPolicy {
  struct Acc {
    T v;
    int64_t off;  // offset of the first maximal element in x, -1 before any
  };
  static Acc init() { return {-std::numeric_limits<T>::infinity(), -1}; }
  static void add(Acc& a, T v, int64_t off) {
    if (a.off < 0 || v > a.v || (std::isnan(v) && !std::isnan(a.v))) a = {v, off};
  }
  static void run(Acc& a, const T* p, int64_t n, int64_t off) {
    for (int64_t i = 0; i < n; ++i) add(a, p[i], off + i);
  }
};

// Folds every group of x with policy P and hands each result to fin(out offset, acc).
// Two loop shapes, chosen by the innermost coalesced dim:
//  - reduced inner dim: one task per output, folding contiguous runs of x;
//  - kept inner dim: a task owns a block of up to W neighbouring outputs and folds whole rows of
//    x into W accumulators (column sums stream through memory instead of striding).
template <typename P, typename T, class Fin>
void fold_groups(const Nest<2>& nest, const T* x, const Fin& fin) {
  using Acc = typename P::Acc;
  const int r = nest.rank;
  const bool inner_kept = r > 0 && nest.stride[1][r - 1] != 0;
  const int64_t n = nest.inner();
  Nest<2> kept, red;
  for (int d = 0; d + 1 < r; ++d)
    (nest.stride[1][d] ? kept : red).push(nest.size[d], {nest.stride[0][d], nest.stride[1][d]});
  const int64_t n_kept = kept.numel(), n_red = red.numel();
  if (n_kept == 0 || n == 0) return;

  if (!inner_kept) {
    const int64_t work = std::max<int64_t>(1, n * n_red);
    parallel_for(0, n_kept, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
      Cursor<2> ck(kept, kept.rank, b);
      for (int64_t j = b; j < e; ++j, ck.next()) {
        Acc acc = P::init();
        Cursor<2> cr(red, red.rank, 0);
        for (int64_t q = 0; q < n_red; ++q, cr.next()) {
          const int64_t off = ck.off[0] + cr.off[0];
          P::run(acc, x + off, n, off);
        }
        fin(ck.off[1], acc);
      }
    });
    return;
  }

  constexpr int64_t W = 256;
  const int64_t blocks = (n + W - 1) / W;
  const int64_t work = std::max<int64_t>(1, std::min(n, W) * n_red);
  parallel_for(0, n_kept * blocks, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
    Acc acc[W];
    for (int64_t t = b; t < e; ++t) {
      const int64_t c0 = (t % blocks) * W, w = std::min(W, n - c0);
      Cursor<2> ck(kept, kept.rank, t / blocks);
      for (int64_t c = 0; c < w; ++c) acc[c] = P::init();
      Cursor<2> cr(red, red.rank, 0);
      for (int64_t q = 0; q < n_red; ++q, cr.next()) {
        const int64_t off = ck.off[0] + cr.off[0] + c0;
        const T* p = x + off;
        for (int64_t c = 0; c < w; ++c) P::add(acc[c], p[c], off + c);
      }
      for (int64_t c = 0; c < w; ++c) fin(ck.off[1] + c0 + c, acc[c]);
    }
  });
}

}  // namespace

template <typename T>
void sum_to(const T* x, const Shape& xs, T* out, const Shape& os, double scale, bool accumulate) {
  if (xs.numel() == 0) {  // empty groups sum to 0
    if (!accumulate)
      for (int64_t j = 0; j < os.numel(); ++j) out[j] = T(0);
    return;
  }
  fold_groups<SumPolicy>(reduce_nest(xs, os), x, [&](int64_t j, double s) {
    out[j] = static_cast<T>(accumulate ? out[j] + scale * s : scale * s);
  });
}

template <typename T>
void max_to(const T* x, const Shape& xs, T* out, const Shape& os) {
  using Acc = typename MaxPolicy<T>::Acc;
  fold_groups<MaxPolicy<T>>(reduce_nest(xs, os), x, [&](int64_t j, const Acc& a) { out[j] = a.v; });
}

template <typename T>
void max_to_backward(const T* x, const Shape& xs, const T* dy, const Shape& os, T* dx) {
  // groups are disjoint, so each task writes its own elements of dx
  using Acc = typename MaxPolicy<T>::Acc;
  fold_groups<MaxPolicy<T>>(reduce_nest(xs, os), x,
                            [&](int64_t j, const Acc& a) { dx[a.off] += dy[j]; });
}

template <typename T>
void expand_add(const T* dy, const Shape& os, T* dx, const Shape& xs, double scale) {
  const Nest<2> nest = reduce_nest(xs, os);  // operand 0 walks dx, operand 1 walks dy
  const T s = static_cast<T>(scale);
  const int64_t sd = nest.inner_stride(1);
  for_each_run(nest, kGrain, [&](const int64_t* off, int64_t n) {
    T* d = dx + off[0];
    const T* g = dy + off[1];
    run2(n, 1, sd, [&](int64_t i, int64_t, int64_t ig) { d[i] += s * g[ig]; });
  });
}

// Runs body(base, w) over every (outer index, block of up to W columns of inner) of an
// [outer, n, inner] view; base is the offset of element (o, 0, c0).
template <class Body>
static void for_each_column_block(int64_t outer, int64_t n, int64_t inner, const Body& body) {
  constexpr int64_t W = 64;
  const int64_t blocks = (inner + W - 1) / W;
  const int64_t work = std::max<int64_t>(1, n * std::min(inner, W) * 8);  // exp is ~8 loads' worth
  parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / blocks, c0 = (t % blocks) * W;
      body(o * n * inner + c0, std::min(W, inner - c0));
    }
  });
}

template <typename T>
void softmax_forward(const T* x, int64_t outer, int64_t n, int64_t inner, bool log, T* y) {
  for_each_column_block(outer, n, inner, [&](int64_t base, int64_t w) {
    T m[64];
    double s[64];
    for (int64_t c = 0; c < w; ++c) {
      m[c] = -std::numeric_limits<T>::infinity();
      s[c] = 0;
    }
    for (int64_t k = 0; k < n; ++k) {
      const T* xr = x + base + k * inner;
      for (int64_t c = 0; c < w; ++c) m[c] = xr[c] > m[c] ? xr[c] : m[c];
    }
    for (int64_t k = 0; k < n; ++k) {
      const T* xr = x + base + k * inner;
      T* yr = y + base + k * inner;
      for (int64_t c = 0; c < w; ++c) {
        const T ev = std::exp(xr[c] - m[c]);
        if (!log) yr[c] = ev;
        s[c] += ev;
      }
    }
    for (int64_t c = 0; c < w; ++c)
      s[c] = log ? static_cast<double>(m[c]) + std::log(s[c]) : 1.0 / s[c];
    for (int64_t k = 0; k < n; ++k) {
      const T* xr = x + base + k * inner;
      T* yr = y + base + k * inner;
      for (int64_t c = 0; c < w; ++c)
        yr[c] = log ? static_cast<T>(xr[c] - s[c]) : static_cast<T>(yr[c] * s[c]);
    }
  });
}

template <typename T>
void softmax_backward(const T* y, const T* dy, int64_t outer, int64_t n, int64_t inner, bool log,
                      T* dx) {
  for_each_column_block(outer, n, inner, [&](int64_t base, int64_t w) {
    double s[64];
    for (int64_t c = 0; c < w; ++c) s[c] = 0;
    for (int64_t k = 0; k < n; ++k) {
      const T* yr = y + base + k * inner;
      const T* gr = dy + base + k * inner;
      for (int64_t c = 0; c < w; ++c) s[c] += log ? gr[c] : gr[c] * yr[c];
    }
    for (int64_t k = 0; k < n; ++k) {
      const T* yr = y + base + k * inner;
      const T* gr = dy + base + k * inner;
      T* dr = dx + base + k * inner;
      for (int64_t c = 0; c < w; ++c) {
        const T sc = static_cast<T>(s[c]);
        dr[c] += log ? gr[c] - std::exp(yr[c]) * sc : yr[c] * (gr[c] - sc);
      }
    }
  });
}

#define VIGIL_INSTANTIATE(T)                                                                  \
  template void sum_to<T>(const T*, const Shape&, T*, const Shape&, double, bool);            \
  template void max_to<T>(const T*, const Shape&, T*, const Shape&);                         \
  template void max_to_backward<T>(const T*, const Shape&, const T*, const Shape&, T*);       \
  template void expand_add<T>(const T*, const Shape&, T*, const Shape&, double);              \
  template void softmax_forward<T>(const T*, int64_t, int64_t, int64_t, bool, T*);            \
  template void softmax_backward<T>(const T*, const T*, int64_t, int64_t, int64_t, bool, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
