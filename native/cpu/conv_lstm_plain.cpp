// The PLAIN ConvLSTM cell (Keras ConvLSTM2D; ops.h) over a whole sequence on the CPU, and the
// gate machinery it shares with the SELF_ATTENTION_MEMORY cell (conv_lstm_gates in
// conv_lstm.h: that cell runs the same ConvLSTM step before its memory module).
// Forward: the input part of every step's gates, w_x * (x_t . m_k) + bias, is one conv over all
// T*B samples (time-major, masks applied per gate block as a 4-group conv when there are four
// masks); then per step the recurrent conv w_h * h_{t-1} adds into that step's gates and one
// fused pass per sample activates them and updates c and h.
// Backward: BPTT step by step needs only the recurrent conv's input gradient; the weight and
// bias gradients of both convs and dx are each one conv backward over all T*B samples at the
// end, from the pre-activation gate gradients of every step.
// saved = gates [T,B,4F,H,W] (activated i, f, g, o) then cells [T,B,F,H,W] (c_t).
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "cpu/conv_lstm.h"
#include "cpu/scratch.h"
#include "cpu/vec_act.h"

namespace vigil::cpu {
namespace conv_lstm_gates {
namespace {

template <typename T>
void apply_sigma(bool hard, T* z, int64_t n) {
  if (!hard) return sigmoid_n(z, z, n);
  for (int64_t p = 0; p < n; ++p) z[p] = conv_lstm_sigma(true, z[p]);
}

// The input blocks x is stacked into: one per gate with four masks, else one.
std::vector<int> input_blocks(const ConvLstmDims& d, const void* mask) {
  if (mask && d.mask_groups == 4) return {0, 1, 2, 3};
  return {0};
}

}  // namespace

template <typename T>
void input_part(const ConvLstmDims& d, const T* x, const T* mask, const T* wx, const T* bias,
                T* gates) {
  const std::vector<int> blocks = input_blocks(d, mask);
  const int64_t nb = static_cast<int64_t>(blocks.size());
  Scratch<T> xin(d.T * d.B * nb * d.Cin * d.hw());
  conv_lstm_stack_input(d, x, mask, blocks, xin.data());
  conv2d_forward(conv_lstm_same_conv(d, d.T * d.B, nb * d.Cin, 4 * d.F, d.KH, d.KW, nb),
                 xin.data(), wx, bias, gates);
}

template <typename T>
void step_forward(const ConvLstmDims& d, const T* wh, const T* hprev, T* gt, T* c, T* h_out,
                  T* c_save) {
  const int64_t B = d.B, S = d.F * d.hw(), G = 4 * S;
  if (hprev)
    conv2d_forward(conv_lstm_same_conv(d, B, d.F, 4 * d.F, d.KH, d.KW, 1), hprev, wh,
                   static_cast<const T*>(nullptr), gt, true);
  parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
    std::vector<T> tc(S);
    for (int64_t b = b0; b < b1; ++b) {
      T* zi = gt + b * G;
      T *zf = zi + S, *zg = zi + 2 * S, *zo = zi + 3 * S, *cb = c + b * S;
      apply_sigma(d.hard, zi, 2 * S);  // i and f are adjacent
      apply_sigma(d.hard, zo, S);
      tanh_n(zg, zg, S);
      for (int64_t p = 0; p < S; ++p) cb[p] = zf[p] * cb[p] + zi[p] * zg[p];
      if (c_save) std::copy(cb, cb + S, c_save + b * S);
      tanh_n(cb, tc.data(), S);
      T* hb = h_out + b * S;
      for (int64_t p = 0; p < S; ++p) hb[p] = zo[p] * tc[p];
    }
  });
}

template <typename T>
void step_backward(const ConvLstmDims& d, int64_t t, const T* gt, const T* c_t, const T* cprev,
                   const T* dy, const T* dh, T* dc, T* dgt) {
  const int64_t B = d.B, Tn = d.T, S = d.F * d.hw(), G = 4 * S;
  parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
    std::vector<T> tc(S);
    for (int64_t b = b0; b < b1; ++b) {
      const T* gi = gt + b * G;
      const T *gf = gi + S, *gg = gi + 2 * S, *go = gi + 3 * S, *cp = cprev + b * S;
      tanh_n(c_t + b * S, tc.data(), S);
      const T* dyb = dy ? dy + (b * Tn + t) * S : nullptr;
      const T* dhb = dh + b * S;
      T *dcb = dc + b * S, *di = dgt + b * G;
      T *df = di + S, *dg = di + 2 * S, *dout = di + 3 * S;
      for (int64_t p = 0; p < S; ++p) {
        const T dht = dyb ? dyb[p] + dhb[p] : dhb[p], th = tc[p];
        const T dct = dcb[p] + dht * go[p] * (T(1) - th * th);
        di[p] = dct * gg[p] * conv_lstm_sigma_grad(d.hard, gi[p]);
        df[p] = dct * cp[p] * conv_lstm_sigma_grad(d.hard, gf[p]);
        dg[p] = dct * gi[p] * (T(1) - gg[p] * gg[p]);
        dout[p] = dht * th * conv_lstm_sigma_grad(d.hard, go[p]);
        dcb[p] = dct * gf[p];
      }
    }
  });
}

template <typename T>
void recurrent_input_grad(const ConvLstmDims& d, const T* wh, const T* dgt, T* dh) {
  std::fill(dh, dh + d.B * d.F * d.hw(), T(0));
  conv2d_backward(conv_lstm_same_conv(d, d.B, d.F, 4 * d.F, d.KH, d.KW, 1),
                  static_cast<const T*>(nullptr), wh, dgt, dh, static_cast<T*>(nullptr),
                  static_cast<T*>(nullptr));
}

template <typename T>
void weight_grads(const ConvLstmDims& d, const T* x, const T* mask, const T* h0, const T* y,
                  const T* wx, const T* wh, const T* dgates, T* dx, T* dwx, T* dwh, T* dbias) {
  const int64_t B = d.B, Tn = d.T, F = d.F, S = F * d.hw(), G = 4 * S;
  if (dwh) {  // dW_h over every step whose h_{t-1} is not the zero state
    const int64_t t0 = h0 ? 0 : 1;
    if (Tn > t0) {
      Scratch<T> hprev((Tn - t0) * B * S);
      parallel_for(t0, Tn, 1, [&](int64_t s0, int64_t s1) {
        for (int64_t t = s0; t < s1; ++t)
          for (int64_t b = 0; b < B; ++b) {
            const T* src = t == 0 ? h0 + b * S : y + (b * Tn + t - 1) * S;
            std::copy(src, src + S, hprev.begin() + ((t - t0) * B + b) * S);
          }
      });
      conv2d_backward(conv_lstm_same_conv(d, (Tn - t0) * B, F, 4 * F, d.KH, d.KW, 1),
                      hprev.data(), wh, dgates + t0 * B * G, static_cast<T*>(nullptr), dwh,
                      static_cast<T*>(nullptr));
    }
  }
  if (dx || dwx || dbias) {
    const std::vector<int> blocks = input_blocks(d, mask);
    const int64_t nb = static_cast<int64_t>(blocks.size()), n = Tn * B * nb * d.Cin * d.hw();
    Scratch<T> xin(dwx ? n : 0), dxin(dx ? n : 0, true);
    if (dwx) conv_lstm_stack_input(d, x, mask, blocks, xin.data());
    conv2d_backward(conv_lstm_same_conv(d, Tn * B, nb * d.Cin, 4 * F, d.KH, d.KW, nb),
                    dwx ? xin.data() : static_cast<const T*>(nullptr), wx, dgates,
                    dx ? dxin.data() : static_cast<T*>(nullptr), dwx, dbias);
    if (dx) conv_lstm_unstack_input_grad(d, dxin.data(), mask, blocks, dx);
  }
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template void input_part<T>(const ConvLstmDims&, const T*, const T*, const T*, const T*, T*); \
  template void step_forward<T>(const ConvLstmDims&, const T*, const T*, T*, T*, T*, T*);       \
  template void step_backward<T>(const ConvLstmDims&, int64_t, const T*, const T*, const T*,    \
                                 const T*, const T*, T*, T*);                                   \
  template void recurrent_input_grad<T>(const ConvLstmDims&, const T*, const T*, T*);           \
  template void weight_grads<T>(const ConvLstmDims&, const T*, const T*, const T*, const T*,    \
                                const T*, const T*, const T*, T*, T*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace conv_lstm_gates

namespace conv_lstm_plain {

template <typename T>
void forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
             const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *wx = params[0], *wh = params[1], *bias = params[2];
  const int64_t B = d.B, Tn = d.T, S = d.F * d.hw(), G = 4 * S;
  Scratch<T> scratch(saved ? 0 : Tn * B * G);
  T* gates = saved ? saved : scratch.data();
  T* cells = saved ? saved + Tn * B * G : nullptr;
  conv_lstm_gates::input_part(d, x, mask, wx, bias, gates);
  Scratch<T> h(B * S, true), c(B * S, true);
  if (h0) std::copy(h0, h0 + B * S, h.begin());
  if (c0) std::copy(c0, c0 + B * S, c.begin());
  for (int64_t t = 0; t < Tn; ++t) {
    conv_lstm_gates::step_forward(d, wh, t > 0 || h0 ? h.data() : nullptr, gates + t * B * G,
                                  c.data(), h.data(), cells ? cells + t * B * S : nullptr);
    for (int64_t b = 0; b < B; ++b)
      std::copy(h.begin() + b * S, h.begin() + (b + 1) * S, y + (b * Tn + t) * S);
  }
  if (c_n) std::copy(c.begin(), c.end(), c_n);
}

template <typename T>
void backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
              const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
              T* const* dparams, T* dh0, T* dc0) {
  const T *wx = params[0], *wh = params[1];
  const int64_t B = d.B, Tn = d.T, S = d.F * d.hw(), G = 4 * S;
  const T* gates = saved;
  const T* cells = saved + Tn * B * G;
  Scratch<T> dgates(Tn * B * G), dh(B * S, true), dc(B * S, true);
  const Scratch<T> zeros(c0 ? 0 : B * S, true);
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* cprev = t > 0 ? cells + (t - 1) * B * S : c0 ? c0 : zeros.data();
    T* dgt = dgates.data() + t * B * G;
    conv_lstm_gates::step_backward(d, t, gates + t * B * G, cells + t * B * S, cprev, dy,
                                   dh.data(), dc.data(), dgt);
    if (t > 0 || (h0 && dh0))  // dh_{t-1} = w_h^T-conv of this step's gate gradients
      conv_lstm_gates::recurrent_input_grad(d, wh, dgt, dh.data());
  }
  if (dh0 && h0)
    for (int64_t i = 0; i < B * S; ++i) dh0[i] += dh[i];
  if (dc0)
    for (int64_t i = 0; i < B * S; ++i) dc0[i] += dc[i];
  conv_lstm_gates::weight_grads(d, x, mask, h0, y, wx, wh, dgates.data(), dx, dparams[0],
                                dparams[1], dparams[2]);
}

VIGIL_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace conv_lstm_plain
}  // namespace vigil::cpu
