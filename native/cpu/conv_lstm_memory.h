// What the two self-attention-memory cells share on the CPU (conv_lstm_self_attention_memory.cpp,
// Lin et al.; conv_lstm_seed_self_attention_memory.cpp, Macas' seed cell): the row softmax of
// their attention and its backward, the memory update and its backward, and the [c; M] cell
// state that c0, c_n and dc0 carry per sample.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/vec_act.h"

namespace vigil::cpu::conv_lstm_memory {

// y[i] = e^x[i] (the AVX2 polynomial of vec_act.h in f32 where built, ~2 ulp relative: the
// small weights keep their relative precision, which 1 + expm1 would round away).
template <typename T>
inline void exp_n(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
#ifdef VIGIL_VEC_ACT_AVX2
template <>
inline void exp_n<float>(const float* x, float* y, int64_t n) {
  act_detail::map8(x, y, n, act_detail::exp8);
}
#endif

// Each row of a [rows,n] replaced by its softmax: e^(s - max s) normalised by the sum (in
// double).
template <typename T>
void softmax_rows(T* a, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    T* v = a + r * n;
    T m = v[0];
    for (int64_t j = 1; j < n; ++j) m = v[j] > m ? v[j] : m;
    for (int64_t j = 0; j < n; ++j) v[j] -= m;
    exp_n(v, v, n);
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += v[j];
    const T inv = static_cast<T>(1.0 / s);
    for (int64_t j = 0; j < n; ++j) v[j] *= inv;
  }
}

// da [rows,n] (the gradient with respect to the softmax output a) becomes the logits' gradient
// in place: dS = a . (da - rowsum(da . a)).
template <typename T>
void softmax_rows_backward(const T* a, T* da, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* ar = a + r * n;
    T* dr = da + r * n;
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += static_cast<double>(dr[j]) * ar[j];
    const T st = static_cast<T>(s);
    for (int64_t j = 0; j < n; ++j) dr[j] = ar[j] * (dr[j] - st);
  }
}

// c0 [B,2F,N] (S = F*N per half) split into c [B,S] and M [B,S] (zeros without c0).
template <typename T>
void split_state(int64_t B, int64_t S, const T* c0, T* c, T* m) {
  for (int64_t b = 0; b < B; ++b) {
    if (c0) {
      std::copy(c0 + 2 * b * S, c0 + (2 * b + 1) * S, c + b * S);
      std::copy(c0 + (2 * b + 1) * S, c0 + (2 * b + 2) * S, m + b * S);
    } else {
      std::fill(c + b * S, c + (b + 1) * S, T(0));
      std::fill(m + b * S, m + (b + 1) * S, T(0));
    }
  }
}

// The inverse: out [B,2F,N] = [c; M] per sample, or += with accumulate (dc0).
template <typename T>
void join_state(int64_t B, int64_t S, const T* c, const T* m, T* out, bool accumulate) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t p = 0; p < S; ++p) {
      T* oc = out + 2 * b * S + p;
      T* om = out + (2 * b + 1) * S + p;
      *oc = (accumulate ? *oc : T(0)) + c[b * S + p];
      *om = (accumulate ? *om : T(0)) + m[b * S + p];
    }
}

// The memory update over n elements from the activated gates i', g', o':
// M <- (1 - i') M + i' g';  h_out = o' M.
template <typename T>
inline void update(const T* ig, const T* gg, const T* og, T* m, T* h_out, int64_t n) {
  for (int64_t p = 0; p < n; ++p) {
    m[p] = (T(1) - ig[p]) * m[p] + ig[p] * gg[p];
    h_out[p] = og[p] * m[p];
  }
}

// Its backward over n elements: dL/dH^_t = dy + dh (dy may be null), dm holds dL/dM_t on entry
// (from later steps) and dL/dM_{t-1} through the update on exit; dgi, dgg, dgo receive the
// gates' pre-activation gradients (i', o' sigmoid, g' tanh). mt = M_t, mp = M_{t-1}.
template <typename T>
inline void update_backward(const T* ig, const T* gg, const T* og, const T* mt, const T* mp,
                            const T* dy, const T* dh, T* dm, T* dgi, T* dgg, T* dgo, int64_t n) {
  for (int64_t p = 0; p < n; ++p) {
    const T dH = (dy ? dy[p] : T(0)) + dh[p];
    const T dmt = dm[p] + dH * og[p];
    dgo[p] = dH * mt[p] * og[p] * (T(1) - og[p]);
    dgi[p] = dmt * (gg[p] - mp[p]) * ig[p] * (T(1) - ig[p]);
    dgg[p] = dmt * ig[p] * (T(1) - gg[p] * gg[p]);
    dm[p] = dmt * (T(1) - ig[p]);
  }
}

}  // namespace vigil::cpu::conv_lstm_memory
