// Shape kernels as strided copies: permute, axis_copy and repeat build a nest (strided.h) whose
// operand 0 walks the output and operand 1 the input.
#include "cpu/shape.h"

#include <algorithm>
#include <cstring>

#include "core/parallel.h"
#include "cpu/reduce.h"

namespace vigil::cpu {
namespace {

// y[i] (+)= x[i * sx] for i < n; sx = 0 broadcasts one value, sx = 1 is a plain copy
template <typename T>
void copy_run(T* y, const T* x, int64_t n, int64_t sx, bool acc) {
  if (acc) {
    if (sx == 1)
      for (int64_t i = 0; i < n; ++i) y[i] += x[i];
    else
      for (int64_t i = 0; i < n; ++i) y[i] += x[i * sx];
  } else if (sx == 1) {
    std::memcpy(y, x, static_cast<size_t>(n) * sizeof(T));
  } else if (sx == 0) {
    std::fill(y, y + n, *x);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i * sx];
  }
}

// y steps by 1 along a run, except when coalescing dropped a size-1 innermost dim and left y
// strided (axis_copy of pieces one element wide: concat of [B,1] columns, a one-column slice).
template <typename T>
void copy_nest(const Nest<2>& nest, const T* x, T* y, bool acc) {
  const int64_t sy = nest.inner_stride(0), sx = nest.inner_stride(1);
  for_each_run(nest, kGrain, [&](const int64_t* off, int64_t n) {
    if (sy == 1) return copy_run(y + off[0], x + off[1], n, sx, acc);
    T* yr = y + off[0];
    const T* xr = x + off[1];
    for (int64_t i = 0; i < n; ++i) yr[i * sy] = acc ? yr[i * sy] + xr[i * sx] : xr[i * sx];
  });
}

// The nest's dim p steps x by 1 and its last dim q steps y by 1: copy in TB x TB tiles through
// a local buffer, so that every cache line of x is read whole along p and every line of y is
// written whole along q (strided access to both would thrash one cache set when the strides are
// powers of two).
template <typename T>
void copy_nest_tiled(const Nest<2>& nest, int p, const T* x, T* y, bool acc) {
  constexpr int64_t TB = 256 / sizeof(T);  // 64 floats: the fastest of 16..128 tried here
  const int q = nest.rank - 1;
  Nest<2> outer;
  for (int d = 0; d < q; ++d)
    if (d != p) outer.push(nest.size[d], {nest.stride[0][d], nest.stride[1][d]});
  const int64_t P = nest.size[p], Q = nest.size[q];
  const int64_t y_step = nest.stride[0][p], x_step = nest.stride[1][q];
  const int64_t pblocks = (P + TB - 1) / TB;
  parallel_for(0, outer.numel() * pblocks, std::max<int64_t>(1, kGrain / (TB * Q)),
               [&](int64_t b, int64_t e) {
    T tile[TB][TB];  // tile[j][i] = x at (i0 + i, j0 + j)
    for (int64_t t = b; t < e; ++t) {
      Cursor<2> c(outer, outer.rank, t / pblocks);
      const int64_t i0 = (t % pblocks) * TB, ni = std::min(TB, P - i0);
      const T* xb = x + c.off[1] + i0;
      T* yb = y + c.off[0] + i0 * y_step;
      for (int64_t j0 = 0; j0 < Q; j0 += TB) {
        const int64_t nj = std::min(TB, Q - j0);
        for (int64_t j = 0; j < nj; ++j) std::memcpy(tile[j], xb + (j0 + j) * x_step, ni * sizeof(T));
        for (int64_t i = 0; i < ni; ++i) {
          T* yr = yb + i * y_step + j0;
          if (acc)
            for (int64_t j = 0; j < nj; ++j) yr[j] += tile[j][i];
          else
            for (int64_t j = 0; j < nj; ++j) yr[j] = tile[j][i];
        }
      }
    }
  });
}

}  // namespace

template <typename T>
void permute(const T* x, const Shape& xs, const int32_t* perm, T* y, bool accumulate) {
  Shape ys;
  ys.ndim = xs.ndim;
  for (int k = 0; k < xs.ndim; ++k) ys.d[k] = xs.d[perm[k]];
  int64_t xst[kMaxRank], yst[kMaxRank];
  xs.broadcast_strides(xs, xst);
  ys.broadcast_strides(ys, yst);
  Nest<2> nest;
  for (int k = 0; k < ys.ndim; ++k) nest.push(ys.d[k], {yst[k], xst[perm[k]]});
  nest.coalesce();
  if (nest.numel() == 0) return;
  int p = -1;  // the dim that steps x by 1, when it is not already the innermost
  for (int d = 0; d + 1 < nest.rank; ++d)
    if (nest.stride[1][d] == 1) p = d;
  if (p >= 0 && nest.inner_stride(1) != 1)
    copy_nest_tiled(nest, p, x, y, accumulate);
  else
    copy_nest(nest, x, y, accumulate);
}

template <typename T>
void axis_copy(const T* src, int64_t src_dim, int64_t src_start, T* dst, int64_t dst_dim,
               int64_t dst_start, int64_t outer, int64_t inner, int64_t len, bool accumulate) {
  // outer runs of len*inner contiguous elements; a single long run (outer = 1, the engine's
  // gradient accumulation) is split into pieces by for_each_run
  Nest<2> nest;
  nest.push(outer, {dst_dim * inner, src_dim * inner});
  nest.push(len * inner, {1, 1});
  nest.coalesce();
  copy_nest(nest, src + src_start * inner, dst + dst_start * inner, accumulate);
}

// y viewed as [r0, n0, r1, n1, ...] (tile index, then the index within x along each dim);
// `tiles` gets that shape and `one_tile` the same with every r set to 1.
static void tile_shapes(const Shape& xs, const int64_t* repeats, Shape& tiles, Shape& one_tile) {
  tiles.ndim = one_tile.ndim = 2 * xs.ndim;
  for (int k = 0; k < xs.ndim; ++k) {
    tiles.d[2 * k] = repeats[k];
    one_tile.d[2 * k] = 1;
    tiles.d[2 * k + 1] = one_tile.d[2 * k + 1] = xs.d[k];
  }
}

template <typename T>
void repeat_forward(const T* x, const Shape& xs, const int64_t* repeats, T* y) {
  Shape tiles, one_tile;
  tile_shapes(xs, repeats, tiles, one_tile);
  int64_t yst[kMaxRank], xst[kMaxRank];
  tiles.broadcast_strides(tiles, yst);
  one_tile.broadcast_strides(tiles, xst);
  Nest<2> nest;
  for (int k = 0; k < tiles.ndim; ++k) nest.push(tiles.d[k], {yst[k], xst[k]});
  nest.coalesce();
  copy_nest(nest, x, y, false);
}

template <typename T>
void repeat_backward(const T* dy, const Shape& xs, const int64_t* repeats, T* dx) {
  Shape tiles, one_tile;
  tile_shapes(xs, repeats, tiles, one_tile);
  sum_to(dy, tiles, dx, one_tile, 1.0, true);
}

#define VIGIL_INSTANTIATE(T)                                                                  \
  template void permute<T>(const T*, const Shape&, const int32_t*, T*, bool);                 \
  template void axis_copy<T>(const T*, int64_t, int64_t, T*, int64_t, int64_t, int64_t,       \
                             int64_t, int64_t, bool);                                         \
  template void repeat_forward<T>(const T*, const Shape&, const int64_t*, T*);                \
  template void repeat_backward<T>(const T*, const Shape&, const int64_t*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
