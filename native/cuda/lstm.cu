// One LSTM layer on the device (the math is in vigil/ops.h, vigil_lstm_forward), the recurrence
// as a launch sequence on the engine's stream:
//   forward:  Z = X W_ih^T for every step at once (one GEMM, rows (b, t) of [B, T, 4H]); then per
//             step t a GEMM adds h_{t-1} W_hh^T into Z's rows of step t (ldc = T*4H) and one fused
//             pointwise kernel adds the biases, activates the gates, updates c and writes h.
//   backward: per step t (backwards) one fused pointwise kernel turns dh, dc into dZ_t and the
//             next dc, then dh_{t-1} = dZ_t W_hh (a GEMM); after the loop dX, dW_ih, dW_hh are
//             one GEMM each over all B*T rows, and db the column sums of dZ.
// With tanh(c) = tc and activated gates i, f, g, o (cell_backward of cpu/lstm.cpp):
//   dc_t = dc + dh o (1 - tc^2);  dz_i = dc_t g i (1-i);  dz_f = dc_t c_{t-1} f (1-f)
//   dz_g = dc_t i (1 - g^2);      dz_o = dh tc o (1-o);   dc_{t-1} = dc_t f
// Weights are read from memory at every step (a persistent kernel that keeps W_hh on chip is the
// next step for small H).
#include "cuda/basic.h"
#include "cuda/common.cuh"
#include "cuda/gemm.h"
#include "cuda/lstm.h"
#include "cuda/reduce.h"

namespace vigil::cuda {

template <typename T>
vigil_status lstm_forward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh,
                          const T* b_ih, const T* b_hh, const T* h0, const T* c0, T* y, T* h_n,
                          T* c_n, T* gates, T* cells) {
  const int64_t B = d.B, Tn = d.T, I = d.I, H = d.H, G = 4 * H;
  if (Tn == 0) {  // the last state is the initial one
    VIGIL_CHECK(h0 ? copy_bytes(h0, h_n, sizeof(T) * B * H) : zero(h_n, B * H));
    return c0 ? copy_bytes(c0, c_n, sizeof(T) * B * H) : zero(c_n, B * H);
  }
  Scratch<T> zx, cbuf;  // pre-activations [B, T, 4H]; the cell state at inference [B, H]
  VIGIL_CHECK(zx.alloc(B * Tn * G));
  if (!cells) VIGIL_CHECK(cbuf.alloc(B * H));
  T* z = zx.p;
  T* cb = cbuf.p;
  VIGIL_CHECK(gemm<T>(false, true, B * Tn, G, I, T(1), x, I, w_ih, I, T(0), z, G));
  for (int64_t t = 0; t < Tn; ++t) {
    const T* hp = t ? y + (t - 1) * H : h0;  // h_{t-1}: rows of y (ld T*H), or h0 (ld H)
    if (hp)
      VIGIL_CHECK(gemm<T>(false, true, B, G, H, T(1), hp, t ? Tn * H : H, w_hh, H, T(1),
                          z + t * G, Tn * G));
    const bool last = t == Tn - 1;
    VIGIL_CHECK(for_each(B * H, "lstm_cell", [=] __device__(int64_t i) {
      const int64_t b = i / H, j = i % H;
      const T* zr = z + (b * Tn + t) * G;
      T pre[4];
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const int64_t k = q * H + j;
        pre[q] = zr[k] + ((b_ih ? b_ih[k] : T(0)) + (b_hh ? b_hh[k] : T(0)));
      }
      const T gi = sigmoid(pre[0]), gf = sigmoid(pre[1]), gg = tanh(pre[2]), go = sigmoid(pre[3]);
      const int64_t row = t * B + b;
      const T cp = t ? (cells ? cells[(row - B) * H + j] : cb[b * H + j]) : (c0 ? c0[b * H + j] : T(0));
      const T c = gf * cp + gi * gg;
      const T h = go * tanh(c);
      if (gates) {
        T* a = gates + row * G;
        a[j] = gi;
        a[H + j] = gf;
        a[2 * H + j] = gg;
        a[3 * H + j] = go;
      }
      if (cells) cells[row * H + j] = c;
      else cb[b * H + j] = c;
      y[(b * Tn + t) * H + j] = h;
      if (last) {
        h_n[b * H + j] = h;
        c_n[b * H + j] = c;
      }
    }));
  }
  return VIGIL_OK;
}

template <typename T>
vigil_status lstm_backward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh,
                           const T* h0, const T* c0, const T* y, const T* gates, const T* cells,
                           const T* dy, const T* dh_n, const T* dc_n, T* dx, T* dw_ih, T* dw_hh,
                           T* db_ih, T* db_hh, T* dh0, T* dc0) {
  const int64_t B = d.B, Tn = d.T, I = d.I, H = d.H, G = 4 * H;
  if (!(dx || dw_ih || dw_hh || db_ih || db_hh || dh0 || dc0)) return VIGIL_OK;
  Scratch<T> dzs, state;  // dZ [B, T, 4H]; dh, dc [B, H] each
  VIGIL_CHECK(dzs.alloc(B * Tn * G));
  VIGIL_CHECK(state.alloc(2 * B * H));
  T *dZ = dzs.p, *dh = state.p, *dc = state.p + B * H;
  VIGIL_CHECK(dh_n ? copy_bytes(dh_n, dh, sizeof(T) * B * H) : zero(dh, B * H));
  VIGIL_CHECK(dc_n ? copy_bytes(dc_n, dc, sizeof(T) * B * H) : zero(dc, B * H));
  for (int64_t t = Tn - 1; t >= 0; --t) {
    VIGIL_CHECK(for_each(B * H, "lstm_cell_backward", [=] __device__(int64_t i) {
      const int64_t b = i / H, j = i % H, row = t * B + b;
      const T* a = gates + row * G;
      const T gi = a[j], gf = a[H + j], gg = a[2 * H + j], go = a[3 * H + j];
      const T dhv = dh[i] + (dy ? dy[(b * Tn + t) * H + j] : T(0));
      const T cp = t ? cells[(row - B) * H + j] : (c0 ? c0[i] : T(0));
      const T tc = tanh(cells[row * H + j]);
      const T dct = dc[i] + dhv * go * (T(1) - tc * tc);
      T* dz = dZ + (b * Tn + t) * G;
      dz[j] = dct * gg * gi * (T(1) - gi);
      dz[H + j] = dct * cp * gf * (T(1) - gf);
      dz[2 * H + j] = dct * gi * (T(1) - gg * gg);
      dz[3 * H + j] = dhv * tc * go * (T(1) - go);
      dc[i] = dct * gf;
    }));
    if (t || dh0)  // dh_{t-1} = dz_t W_hh
      VIGIL_CHECK(gemm<T>(false, false, B, H, G, T(1), dZ + t * G, Tn * G, w_hh, H, T(0), dh, H));
  }
  if (dh0 || dc0)
    VIGIL_CHECK(for_each(B * H, "lstm_initial_state_grad", [=] __device__(int64_t i) {
      if (dh0) dh0[i] += dh[i];
      if (dc0) dc0[i] += dc[i];
    }));
  const int64_t rows = B * Tn;
  if (dx) VIGIL_CHECK(gemm<T>(false, false, rows, I, G, T(1), dZ, G, w_ih, I, T(1), dx, I));
  if (dw_ih) VIGIL_CHECK(gemm<T>(true, false, G, I, rows, T(1), dZ, G, x, I, T(1), dw_ih, I));
  if (dw_hh && rows > 0) {  // rows (b, t) of [h_{t-1}], h_{-1} = h0 or 0
    Scratch<T> hprev;
    VIGIL_CHECK(hprev.alloc(rows * H));
    T* hp = hprev.p;
    VIGIL_CHECK(for_each(rows * H, "lstm_h_prev", [=] __device__(int64_t i) {
      const int64_t j = i % H, bt = i / H, t = bt % Tn, b = bt / Tn;
      hp[i] = t ? y[i - H] : (h0 ? h0[b * H + j] : T(0));
    }));
    VIGIL_CHECK(gemm<T>(true, false, G, H, rows, T(1), dZ, G, hp, H, T(1), dw_hh, H));
  }
  for (T* db : {db_ih, db_hh})
    if (db) VIGIL_CHECK(sum_to(static_cast<const T*>(dZ), cpu::Shape{rows, G}, db, cpu::Shape{1, G}, 1.0, true));
  return VIGIL_OK;
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status lstm_forward<T>(const LstmDims&, const T*, const T*, const T*,         \
                                        const T*, const T*, const T*, const T*, T*, T*, T*, T*, \
                                        T*);                                                    \
  template vigil_status lstm_backward<T>(const LstmDims&, const T*, const T*, const T*,        \
                                         const T*, const T*, const T*, const T*, const T*,      \
                                         const T*, const T*, const T*, T*, T*, T*, T*, T*, T*,  \
                                         T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
