// Causal dilated conv1d on the device, one strided-batched GEMM per tap (the math of
// cpu/causal_conv1d.cpp): tap k reads x shifted right by s = (K-1-k) * dilation, so with
// W_k = w[:, :, k] ([Cout, Cin], repacked once per call), for every sample b
//   Y[b][:, s:]     += W_k   @ X[b][:, :T-s]
//   dX[b][:, :T-s]  += W_k^T @ dY[b][:, s:]
//   dW_k            += dY[b][:, s:] @ X[b][:, :T-s]^T
// The shifted slices are leading-dimension views (ld = T). The batch of a launch runs over the
// samples; dW_k of all samples would race in one launch, so each sample's product goes to its own
// slot of a scratch buffer (batch chunks bound its size) and a reduction adds the slots into dw.
#include <algorithm>

#include "cuda/causal_conv1d.h"
#include "cuda/common.cuh"
#include "cuda/gemm.h"
#include "cuda/reduce.h"

namespace vigil::cuda {
namespace {

constexpr int64_t kPartialElems = int64_t(1) << 24;  // bound on the dW scratch per chunk

inline int64_t shift_of(const CausalConv1dDims& d, int64_t k) { return (d.K - 1 - k) * d.dilation; }

// w [Cout, Cin, K] -> taps [K][Cout][Cin]
template <typename T>
vigil_status repack_taps(const CausalConv1dDims& d, const T* w, Scratch<T>& taps) {
  const int64_t Cin = d.Cin, Cout = d.Cout, K = d.K;
  VIGIL_CHECK(taps.alloc(K * Cout * Cin));
  T* t = taps.p;
  return for_each(K * Cout * Cin, "causal_conv1d_taps", [=] __device__(int64_t i) {
    const int64_t c = i % Cin, o = (i / Cin) % Cout, k = i / (Cin * Cout);
    t[i] = w[(o * Cin + c) * K + k];
  });
}

}  // namespace

template <typename T>
vigil_status causal_conv1d_forward(const CausalConv1dDims& d, const T* x, const T* w,
                                   const T* bias, T* y) {
  const int64_t Cin = d.Cin, Cout = d.Cout, Tn = d.T;
  VIGIL_CHECK(for_each(d.B * Cout * Tn, "causal_conv1d_bias", [=] __device__(int64_t i) {
    y[i] = bias ? bias[(i / Tn) % Cout] : T(0);
  }));
  Scratch<T> taps;
  VIGIL_CHECK(repack_taps(d, w, taps));
  for (int64_t k = 0; k < d.K; ++k) {
    const int64_t s = shift_of(d, k);
    if (s >= Tn) continue;
    VIGIL_CHECK(gemm_batched<T>(false, false, Cout, Tn - s, Cin, T(1), taps.p + k * Cout * Cin,
                                Cin, 0, x, Tn, Cin * Tn, T(1), y + s, Tn, Cout * Tn, d.B));
  }
  return VIGIL_OK;
}

template <typename T>
vigil_status causal_conv1d_backward(const CausalConv1dDims& d, const T* x, const T* w,
                                    const T* dy, T* dx, T* dw, T* dbias) {
  const int64_t Cin = d.Cin, Cout = d.Cout, Tn = d.T, K = d.K, B = d.B;
  if (!(dx || dw || dbias)) return VIGIL_OK;
  if (dbias)
    VIGIL_CHECK(sum_to(dy, cpu::Shape{B, Cout, Tn}, dbias, cpu::Shape{1, Cout, 1}, 1.0, true));
  if (!(dx || dw) || B == 0) return VIGIL_OK;
  Scratch<T> taps;
  VIGIL_CHECK(repack_taps(d, w, taps));
  if (dx)
    for (int64_t k = 0; k < K; ++k) {
      const int64_t s = shift_of(d, k);
      if (s >= Tn) continue;
      VIGIL_CHECK(gemm_batched<T>(true, false, Cin, Tn - s, Cout, T(1), taps.p + k * Cout * Cin,
                                  Cin, 0, dy + s, Tn, Cout * Tn, T(1), dx, Tn, Cin * Tn, B));
    }
  if (!dw) return VIGIL_OK;
  const int64_t wsize = K * Cout * Cin;
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(B, kPartialElems / std::max<int64_t>(wsize, 1)));
  Scratch<T> part;  // [chunk][K][Cout][Cin]
  VIGIL_CHECK(part.alloc(chunk * wsize));
  T* p = part.p;
  for (int64_t b0 = 0; b0 < B; b0 += chunk) {
    const int64_t nb = std::min(chunk, B - b0);
    for (int64_t k = 0; k < K; ++k) {  // a tap past the sequence writes zeros (inner size 0)
      const int64_t s = std::min(shift_of(d, k), Tn);
      VIGIL_CHECK(gemm_batched<T>(false, true, Cout, Cin, Tn - s, T(1), dy + b0 * Cout * Tn + s,
                                  Tn, Cout * Tn, x + b0 * Cin * Tn, Tn, Cin * Tn, T(0),
                                  p + k * Cout * Cin, Cin, wsize, nb));
    }
    VIGIL_CHECK(for_each(wsize, "causal_conv1d_dw", [=] __device__(int64_t i) {
      const int64_t c = i % Cin, o = (i / Cin) % Cout, k = i / (Cin * Cout);
      double s = 0;
      for (int64_t b = 0; b < nb; ++b) s += p[b * wsize + i];
      T* out = dw + (o * Cin + c) * K + k;
      *out = static_cast<T>(*out + s);
    }));
  }
  return VIGIL_OK;
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status causal_conv1d_forward<T>(const CausalConv1dDims&, const T*, const T*,  \
                                                 const T*, T*);                                 \
  template vigil_status causal_conv1d_backward<T>(const CausalConv1dDims&, const T*, const T*, \
                                                  const T*, T*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
