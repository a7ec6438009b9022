// Causal dilated conv1d on the CPU as one GEMM per (sample, tap): tap k reads x shifted right by
// s = (K-1-k) * dilation, so with W_k = w[:, :, k] ([Cout, Cin], repacked once per call)
//   Y[b][:, s:]     += W_k   @ X[b][:, :T-s]
//   dX[b][:, :T-s]  += W_k^T @ dY[b][:, s:]
//   dW_k            += dY[b][:, s:] @ X[b][:, :T-s]^T
// The shifted slices are plain leading-dimension views (ld = T), so nothing is padded or copied.
// Samples run in parallel chunks; dW and dbias are reduced through one partial per chunk.
#include "cpu/causal_conv1d.h"

#include <initializer_list>
#include <vector>

#include "cpu/batch_chunks.h"
#include "cpu/gemm.h"
#include "cpu/prefetch.h"

namespace vigil::cpu {
namespace {

// w [Cout, Cin, K] -> taps [K][Cout][Cin]
template <typename T>
std::vector<T> repack_taps(const CausalConv1dDims& d, const T* w) {
  std::vector<T> taps(d.K * d.Cout * d.Cin);
  for (int64_t o = 0; o < d.Cout; ++o)
    for (int64_t c = 0; c < d.Cin; ++c)
      for (int64_t k = 0; k < d.K; ++k)
        taps[(k * d.Cout + o) * d.Cin + c] = w[(o * d.Cin + c) * d.K + k];
  return taps;
}

inline int64_t shift_of(const CausalConv1dDims& d, int64_t k) { return (d.K - 1 - k) * d.dilation; }

// sum of p[0..n) with 16 independent partial sums, so the loop vectorises without -ffast-math
// (a single accumulator is a chain of dependent adds: ~4x slower here).
template <typename T>
T row_sum(const T* p, int64_t n) {
  T acc[16] = {};
  int64_t t = 0;
  for (; t + 16 <= n; t += 16)
    for (int u = 0; u < 16; ++u) acc[u] += p[t + u];
  T s = 0;
  for (; t < n; ++t) s += p[t];
  for (int u = 0; u < 16; ++u) s += acc[u];
  return s;
}

// Streams sample b's slices of the given tensors ([B, C, T] each, C*T elements per sample)
// into cache before the GEMMs pack them (see prefetch.h).
template <typename T>
void prefetch_sample(int64_t b, int64_t per_sample, std::initializer_list<const T*> ts) {
  for (const T* t : ts)
    if (t) prefetch_range(t + b * per_sample, sizeof(T) * per_sample);
}

}  // namespace

template <typename T>
void causal_conv1d_forward(const CausalConv1dDims& d, const T* x, const T* w, const T* bias,
                           T* y) {
  const int64_t Cin = d.Cin, Cout = d.Cout, Tn = d.T;
  const std::vector<T> taps = repack_taps(d, w);
  for_batch_chunks(d.B, batch_chunk_count(d.B, 1), [&](int64_t, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      prefetch_sample(b, Cin * Tn, {x});
      const T* X = x + b * Cin * Tn;
      T* Y = y + b * Cout * Tn;
      for (int64_t o = 0; o < Cout; ++o)
        for (int64_t t = 0; t < Tn; ++t) Y[o * Tn + t] = bias ? bias[o] : T(0);
      for (int64_t k = 0; k < d.K; ++k) {
        const int64_t s = shift_of(d, k);
        if (s >= Tn) continue;
        gemm<T>(false, false, Cout, Tn - s, Cin, T(1), taps.data() + k * Cout * Cin, Cin, X, Tn,
                T(1), Y + s, Tn);
      }
    }
  });
}

template <typename T>
void causal_conv1d_backward(const CausalConv1dDims& d, const T* x, const T* w, const T* dy, T* dx,
                            T* dw, T* dbias) {
  const int64_t Cin = d.Cin, Cout = d.Cout, Tn = d.T, K = d.K;
  if (!(dx || dw || dbias)) return;
  const std::vector<T> taps = repack_taps(d, w);
  const int64_t chunks = batch_chunk_count(d.B, 1);
  const int64_t wsize = K * Cout * Cin;
  std::vector<T> dw_part(dw ? chunks * wsize : 0, T(0));  // [chunk][K][Cout][Cin]
  std::vector<T> db_part(dbias ? chunks * Cout : 0, T(0));
  for_batch_chunks(d.B, chunks, [&](int64_t chunk, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      prefetch_sample(b, Cin * Tn, {x});
      prefetch_sample(b, Cout * Tn, {dy});
      const T* X = x + b * Cin * Tn;
      const T* dY = dy + b * Cout * Tn;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t s = shift_of(d, k);
        if (s >= Tn) continue;
        if (dx)
          gemm<T>(true, false, Cin, Tn - s, Cout, T(1), taps.data() + k * Cout * Cin, Cin, dY + s,
                  Tn, T(1), dx + b * Cin * Tn, Tn);
        if (dw)
          gemm<T>(false, true, Cout, Cin, Tn - s, T(1), dY + s, Tn, X, Tn, T(1),
                  dw_part.data() + chunk * wsize + k * Cout * Cin, Cin);
      }
      if (dbias) {
        T* db = db_part.data() + chunk * Cout;
        for (int64_t o = 0; o < Cout; ++o) db[o] += row_sum(dY + o * Tn, Tn);
      }
    }
  });
  for (int64_t c = 0; c < chunks; ++c) {
    if (dw) {
      const T* p = dw_part.data() + c * wsize;
      for (int64_t k = 0; k < K; ++k)
        for (int64_t o = 0; o < Cout; ++o)
          for (int64_t i = 0; i < Cin; ++i)
            dw[(o * Cin + i) * K + k] += p[(k * Cout + o) * Cin + i];
    }
    if (dbias)
      for (int64_t o = 0; o < Cout; ++o) dbias[o] += db_part[c * Cout + o];
  }
}

#define VIGIL_CAUSAL_CONV1D_INSTANTIATE(T)                                                  \
  template void causal_conv1d_forward<T>(const CausalConv1dDims&, const T*, const T*,      \
                                         const T*, T*);                                     \
  template void causal_conv1d_backward<T>(const CausalConv1dDims&, const T*, const T*,     \
                                          const T*, T*, T*, T*);
VIGIL_CAUSAL_CONV1D_INSTANTIATE(float)
VIGIL_CAUSAL_CONV1D_INSTANTIATE(double)

}  // namespace vigil::cpu
