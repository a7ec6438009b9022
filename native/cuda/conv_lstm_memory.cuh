// What the two self-attention-memory cells share on the device (conv_lstm_self_attention_memory.cu,
// conv_lstm_seed_self_attention_memory.cu), as cpu/conv_lstm_memory.h on the CPU: the row softmax
// of their attention and its backward, the memory update's backward per element, and the [c; M]
// cell state that c0 carries per sample.
#pragma once
#include "cuda/basic.h"
#include "cuda/conv_lstm.cuh"

namespace vigil::cuda::conv_lstm_memory {

// Each of `rows` rows of length n (row r at a + r*n) replaced by its softmax: e^(v - max v)
// normalised by the sum taken in double, as the CPU.
template <typename T>
vigil_status softmax_rows(T* a, int64_t rows, int64_t n) {
  return for_each(rows, "conv_lstm_softmax", [=] __device__(int64_t r) {
    T* v = a + r * n;
    T m = v[0];
    for (int64_t j = 1; j < n; ++j) m = v[j] > m ? v[j] : m;
    double s = 0;
    for (int64_t j = 0; j < n; ++j) {
      v[j] = exp(v[j] - m);
      s += double(v[j]);
    }
    const T inv = static_cast<T>(1.0 / s);
    for (int64_t j = 0; j < n; ++j) v[j] *= inv;
  });
}

// dA -> dS in place for the B samples' [N,N] matrices: da[b] (stride N*N) from a[b] (stride sa):
// dS = A . (dA - rowsum(dA . A)).
template <typename T>
vigil_status softmax_rows_backward(const T* a, int64_t sa, T* da, int64_t N, int64_t B) {
  return for_each(B * N, "conv_lstm_softmax_backward", [=] __device__(int64_t r) {
    const int64_t b = r / N, i = r % N;
    const T* ar = a + b * sa + i * N;
    T* dr = da + r * N;
    double s = 0;
    for (int64_t j = 0; j < N; ++j) s += double(dr[j]) * double(ar[j]);
    const T st = static_cast<T>(s);
    for (int64_t j = 0; j < N; ++j) dr[j] = ar[j] * (dr[j] - st);
  });
}

// c0 [B,2F,N] split into c [B,S] and M [B,S] (zeros without c0).
template <typename T>
vigil_status split_state(int64_t B, int64_t S, const T* c0, T* c, T* m) {
  if (!c0) {
    VIGIL_CHECK(zero(c, B * S));
    return zero(m, B * S);
  }
  return for_each(B * S, "conv_lstm_split_state", [=] __device__(int64_t n) {
    const int64_t b = n / S, q = n % S;
    c[n] = c0[2 * b * S + q];
    m[n] = c0[(2 * b + 1) * S + q];
  });
}

// The memory update at one element from the activated gates: M <- (1 - i') M + i' g' (also to
// msave when given); returns H^ = o' M.
template <typename T>
__device__ __forceinline__ T update(T ig, T gg, T og, T& m, T* msave) {
  m = (T(1) - ig) * m + ig * gg;
  if (msave) *msave = m;
  return og * m;
}

// c_n [B,2F,N] = [c; M] per sample (S = F*N).
template <typename T>
vigil_status join_state(int64_t B, int64_t S, const T* c, const T* m, T* c_n) {
  return for_each(B * S, "conv_lstm_join_state", [=] __device__(int64_t n) {
    const int64_t b = n / S, q = n % S;
    c_n[2 * b * S + q] = c[n];
    c_n[(2 * b + 1) * S + q] = m[n];
  });
}

// The initial state's gradients, accumulated: dh0 += dh and dc0 += [dc; dm] per sample (either
// may be null).
template <typename T>
vigil_status initial_state_grads(int64_t B, int64_t S, const T* dh, const T* dc, const T* dm,
                                 T* dh0, T* dc0) {
  if (!dh0 && !dc0) return VIGIL_OK;
  return for_each(B * S, "conv_lstm_initial_state_grads", [=] __device__(int64_t n) {
    const int64_t b = n / S, q = n % S;
    if (dh0) dh0[n] += dh[n];
    if (dc0) {
      dc0[2 * b * S + q] += dc[n];
      dc0[(2 * b + 1) * S + q] += dm[n];
    }
  });
}

// The memory update's backward at one element (cpu conv_lstm_memory::update_backward): from the
// activated gates ig, gg, og, M_t, M_{t-1} and dL/dH^_t; dm holds dL/dM_t on entry and dL/dM_{t-1}
// through the update on exit; dgi, dgg, dgo receive the pre-activation gradients.
template <typename T>
__device__ __forceinline__ void update_backward(T ig, T gg, T og, T mt, T mp, T dH, T& dm, T& dgi,
                                                T& dgg, T& dgo) {
  const T dmt = dm + dH * og;
  dgo = dH * mt * og * (T(1) - og);
  dgi = dmt * (gg - mp) * ig * (T(1) - ig);
  dgg = dmt * ig * (T(1) - gg * gg);
  dm = dmt * (T(1) - ig);
}

}  // namespace vigil::cuda::conv_lstm_memory
