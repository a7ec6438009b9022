// Loop nests over strided operands: the one piece of machinery behind broadcasting,
// reductions, permute and repeat. A nest lists dims outermost first, each with one element
// stride per operand (0 = the operand is broadcast along that dim). Coalescing drops dims of
// size 1 and merges neighbours every operand steps through as one dim, so "[3,4,5] + [5]"
// becomes a 12 x 5 loop and "[8,16] + [8,16]" a single run of 128.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>

#include "core/parallel.h"
#include "vigil/tensor.h"

namespace vigil::cpu {

// repeat views each dim as (tile, dim), so nests hold twice the tensor rank
constexpr int kMaxRank = 2 * VIGIL_MAX_DIMS;
// elements per parallel chunk for memory-bound loops
constexpr int64_t kGrain = 1 << 15;

struct Shape {
  int ndim = 0;
  int64_t d[kMaxRank] = {};

  Shape() = default;
  explicit Shape(const vigil_tensor* t) : ndim(t->ndim) {
    for (int i = 0; i < ndim; ++i) d[i] = t->shape[i];
  }
  Shape(std::initializer_list<int64_t> dims) : ndim(static_cast<int>(dims.size())) {
    int i = 0;
    for (int64_t v : dims) d[i++] = v;
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= d[i];
    return n;
  }
  // Element strides of a contiguous tensor of this shape right-aligned to `to` (rank >= ours),
  // 0 where `to` stretches a dim of size 1 or where we have no dim.
  void broadcast_strides(const Shape& to, int64_t* st) const {
    int64_t s = 1;
    for (int k = to.ndim - 1; k >= 0; --k) {
      const int j = k - (to.ndim - ndim);
      st[k] = (j < 0 || d[j] == 1) ? 0 : s;
      if (j >= 0) s *= d[j];
    }
  }
};

template <int N>
struct Nest {
  int rank = 0;
  int64_t size[kMaxRank];
  int64_t stride[N][kMaxRank];

  void push(int64_t n, const std::array<int64_t, N>& s) {
    size[rank] = n;
    for (int k = 0; k < N; ++k) stride[k][rank] = s[k];
    ++rank;
  }
  void coalesce() {
    int r = 0;
    for (int i = 0; i < rank; ++i) {
      if (size[i] == 1) continue;
      bool merge = r > 0;
      for (int k = 0; k < N && merge; ++k) merge = stride[k][r - 1] == stride[k][i] * size[i];
      if (merge) {
        size[r - 1] *= size[i];
        for (int k = 0; k < N; ++k) stride[k][r - 1] = stride[k][i];
        continue;
      }
      size[r] = size[i];
      for (int k = 0; k < N; ++k) stride[k][r] = stride[k][i];
      ++r;
    }
    rank = r;
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= size[i];
    return n;
  }
  int64_t inner() const { return rank ? size[rank - 1] : 1; }
  int64_t inner_stride(int k) const { return rank ? stride[k][rank - 1] : 0; }
};

// Walks the first `dims` dims of a nest in row-major order, tracking every operand's offset.
template <int N>
struct Cursor {
  const Nest<N>& nest;
  int dims;
  int64_t idx[kMaxRank];
  int64_t off[N];

  Cursor(const Nest<N>& n, int d, int64_t linear) : nest(n), dims(d) {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int i = dims - 1; i >= 0; --i) {
      idx[i] = linear % nest.size[i];
      linear /= nest.size[i];
      for (int k = 0; k < N; ++k) off[k] += idx[i] * nest.stride[k][i];
    }
  }
  void next() {
    for (int i = dims - 1; i >= 0; --i) {
      for (int k = 0; k < N; ++k) off[k] += nest.stride[k][i];
      if (++idx[i] < nest.size[i]) return;
      for (int k = 0; k < N; ++k) off[k] -= nest.stride[k][i] * nest.size[i];
      idx[i] = 0;
    }
  }
};

// Calls fn(off, len) for every piece of every innermost run of the nest, off[k] being operand
// k's offset at the piece's start; operand k steps by nest.inner_stride(k) along the piece.
// Runs longer than `grain` are cut into pieces so a single long run still uses every thread.
template <int N, class F>
void for_each_run(const Nest<N>& nest, int64_t grain, const F& fn) {
  const int outer_dims = std::max(nest.rank - 1, 0);
  const int64_t n = nest.inner();
  int64_t rows = 1;
  for (int i = 0; i < outer_dims; ++i) rows *= nest.size[i];
  if (rows == 0 || n == 0) return;
  const int64_t piece = std::min(n, std::max<int64_t>(grain, 1));
  const int64_t pieces = (n + piece - 1) / piece;
  parallel_for(0, rows * pieces, std::max<int64_t>(1, grain / piece), [&](int64_t b, int64_t e) {
    int64_t row = b / pieces;
    Cursor<N> c(nest, outer_dims, row);
    for (int64_t t = b; t < e; ++t) {
      for (; row < t / pieces; ++row) c.next();
      const int64_t start = (t % pieces) * piece;
      int64_t off[N];
      for (int k = 0; k < N; ++k) off[k] = c.off[k] + start * nest.inner_stride(k);
      fn(static_cast<const int64_t*>(off), std::min(piece, n - start));
    }
  });
}

// Calls f(i, ia, ib) for i < n with ia = i*sa, ib = i*sb and sa, sb in {0, 1}: one loop per
// combination so that the compiler sees unit or zero strides and can vectorise f.
template <class F>
inline void run2(int64_t n, int64_t sa, int64_t sb, const F& f) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) f(i, i, i);
  } else if (sa) {
    for (int64_t i = 0; i < n; ++i) f(i, i, int64_t(0));
  } else if (sb) {
    for (int64_t i = 0; i < n; ++i) f(i, int64_t(0), i);
  } else {
    for (int64_t i = 0; i < n; ++i) f(i, int64_t(0), int64_t(0));
  }
}

}  // namespace vigil::cpu
