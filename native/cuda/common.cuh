// Shared pieces of the CUDA kernels: runtime checks that turn cudaError_t into a vigil_status
// naming the op, launch checks, grid sizing, strided walks (the device side of cpu::Nest), block
// reductions in double, and scratch buffers from the caching allocator.
//
// Every kernel runs on the engine's one stream (stream()), so work is ordered: a buffer freed on
// the host may be handed out again at once, because whatever reads it was queued earlier.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/check.h"
#include "core/cuda_api.h"
#include "cpu/strided.h"

namespace vigil::cuda {

// The engine's stream and the op being run on this thread (set by cuda_ready, named in errors).
cudaStream_t stream();
const char* current_op();

// VIGIL_OK, or VIGIL_ERR_CUDA with "<op>: <what>: <cudaErrorName> (<description>)".
vigil_status check(cudaError_t e, const char* what);
// After a kernel launch: a bad launch configuration fails here; with VIGIL_CUDA_SYNC=1 in the
// environment the stream is also synchronised, so a fault is reported by the kernel that made it.
vigil_status launched(const char* kernel);

#define VIGIL_CUDA_TRY(call) VIGIL_CHECK(::vigil::cuda::check((call), #call))

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 1 << 16;  // grid-stride loops cover the rest

inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return static_cast<unsigned>(b < kMaxBlocks ? b : kMaxBlocks);
}

// ------------------------------------------------------------------ scratch buffers

// A device buffer of n elements from the caching allocator, returned on destruction (stream
// order makes that safe while kernels that use it are still queued).
template <typename T>
struct Scratch {
  T* p = nullptr;
  size_t bytes = 0;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (p) cuda_free(p, bytes);
  }
  vigil_status alloc(int64_t n) {
    bytes = static_cast<size_t>(n > 0 ? n : 1) * sizeof(T);
    void* q = nullptr;
    VIGIL_CHECK(cuda_alloc(bytes, &q));
    p = static_cast<T*>(q);
    return VIGIL_OK;
  }
};

// p[0..n) = 0 (all-zero bits are 0.0 in both float types)
template <typename T>
vigil_status zero(T* p, int64_t n) {
  if (n <= 0) return VIGIL_OK;
  return check(cudaMemsetAsync(p, 0, static_cast<size_t>(n) * sizeof(T), stream()),
               "cudaMemsetAsync");
}

// ------------------------------------------------------------------ strided walks

using cpu::kMaxRank;

// A cpu::Nest on the device: element i of the row-major walk has operand k at offset
// sum_d idx_d * stride[k][d].
template <int N>
struct Walk {
  int rank = 0;
  int64_t size[kMaxRank];
  int64_t stride[N][kMaxRank];

  Walk() = default;
  explicit Walk(const cpu::Nest<N>& n) : rank(n.rank) {
    for (int d = 0; d < rank; ++d) {
      size[d] = n.size[d];
      for (int k = 0; k < N; ++k) stride[k][d] = n.stride[k][d];
    }
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < rank; ++d) n *= size[d];
    return n;
  }
  __device__ __forceinline__ void offsets(int64_t i, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t s = size[d];
      const int64_t q = i / s, idx = i - q * s;
      i = q;
      for (int k = 0; k < N; ++k) off[k] += idx * stride[k][d];
    }
  }
};

template <class F>
__global__ void flat_kernel(int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    f(i);
}

template <int N, class F>
__global__ void walk_kernel(Walk<N> w, int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[N];
    w.offsets(i, off);
    f(i, off);
  }
}

// f(i) for i < n (a device lambda).
template <class F>
vigil_status for_each(int64_t n, const char* kernel, F f) {
  if (n <= 0) return VIGIL_OK;
  flat_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, f);
  return launched(kernel);
}

// f(i, off) for every element i of the walk, off[k] the offset of operand k.
template <int N, class F>
vigil_status for_each_offset(const cpu::Nest<N>& nest, const char* kernel, F f) {
  const Walk<N> w(nest);  // rank 0 (every dim of size 1) is one element at offset 0
  const int64_t n = w.numel();
  if (n <= 0) return VIGIL_OK;
  walk_kernel<N><<<blocks_for(n), kThreads, 0, stream()>>>(w, n, f);
  return launched(kernel);
}

// ------------------------------------------------------------------ block reductions

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); the result is valid in thread 0.
// The order of additions is fixed by the launch shape, so results are reproducible.
__device__ __forceinline__ double block_sum(double v) {
  __shared__ double part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // part[] may still be read by a previous call
  if (lane == 0) part[warp] = v;
  __syncthreads();
  const int warps = blockDim.x >> 5;
  v = threadIdx.x < warps ? part[threadIdx.x] : 0.0;
  if (warp == 0) v = warp_sum(v);
  return v;
}

// Sum over the block, valid in every thread.
__device__ __forceinline__ double block_sum_all(double v) {
  __shared__ double total;
  v = block_sum(v);
  if (threadIdx.x == 0) total = v;
  __syncthreads();
  v = total;
  __syncthreads();
  return v;
}

// ------------------------------------------------------------------ flat sums

// term(i) summed in double over i < n, then fin(sum) called once on the device. Two launches
// with a fixed partition of [0, n) (kSumBlocks partial sums added in order), so the result is
// reproducible run to run.
constexpr int kSumBlocks = 512;

template <class Term>
__global__ void partial_sums_kernel(int64_t n, Term term, double* part) {
  double s = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    s += term(i);
  s = block_sum(s);
  if (threadIdx.x == 0) part[blockIdx.x] = s;
}

template <class Fin>
__global__ void finish_sum_kernel(const double* part, int parts, Fin fin) {
  double s = 0;
  for (int i = threadIdx.x; i < parts; i += blockDim.x) s += part[i];
  s = block_sum(s);
  if (threadIdx.x == 0) fin(s);
}

template <class Term, class Fin>
vigil_status flat_sum(int64_t n, const char* kernel, Term term, Fin fin) {
  int64_t blocks = (n + kThreads * 4 - 1) / (kThreads * 4);
  blocks = blocks < 1 ? 1 : blocks > kSumBlocks ? kSumBlocks : blocks;
  Scratch<double> part;
  VIGIL_CHECK(part.alloc(blocks));
  partial_sums_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream()>>>(n, term, part.p);
  VIGIL_CHECK(launched(kernel));
  finish_sum_kernel<<<1, kThreads, 0, stream()>>>(part.p, static_cast<int>(blocks), fin);
  return launched(kernel);
}

// ------------------------------------------------------------------ math

// 1 / (1 + e^-x), never exponentiating a positive number
template <typename T>
__device__ __forceinline__ T sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + exp(-x));
  const T e = exp(x);
  return e / (T(1) + e);
}

}  // namespace vigil::cuda
