// Reductions over a keep-dim output shape, and softmax along one axis, on the device.
//   sum_to:  out[j] (+)= scale * sum of group j (double)
//   max_to:  out[j] = max of group j, the first maximal element by position, NaN wins
//   softmax: m = max, s = sum e^(x - m) (double); y = e^(x - m) / s, or log: y = x - m - ln s
// The roundings follow cpu/reduce.cpp, so the devices differ only by the order of additions.
#include "cuda/groups.cuh"
#include "cuda/reduce.h"

namespace vigil::cuda {
namespace {

// ------------------------------------------------------------------ max with its position

template <typename T>
struct MaxAcc {
  T v;
  int64_t off;  // x offset of the first maximal element, -1 before any
};

// a and b cover disjoint parts of a group: NaN wins, then the larger value, then the earlier
// position (the CPU's rule of the first maximal element in order).
template <typename T>
__device__ __forceinline__ MaxAcc<T> max_merge(MaxAcc<T> a, MaxAcc<T> b) {
  if (b.off < 0) return a;
  if (a.off < 0) return b;
  const bool an = isnan(a.v), bn = isnan(b.v);
  if (an != bn) return an ? a : b;
  if (!an && a.v != b.v) return a.v > b.v ? a : b;
  return a.off < b.off ? a : b;
}

template <typename T, class Fin>
__global__ void group_max_blocks(Groups g, const T* x, Fin fin) {
  __shared__ T sv[kThreads];
  __shared__ int64_t so[kThreads];
  for (int64_t j = blockIdx.x; j < g.n_kept; j += gridDim.x) {
    int64_t ko[2];
    g.kept.offsets(j, ko);
    MaxAcc<T> acc{T(0), -1};
    for (int64_t r = threadIdx.x; r < g.n_red; r += blockDim.x) {
      int64_t ro[1];
      g.red.offsets(r, ro);
      const int64_t off = ko[0] + ro[0];
      acc = max_merge(acc, MaxAcc<T>{x[off], off});
    }
    sv[threadIdx.x] = acc.v;
    so[threadIdx.x] = acc.off;
    __syncthreads();
    for (int h = blockDim.x / 2; h > 0; h >>= 1) {
      if (threadIdx.x < h) {
        const MaxAcc<T> m = max_merge(MaxAcc<T>{sv[threadIdx.x], so[threadIdx.x]},
                                      MaxAcc<T>{sv[threadIdx.x + h], so[threadIdx.x + h]});
        sv[threadIdx.x] = m.v;
        so[threadIdx.x] = m.off;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) fin(ko[1], MaxAcc<T>{sv[0], so[0]});
    __syncthreads();
  }
}

// Grid-stride over the outputs: blocks_for caps the grid at kMaxBlocks blocks.
template <typename T, class Fin>
__global__ void group_max_threads(Groups g, const T* x, Fin fin) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < g.n_kept;
       j += int64_t(gridDim.x) * blockDim.x) {
    int64_t ko[2];
    g.kept.offsets(j, ko);
    MaxAcc<T> acc{T(0), -1};
    for (int64_t r = 0; r < g.n_red; ++r) {
      int64_t ro[1];
      g.red.offsets(r, ro);
      const int64_t off = ko[0] + ro[0];
      acc = max_merge(acc, MaxAcc<T>{x[off], off});
    }
    fin(ko[1], acc);
  }
}

// fin(out offset, MaxAcc) for every output (groups are non-empty: the entry point checks).
template <typename T, class Fin>
vigil_status group_max(const Groups& g, const T* x, const char* kernel, Fin fin) {
  if (g.n_kept <= 0) return VIGIL_OK;
  if (g.contiguous && g.n_red >= kBlockGroupMin)
    group_max_blocks<T><<<blocks_for(g.n_kept, 1), kThreads, 0, stream()>>>(g, x, fin);
  else
    group_max_threads<T><<<blocks_for(g.n_kept), kThreads, 0, stream()>>>(g, x, fin);
  return launched(kernel);
}

// ------------------------------------------------------------------ softmax

template <typename T>
__device__ __forceinline__ T block_max(T v) {
  __shared__ T part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_down_sync(0xffffffffu, v, o));
  __syncthreads();
  if (lane == 0) part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < int(blockDim.x >> 5) ? part[lane] : part[0];
    for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_down_sync(0xffffffffu, v, o));
    if (lane == 0) part[0] = v;
  }
  __syncthreads();
  v = part[0];
  __syncthreads();
  return v;
}

// One block per row of a contiguous softmax axis (inner == 1).
template <typename T>
__global__ void softmax_rows(const T* x, int64_t rows, int64_t n, bool log, T* y) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * n;
    T* yr = y + row * n;
    T m = -INFINITY;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) m = fmax(m, xr[k]);
    m = block_max(m);
    double s = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const T ev = exp(xr[k] - m);
      if (!log) yr[k] = ev;
      s += ev;
    }
    s = block_sum_all(s);
    const double f = log ? static_cast<double>(m) + ::log(s) : 1.0 / s;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
      yr[k] = log ? static_cast<T>(xr[k] - f) : static_cast<T>(yr[k] * f);
  }
}

// One thread per (outer, inner) column of a strided softmax axis (grid-stride: blocks_for caps
// the grid, and outer * inner may exceed kMaxBlocks * kThreads).
template <typename T>
__global__ void softmax_columns(const T* x, int64_t outer, int64_t n, int64_t inner, bool log,
                                T* y) {
  for (int64_t col = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; col < outer * inner;
       col += int64_t(gridDim.x) * blockDim.x) {
    const int64_t base = (col / inner) * n * inner + col % inner;
    T m = -INFINITY;
    for (int64_t k = 0; k < n; ++k) m = fmax(m, x[base + k * inner]);
    double s = 0;
    for (int64_t k = 0; k < n; ++k) {
      const T ev = exp(x[base + k * inner] - m);
      if (!log) y[base + k * inner] = ev;
      s += ev;
    }
    const double f = log ? static_cast<double>(m) + ::log(s) : 1.0 / s;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = base + k * inner;
      y[i] = log ? static_cast<T>(x[i] - f) : static_cast<T>(y[i] * f);
    }
  }
}

// softmax: dx += y (dy - sum(dy y));  log: dx += dy - e^y sum(dy)
template <typename T>
__global__ void softmax_backward_rows(const T* y, const T* dy, int64_t rows, int64_t n, bool log,
                                      T* dx) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T *yr = y + row * n, *gr = dy + row * n;
    T* dr = dx + row * n;
    double s = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) s += log ? gr[k] : gr[k] * yr[k];
    const T sc = static_cast<T>(block_sum_all(s));
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
      dr[k] += log ? gr[k] - exp(yr[k]) * sc : yr[k] * (gr[k] - sc);
  }
}

template <typename T>
__global__ void softmax_backward_columns(const T* y, const T* dy, int64_t outer, int64_t n,
                                         int64_t inner, bool log, T* dx) {
  for (int64_t col = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; col < outer * inner;
       col += int64_t(gridDim.x) * blockDim.x) {
    const int64_t base = (col / inner) * n * inner + col % inner;
    double s = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = base + k * inner;
      s += log ? dy[i] : dy[i] * y[i];
    }
    const T sc = static_cast<T>(s);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = base + k * inner;
      dx[i] += log ? dy[i] - exp(y[i]) * sc : y[i] * (dy[i] - sc);
    }
  }
}

}  // namespace

template <typename T>
vigil_status sum_to(const T* x, const cpu::Shape& xs, T* out, const cpu::Shape& os, double scale,
                    bool accumulate) {
  return group_sum(
      make_groups(xs, os), "sum_to",
      [=] __device__(int64_t xo, int64_t) { return static_cast<double>(x[xo]); },
      [=] __device__(int64_t o, double s) {
        out[o] = static_cast<T>(accumulate ? out[o] + scale * s : scale * s);
      });
}

template <typename T>
vigil_status max_to(const T* x, const cpu::Shape& xs, T* out, const cpu::Shape& os) {
  return group_max(make_groups(xs, os), x, "max_to",
                   [=] __device__(int64_t o, MaxAcc<T> a) { out[o] = a.v; });
}

template <typename T>
vigil_status max_to_backward(const T* x, const cpu::Shape& xs, const T* dy, const cpu::Shape& os,
                             T* dx) {
  // groups are disjoint, so each output's thread owns the element it adds to
  return group_max(make_groups(xs, os), x, "max_to_backward",
                   [=] __device__(int64_t o, MaxAcc<T> a) { dx[a.off] += dy[o]; });
}

template <typename T>
vigil_status expand_add(const T* dy, const cpu::Shape& os, T* dx, const cpu::Shape& xs,
                        double scale) {
  int64_t xst[kMaxRank], ost[kMaxRank];
  xs.broadcast_strides(xs, xst);
  os.broadcast_strides(xs, ost);
  cpu::Nest<2> nest;  // operand 0 walks dx, 1 walks dy
  for (int k = 0; k < xs.ndim; ++k) nest.push(xs.d[k], {xst[k], ost[k]});
  nest.coalesce();
  const T s = static_cast<T>(scale);
  return for_each_offset(nest, "expand_add", [=] __device__(int64_t, const int64_t* off) {
    dx[off[0]] += s * dy[off[1]];
  });
}

template <typename T>
vigil_status softmax_forward(const T* x, int64_t outer, int64_t n, int64_t inner, bool log,
                             T* y) {
  if (outer * n * inner == 0) return VIGIL_OK;
  if (inner == 1)
    softmax_rows<T><<<blocks_for(outer, 1), kThreads, 0, stream()>>>(x, outer, n, log, y);
  else
    softmax_columns<T><<<blocks_for(outer * inner), kThreads, 0, stream()>>>(x, outer, n, inner,
                                                                             log, y);
  return launched("softmax_forward");
}

template <typename T>
vigil_status softmax_backward(const T* y, const T* dy, int64_t outer, int64_t n, int64_t inner,
                              bool log, T* dx) {
  if (outer * n * inner == 0) return VIGIL_OK;
  if (inner == 1)
    softmax_backward_rows<T><<<blocks_for(outer, 1), kThreads, 0, stream()>>>(y, dy, outer, n,
                                                                              log, dx);
  else
    softmax_backward_columns<T><<<blocks_for(outer * inner), kThreads, 0, stream()>>>(
        y, dy, outer, n, inner, log, dx);
  return launched("softmax_backward");
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status sum_to<T>(const T*, const cpu::Shape&, T*, const cpu::Shape&, double,  \
                                  bool);                                                        \
  template vigil_status max_to<T>(const T*, const cpu::Shape&, T*, const cpu::Shape&);         \
  template vigil_status max_to_backward<T>(const T*, const cpu::Shape&, const T*,              \
                                           const cpu::Shape&, T*);                              \
  template vigil_status expand_add<T>(const T*, const cpu::Shape&, T*, const cpu::Shape&,      \
                                      double);                                                  \
  template vigil_status softmax_forward<T>(const T*, int64_t, int64_t, int64_t, bool, T*);     \
  template vigil_status softmax_backward<T>(const T*, const T*, int64_t, int64_t, int64_t,     \
                                            bool, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
