// permute, axis_copy and repeat on the device as strided copies over a coalesced nest
// (cpu/strided.h): operand 0 walks the output (contiguous, so writes coalesce), operand 1 the
// input. repeat's backward is a sum over the tiles (sum_to).
#include "cuda/common.cuh"
#include "cuda/reduce.h"
#include "cuda/shape.h"

namespace vigil::cuda {
namespace {

// y[off0] (+)= x[off1] over the nest
template <typename T>
vigil_status copy_nest(const cpu::Nest<2>& nest, const T* x, T* y, bool acc, const char* kernel) {
  return for_each_offset(nest, kernel, [=] __device__(int64_t, const int64_t* off) {
    y[off[0]] = acc ? y[off[0]] + x[off[1]] : x[off[1]];
  });
}

// y viewed as [r0, n0, r1, n1, ...] (tile index, then the index within x along each dim);
// `tiles` gets that shape and `one_tile` the same with every r set to 1 (as cpu/shape.cpp).
void tile_shapes(const cpu::Shape& xs, const int64_t* repeats, cpu::Shape& tiles,
                 cpu::Shape& one_tile) {
  tiles.ndim = one_tile.ndim = 2 * xs.ndim;
  for (int k = 0; k < xs.ndim; ++k) {
    tiles.d[2 * k] = repeats[k];
    one_tile.d[2 * k] = 1;
    tiles.d[2 * k + 1] = one_tile.d[2 * k + 1] = xs.d[k];
  }
}

}  // namespace

template <typename T>
vigil_status permute(const T* x, const cpu::Shape& xs, const int32_t* perm, T* y,
                     bool accumulate) {
  cpu::Shape ys;
  ys.ndim = xs.ndim;
  for (int k = 0; k < xs.ndim; ++k) ys.d[k] = xs.d[perm[k]];
  int64_t xst[kMaxRank], yst[kMaxRank];
  xs.broadcast_strides(xs, xst);
  ys.broadcast_strides(ys, yst);
  cpu::Nest<2> nest;
  for (int k = 0; k < ys.ndim; ++k) nest.push(ys.d[k], {yst[k], xst[perm[k]]});
  nest.coalesce();
  return copy_nest(nest, x, y, accumulate, "permute");
}

template <typename T>
vigil_status axis_copy(const T* src, int64_t src_dim, int64_t src_start, T* dst, int64_t dst_dim,
                       int64_t dst_start, int64_t outer, int64_t inner, int64_t len,
                       bool accumulate) {
  cpu::Nest<2> nest;
  nest.push(outer, {dst_dim * inner, src_dim * inner});
  nest.push(len * inner, {1, 1});
  nest.coalesce();
  return copy_nest(nest, src + src_start * inner, dst + dst_start * inner, accumulate,
                   "axis_copy");
}

template <typename T>
vigil_status repeat_forward(const T* x, const cpu::Shape& xs, const int64_t* repeats, T* y) {
  cpu::Shape tiles, one_tile;
  tile_shapes(xs, repeats, tiles, one_tile);
  int64_t yst[kMaxRank], xst[kMaxRank];
  tiles.broadcast_strides(tiles, yst);
  one_tile.broadcast_strides(tiles, xst);
  cpu::Nest<2> nest;
  for (int k = 0; k < tiles.ndim; ++k) nest.push(tiles.d[k], {yst[k], xst[k]});
  nest.coalesce();
  return copy_nest(nest, x, y, false, "repeat_forward");
}

template <typename T>
vigil_status repeat_backward(const T* dy, const cpu::Shape& xs, const int64_t* repeats, T* dx) {
  cpu::Shape tiles, one_tile;
  tile_shapes(xs, repeats, tiles, one_tile);
  return sum_to(dy, tiles, dx, one_tile, 1.0, true);
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status permute<T>(const T*, const cpu::Shape&, const int32_t*, T*, bool);     \
  template vigil_status axis_copy<T>(const T*, int64_t, int64_t, T*, int64_t, int64_t, int64_t, \
                                     int64_t, int64_t, bool);                                   \
  template vigil_status repeat_forward<T>(const T*, const cpu::Shape&, const int64_t*, T*);    \
  template vigil_status repeat_backward<T>(const T*, const cpu::Shape&, const int64_t*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
