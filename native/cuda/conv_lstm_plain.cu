// The PLAIN ConvLSTM cell (Keras ConvLSTM2D; ops.h) over a whole sequence on the device, and the
// gate machinery (conv_lstm_gates), step for step as cpu/conv_lstm_plain.cpp:
// Forward: the input part of every step's gates, w_x * (x_t . m_k) + bias, is one conv over all
// T*B samples (x stacked time-major, one block per mask with four masks, as a grouped conv);
// then per step the recurrent conv w_h * h_{t-1} adds into that step's gates (cuda::conv2d with
// accumulate) and one fused kernel (a thread per element of [B,F,H,W]) activates the four gates
// in place, updates c and writes h; h is copied into y[:, t].
// Backward: per step one fused kernel (a thread per element) turns dh, dc into the four
// pre-activation gradients and dc_{t-1}, then dh_{t-1} is the w_h conv's input gradient; the
// weight and bias gradients of both convs and dx are one conv backward each over all T*B
// samples at the end.
// saved = gates [T,B,4F,H,W] (activated i, f, g, o) then cells [T,B,F,H,W] (c_t): the CPU's.
#include "cuda/basic.h"
#include "cuda/conv2d.h"
#include "cuda/conv_lstm.cuh"

namespace vigil::cuda {
namespace conv_lstm_gates {
namespace {

// The blocks x is stacked into: one per gate with four masks, else one.
ConvLstmBlocks input_blocks(const ConvLstmDims& d, const void* mask) {
  if (mask && d.mask_groups == 4) return ConvLstmBlocks{4, {0, 1, 2, 3}};
  return ConvLstmBlocks{1, {0, 0, 0, 0}};
}

}  // namespace

template <typename T>
vigil_status input_part(const ConvLstmDims& d, const T* x, const T* mask, const T* wx,
                        const T* bias, T* gates) {
  const ConvLstmBlocks blocks = input_blocks(d, mask);
  const int64_t nb = blocks.n;
  Scratch<T> xin;
  VIGIL_CHECK(xin.alloc(d.T * d.B * nb * d.Cin * d.hw()));
  VIGIL_CHECK(cuda::conv_lstm_stack_input(d, x, mask, blocks, xin.p));
  return cuda::conv2d_forward(conv_lstm_conv(d, d.T * d.B, nb * d.Cin, 4 * d.F, d.KH, d.KW, nb),
                              static_cast<const T*>(xin.p), wx, bias, gates);
}

template <typename T>
vigil_status step_forward(const ConvLstmDims& d, const T* wh, const T* hprev, T* gt, T* c,
                          T* h_out, T* c_save) {
  const int64_t B = d.B, S = d.F * d.hw(), G = 4 * S;
  const bool hard = d.hard;
  if (hprev)
    VIGIL_CHECK(cuda::conv2d_forward(conv_lstm_conv(d, B, d.F, 4 * d.F, d.KH, d.KW, 1), hprev,
                                     wh, static_cast<const T*>(nullptr), gt, true));
  // h_out may be hprev: the conv above has read it (stream order).
  return for_each(B * S, "conv_lstm_gates", [=] __device__(int64_t n) {
    const int64_t b = n / S, p = n % S;
    T* z = gt + b * G + p;
    const T i = conv_lstm_sigma(hard, z[0]), f = conv_lstm_sigma(hard, z[S]);
    const T g = tanh(z[2 * S]), o = conv_lstm_sigma(hard, z[3 * S]);
    z[0] = i;
    z[S] = f;
    z[2 * S] = g;
    z[3 * S] = o;
    const T cv = f * c[n] + i * g;
    c[n] = cv;
    if (c_save) c_save[n] = cv;
    h_out[n] = o * tanh(cv);
  });
}

template <typename T>
vigil_status step_backward(const ConvLstmDims& d, int64_t t, const T* gt, const T* c_t,
                           const T* cprev, const T* dy, const T* dh, T* dc, T* dgt) {
  const int64_t B = d.B, Tn = d.T, S = d.F * d.hw(), G = 4 * S;
  const bool hard = d.hard;
  // cprev null: c_{t-1} is the zero state.
  return for_each(B * S, "conv_lstm_gates_backward", [=] __device__(int64_t n) {
    const int64_t b = n / S, p = n % S;
    const T* a = gt + b * G + p;
    const T gi = a[0], gf = a[S], gg = a[2 * S], go = a[3 * S];
    const T th = tanh(c_t[n]);
    const T dht = dy ? dy[(b * Tn + t) * S + p] + dh[n] : dh[n];
    const T dct = dc[n] + dht * go * (T(1) - th * th);
    const T cp = cprev ? cprev[n] : T(0);
    T* dz = dgt + b * G + p;
    dz[0] = dct * gg * conv_lstm_sigma_grad(hard, gi);
    dz[S] = dct * cp * conv_lstm_sigma_grad(hard, gf);
    dz[2 * S] = dct * gi * (T(1) - gg * gg);
    dz[3 * S] = dht * th * conv_lstm_sigma_grad(hard, go);
    dc[n] = dct * gf;
  });
}

template <typename T>
vigil_status recurrent_input_grad(const ConvLstmDims& d, const T* wh, const T* dgt, T* dh) {
  VIGIL_CHECK(zero(dh, d.B * d.F * d.hw()));
  return cuda::conv2d_backward(conv_lstm_conv(d, d.B, d.F, 4 * d.F, d.KH, d.KW, 1),
                               static_cast<const T*>(nullptr), wh, dgt, dh,
                               static_cast<T*>(nullptr), static_cast<T*>(nullptr));
}

template <typename T>
vigil_status weight_grads(const ConvLstmDims& d, const T* x, const T* mask, const T* h0,
                          const T* y, const T* wx, const T* wh, const T* dgates, T* dx, T* dwx,
                          T* dwh, T* dbias) {
  const int64_t B = d.B, Tn = d.T, F = d.F, S = F * d.hw(), G = 4 * S;
  if (dwh) {  // dW_h over every step whose h_{t-1} is not the zero state
    const int64_t t0 = h0 ? 0 : 1;
    if (Tn > t0) {
      const int64_t n = (Tn - t0) * B;
      Scratch<T> hprev;
      VIGIL_CHECK(hprev.alloc(n * S));
      T* hp = hprev.p;
      VIGIL_CHECK(for_each(n * S, "conv_lstm_h_prev", [=] __device__(int64_t i) {
        const int64_t p = i % S, s = i / S, t = s / B + t0, b = s % B;
        hp[i] = t == 0 ? h0[b * S + p] : y[(b * Tn + t - 1) * S + p];
      }));
      VIGIL_CHECK(cuda::conv2d_backward(conv_lstm_conv(d, n, F, 4 * F, d.KH, d.KW, 1),
                                        static_cast<const T*>(hp), wh, dgates + t0 * B * G,
                                        static_cast<T*>(nullptr), dwh,
                                        static_cast<T*>(nullptr)));
    }
  }
  if (dx || dwx || dbias) {
    const ConvLstmBlocks blocks = input_blocks(d, mask);
    const int64_t nb = blocks.n, n = Tn * B * nb * d.Cin * d.hw();
    Scratch<T> xin, dxin;
    if (dwx) {
      VIGIL_CHECK(xin.alloc(n));
      VIGIL_CHECK(cuda::conv_lstm_stack_input(d, x, mask, blocks, xin.p));
    }
    if (dx) {
      VIGIL_CHECK(dxin.alloc(n));
      VIGIL_CHECK(zero(dxin.p, n));
    }
    VIGIL_CHECK(cuda::conv2d_backward(
        conv_lstm_conv(d, Tn * B, nb * d.Cin, 4 * F, d.KH, d.KW, nb),
        static_cast<const T*>(xin.p), wx, dgates, dxin.p, dwx, dbias));
    if (dx)
      VIGIL_CHECK(cuda::conv_lstm_unstack_input_grad(d, static_cast<const T*>(dxin.p), mask,
                                                     blocks, dx));
  }
  return VIGIL_OK;
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status input_part<T>(const ConvLstmDims&, const T*, const T*, const T*,       \
                                      const T*, T*);                                            \
  template vigil_status step_forward<T>(const ConvLstmDims&, const T*, const T*, T*, T*, T*,   \
                                        T*);                                                    \
  template vigil_status step_backward<T>(const ConvLstmDims&, int64_t, const T*, const T*,     \
                                         const T*, const T*, const T*, T*, T*);                 \
  template vigil_status recurrent_input_grad<T>(const ConvLstmDims&, const T*, const T*, T*);  \
  template vigil_status weight_grads<T>(const ConvLstmDims&, const T*, const T*, const T*,     \
                                        const T*, const T*, const T*, const T*, T*, T*, T*,     \
                                        T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace conv_lstm_gates

namespace conv_lstm_plain {

template <typename T>
vigil_status forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                     const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *wx = params[0], *wh = params[1], *bias = params[2];
  const int64_t B = d.B, Tn = d.T, S = d.F * d.hw(), G = 4 * S;
  Scratch<T> scratch, state;
  if (!saved) VIGIL_CHECK(scratch.alloc(Tn * B * G));
  T* gates = saved ? saved : scratch.p;
  T* cells = saved ? saved + Tn * B * G : nullptr;
  VIGIL_CHECK(conv_lstm_gates::input_part(d, x, mask, wx, bias, gates));
  VIGIL_CHECK(state.alloc(2 * B * S));  // h, c [B,F,H,W]
  T *h = state.p, *c = state.p + B * S;
  VIGIL_CHECK(h0 ? copy_bytes(h0, h, sizeof(T) * B * S) : zero(h, B * S));
  VIGIL_CHECK(c0 ? copy_bytes(c0, c, sizeof(T) * B * S) : zero(c, B * S));
  for (int64_t t = 0; t < Tn; ++t) {
    VIGIL_CHECK(conv_lstm_gates::step_forward(d, wh, t > 0 || h0 ? static_cast<const T*>(h)
                                                                 : static_cast<const T*>(nullptr),
                                              gates + t * B * G, c, h,
                                              cells ? cells + t * B * S : nullptr));
    VIGIL_CHECK(for_each(B * S, "conv_lstm_y", [=] __device__(int64_t n) {
      y[((n / S) * Tn + t) * S + n % S] = h[n];
    }));
  }
  if (c_n) VIGIL_CHECK(copy_bytes(c, c_n, sizeof(T) * B * S));
  return VIGIL_OK;
}

template <typename T>
vigil_status backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                      const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
                      T* const* dparams, T* dh0, T* dc0) {
  const T *wx = params[0], *wh = params[1];
  const int64_t B = d.B, Tn = d.T, S = d.F * d.hw(), G = 4 * S;
  const T* gates = saved;
  const T* cells = saved + Tn * B * G;
  Scratch<T> dgates, state;
  VIGIL_CHECK(dgates.alloc(Tn * B * G));
  VIGIL_CHECK(state.alloc(2 * B * S));  // dh, dc
  T *dh = state.p, *dc = state.p + B * S;
  VIGIL_CHECK(zero(state.p, 2 * B * S));
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* cprev = t > 0 ? cells + (t - 1) * B * S : c0;  // null: the zero state
    T* dgt = dgates.p + t * B * G;
    VIGIL_CHECK(conv_lstm_gates::step_backward(d, t, gates + t * B * G, cells + t * B * S, cprev,
                                               dy, static_cast<const T*>(dh), dc, dgt));
    if (t > 0 || (h0 && dh0))  // dh_{t-1} = w_h^T-conv of this step's gate gradients
      VIGIL_CHECK(conv_lstm_gates::recurrent_input_grad(d, wh, static_cast<const T*>(dgt), dh));
  }
  T* dh0w = h0 ? dh0 : nullptr;
  if (dh0w || dc0)
    VIGIL_CHECK(for_each(B * S, "conv_lstm_initial_state_grad", [=] __device__(int64_t i) {
      if (dh0w) dh0w[i] += dh[i];
      if (dc0) dc0[i] += dc[i];
    }));
  return conv_lstm_gates::weight_grads(d, x, mask, h0, y, wx, wh,
                                       static_cast<const T*>(dgates.p), dx, dparams[0],
                                       dparams[1], dparams[2]);
}

VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace conv_lstm_plain
}  // namespace vigil::cuda
