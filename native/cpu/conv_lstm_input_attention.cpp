// The INPUT_ATTENTION ConvLSTM cell (STAEAD's AttenInputConvLSTM2D; the equations are in
// vigil/ops.h) over a whole sequence on the CPU. Params: 0 dw_x, 1 pw_x, 2 dw_h, 3 pw_h, 4 bias,
// 5 gw_x, 6 gw_h, 7 gate_bias. Maps per sample: S = F*H*W; "pre" [.,2F,H,W] holds the i-branch
// pre-activation (rows [0,F), tanh gives s) and the g-branch one (rows [F,2F), tanh gives g).
//
// Forward:
//  - the input part of both branches over all T*B samples at once: x is stacked time-major as
//    [x . m_0, x . m_2] (2*Cin channels), one depthwise conv (dw_x, 2*Cin groups) and one 1x1 conv
//    in 2 groups (pw_x, + bias) give pre for every step; the gates' input part
//    gw_x . mean_{H,W}(x_t) + gate_bias is one GEMM over all steps.
//  - per step: h_{t-1} duplicated to 2F channels goes through the depthwise dw_h[0,2F) and the
//    grouped 1x1 pw_h[0,2F), accumulated onto the step's pre; one pass per sample takes tanh of
//    both branches; the attention logits z = sep(s; dw_h[2F,3F), pw_h[2F,3F)) are two convs over
//    the B samples; a last fused pass per sample forms f, o (means of h_{t-1}, gw_h), i = exp(z -
//    max z) per channel, c_t and h_t.
// Backward (BPTT): per step one fused pass per sample gives dpre_g, dz, the f/o gate gradients
// and dc_{t-1}; the attention convs' input gradient (two convs over B) gives dpre_s; the
// recurrent separable conv's input gradient plus the gates' mean term gives dh_{t-1}. Every
// weight gradient is one conv backward over all steps at the end (the depthwise outputs they
// read are recomputed there: a depthwise conv costs K*K per element, far below the 1x1 convs).
//
// The attention gate i = exp(z - z_m) with m the first position of max z (per sample and
// channel): i_m = 1 whatever z, and for q != m di_q/dz_q = i_q, di_q/dz_m = -i_q. So with
// e_q = (dL/di_q) i_q: dL/dz_q = e_q for q != m and dL/dz_m = -sum_{q != m} e_q. The same rule
// (first maximal z) picks m in the forward and the backward, from the same saved z, so ties and
// near-ties (where exp(z_q - z_m) rounds to 1) are resolved identically both ways.
//
// saved (4F*H*W + 2F per sample and step), in blocks:
//   s [T,B,F,H,W]   tanh of the i branch (the attention convs' input; tanh' = 1 - s^2)
//   z [T,B,F,H,W]   the attention logits (i = exp(z - max z) is recomputed: one exp per
//                   element, and the argmax must come from z, not from a rounded i)
//   g [T,B,F,H,W]   tanh of the g branch
//   c [T,B,F,H,W]   c_t
//   fo [T,B,2F]     the activated f then o gates
// h_{t-1} is y's previous step (or h0).
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "cpu/conv_lstm.h"
#include "cpu/scratch.h"
#include "cpu/gemm.h"
#include "cpu/vec_act.h"

namespace vigil::cpu::conv_lstm_input_attention {
namespace {

// The blocks x is stacked into: the i branch reads m_0, the g branch m_2.
const std::vector<int> kBlocks = {0, 2};

// Depthwise conv over [batch, c, H, W] with the cell's kernel, and a 1x1 conv c -> cout in
// `groups` groups.
Conv2dDims depthwise_conv(const ConvLstmDims& d, int64_t batch, int64_t c) {
  return conv_lstm_same_conv(d, batch, c, c, d.KH, d.KW, c);
}
Conv2dDims pointwise_conv(const ConvLstmDims& d, int64_t batch, int64_t c, int64_t cout,
                          int64_t groups) {
  return conv_lstm_same_conv(d, batch, c, cout, 1, 1, groups);
}

// means [T*B, C] (time-major rows) of v [B,T,C,HW] over the maps.
template <typename T>
void time_major_means(const ConvLstmDims& d, const T* v, int64_t C, T* means) {
  const int64_t HW = d.hw();
  parallel_for(0, d.T * d.B, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t t = s / d.B, b = s % d.B;
      const T* src = v + (b * d.T + t) * C * HW;
      for (int64_t c = 0; c < C; ++c) {
        T a = 0;
        for (int64_t p = 0; p < HW; ++p) a += src[c * HW + p];
        means[s * C + c] = a / T(HW);
      }
    }
  });
}

// dst [2F, HW] = [src; src] for one sample's h [F, HW].
template <typename T>
void duplicate(const T* src, int64_t S, T* dst) {
  std::copy(src, src + S, dst);
  std::copy(src, src + S, dst + S);
}

// i [HW] = exp(z - max z) for one channel; returns the first position of the max. exp(v) is
// taken as 1 + expm1(v) (v <= 0) through elu_n, whose f32 path is vectorised; i_m is exactly 1.
template <typename T>
int64_t attention(const T* z, int64_t HW, T* i) {
  int64_t m = 0;
  for (int64_t p = 1; p < HW; ++p)
    if (z[p] > z[m]) m = p;
  const T zm = z[m];
  for (int64_t p = 0; p < HW; ++p) i[p] = z[p] - zm;
  elu_n(i, i, HW, T(1));
  for (int64_t p = 0; p < HW; ++p) i[p] += T(1);
  return m;
}

template <typename T>
void apply_sigma(bool hard, T* z, int64_t n) {
  if (!hard) return sigmoid_n(z, z, n);
  for (int64_t p = 0; p < n; ++p) z[p] = conv_lstm_sigma(true, z[p]);
}

}  // namespace

template <typename T>
void forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
             const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *dwx = params[0], *pwx = params[1], *dwh = params[2], *pwh = params[3];
  const T *bias = params[4], *gwx = params[5], *gwh = params[6], *gbias = params[7];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, Cin = d.Cin, HW = d.hw(), S = F * HW;
  const int64_t KK = d.KH * d.KW;
  Scratch<T> pre(TB * 2 * S);  // [T,B,2F,HW]
  {
    Scratch<T> xin(TB * 2 * Cin * HW), xdw(TB * 2 * Cin * HW);
    conv_lstm_stack_input(d, x, mask, kBlocks, xin.data());
    conv2d_forward(depthwise_conv(d, TB, 2 * Cin), xin.data(), dwx, static_cast<const T*>(nullptr),
                   xdw.data());
    conv2d_forward(pointwise_conv(d, TB, 2 * Cin, 2 * F, 2), xdw.data(), pwx, bias, pre.data());
  }
  Scratch<T> gx(TB * 2 * F);  // [T*B, 2F]: gw_x . mean(x_t) + gate_bias
  {
    Scratch<T> xm(TB * Cin);
    time_major_means(d, x, Cin, xm.data());
    gemm<T>(false, true, TB, 2 * F, Cin, T(1), xm.data(), Cin, gwx, Cin, T(0), gx.data(), 2 * F);
    if (gbias)
      for (int64_t s = 0; s < TB; ++s)
        for (int64_t k = 0; k < 2 * F; ++k) gx[s * 2 * F + k] += gbias[k];
  }
  T* s_all = saved;
  T* z_all = saved ? saved + TB * S : nullptr;
  T* g_all = saved ? saved + 2 * TB * S : nullptr;
  T* c_all = saved ? saved + 3 * TB * S : nullptr;
  T* fo_all = saved ? saved + 4 * TB * S : nullptr;
  Scratch<T> h(B * S, true), c(B * S, true), hh(B * 2 * S), hdw(B * 2 * S), sdw(B * S);
  Scratch<T> s_step(saved ? 0 : B * S), z_step(saved ? 0 : B * S);
  if (h0) std::copy(h0, h0 + B * S, h.begin());
  if (c0) std::copy(c0, c0 + B * S, c.begin());
  const Conv2dDims rec_dw = depthwise_conv(d, B, 2 * F);
  const Conv2dDims rec_pw = pointwise_conv(d, B, 2 * F, 2 * F, 2);
  const Conv2dDims att_dw = depthwise_conv(d, B, F), att_pw = pointwise_conv(d, B, F, F, 1);
  for (int64_t t = 0; t < Tn; ++t) {
    T* pt = pre.data() + t * B * 2 * S;
    T* st = saved ? s_all + t * B * S : s_step.data();
    T* zt = saved ? z_all + t * B * S : z_step.data();
    if (t > 0 || h0) {
      parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) duplicate(h.data() + b * S, S, hh.data() + b * 2 * S);
      });
      conv2d_forward(rec_dw, hh.data(), dwh, static_cast<const T*>(nullptr), hdw.data());
      conv2d_forward(rec_pw, hdw.data(), pwh, static_cast<const T*>(nullptr), pt, true);
    }
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        T* pb = pt + b * 2 * S;
        tanh_n(pb, st + b * S, S);          // s
        tanh_n(pb + S, pb + S, S);          // g, kept in pre
        if (saved) std::copy(pb + S, pb + 2 * S, g_all + (t * B + b) * S);
      }
    });
    conv2d_forward(att_dw, st, dwh + 2 * F * KK, static_cast<const T*>(nullptr), sdw.data());
    conv2d_forward(att_pw, sdw.data(), pwh + 2 * F * F, static_cast<const T*>(nullptr), zt);
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> gate(2 * F), hm(F), i(HW);
      for (int64_t b = b0; b < b1; ++b) {
        T* hb = h.data() + b * S;
        T* cb = c.data() + b * S;
        for (int64_t j = 0; j < F; ++j) {
          T a = 0;
          for (int64_t p = 0; p < HW; ++p) a += hb[j * HW + p];
          hm[j] = a / T(HW);
        }
        const T* gxs = gx.data() + (t * B + b) * 2 * F;
        for (int64_t k = 0; k < 2 * F; ++k) {
          T a = gxs[k];
          for (int64_t j = 0; j < F; ++j) a += gwh[k * F + j] * hm[j];
          gate[k] = a;
        }
        apply_sigma(d.hard, gate.data(), 2 * F);
        if (saved) std::copy(gate.begin(), gate.end(), fo_all + (t * B + b) * 2 * F);
        const T* gb = pt + b * 2 * S + S;
        const T* zb = zt + b * S;
        for (int64_t j = 0; j < F; ++j) {
          attention(zb + j * HW, HW, i.data());
          const T f = gate[j];
          T* cc = cb + j * HW;
          const T* gg = gb + j * HW;
          for (int64_t p = 0; p < HW; ++p) cc[p] = f * cc[p] + i[p] * gg[p];
        }
        if (c_all) std::copy(cb, cb + S, c_all + (t * B + b) * S);
        tanh_n(cb, hb, S);
        for (int64_t j = 0; j < F; ++j) {
          const T o = gate[F + j];
          for (int64_t p = 0; p < HW; ++p) hb[j * HW + p] *= o;
        }
        std::copy(hb, hb + S, y + (b * Tn + t) * S);
      }
    });
  }
  if (c_n) std::copy(c.begin(), c.end(), c_n);
}

template <typename T>
void backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
              const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
              T* const* dparams, T* dh0, T* dc0) {
  const T *dwx = params[0], *pwx = params[1], *dwh = params[2], *pwh = params[3];
  const T *gwx = params[5], *gwh = params[6];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, Cin = d.Cin, HW = d.hw(), S = F * HW;
  const int64_t KK = d.KH * d.KW;
  const T* s_all = saved;
  const T* z_all = saved + TB * S;
  const T* g_all = saved + 2 * TB * S;
  const T* c_all = saved + 3 * TB * S;
  const T* fo_all = saved + 4 * TB * S;
  // Every step's gradients, kept for the weight gradients at the end: dpre [T,B,2F,HW] (pre_s,
  // pre_g), dz and d(sdw) [T,B,F,HW] (the attention convs' output and middle), d(hdw)
  // [T,B,2F,HW] (the recurrent depthwise output), dgate [T,B,2F] (f, o pre-activations).
  Scratch<T> dpre(TB * 2 * S), dz(TB * S), dsdw(TB * S, true), dhdw(TB * 2 * S, true);
  Scratch<T> dgate(TB * 2 * F), hm(TB * F, true);
  Scratch<T> dh(B * S, true), dc(B * S, true), ds(B * S), dhh(B * 2 * S);
  const Scratch<T> zeros(c0 ? 0 : B * S, true);
  const Conv2dDims rec_dw = depthwise_conv(d, B, 2 * F);
  const Conv2dDims rec_pw = pointwise_conv(d, B, 2 * F, 2 * F, 2);
  const Conv2dDims att_dw = depthwise_conv(d, B, F), att_pw = pointwise_conv(d, B, F, F, 1);
  const bool want_dw_h = dparams[2] != nullptr;
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* cprev = t > 0 ? c_all + (t - 1) * B * S : c0 ? c0 : zeros.data();
    T* dpt = dpre.data() + t * B * 2 * S;
    T* dzt = dz.data() + t * B * S;
    T* dgt = dgate.data() + t * B * 2 * F;
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> tc(S), i(HW);
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t sb = t * B + b;
        const T* hp = t > 0 ? y + (b * Tn + t - 1) * S : h0 ? h0 + b * S : nullptr;
        if (hp)
          for (int64_t j = 0; j < F; ++j) {
            T a = 0;
            for (int64_t p = 0; p < HW; ++p) a += hp[j * HW + p];
            hm[sb * F + j] = a / T(HW);
          }
        tanh_n(c_all + sb * S, tc.data(), S);
        const T* fo = fo_all + sb * 2 * F;
        const T* dyb = dy + (b * Tn + t) * S;
        T *dhb = dh.data() + b * S, *dcb = dc.data() + b * S;
        for (int64_t j = 0; j < F; ++j) {
          const int64_t off = j * HW;
          const int64_t m = attention(z_all + sb * S + off, HW, i.data());
          const T f = fo[j], o = fo[F + j];
          const T *gg = g_all + sb * S + off, *th = tc.data() + off, *cp = cprev + b * S + off;
          T* dg = dpt + b * 2 * S + S + off;
          T* dzc = dzt + b * S + off;
          T so = 0, sf = 0, se = 0;
          for (int64_t p = 0; p < HW; ++p) {
            const T dht = dyb[off + p] + dhb[off + p];
            so += dht * th[p];
            const T dct = dcb[off + p] + dht * o * (T(1) - th[p] * th[p]);
            sf += dct * cp[p];
            const T e = dct * gg[p] * i[p];  // (dL/di) i
            dzc[p] = e;
            se += e;
            dg[p] = dct * i[p] * (T(1) - gg[p] * gg[p]);
            dcb[off + p] = dct * f;
          }
          dzc[m] -= se;  // = -sum_{q != m} e_q, as e_m = dL/di_m (i_m = 1)
          dgt[b * 2 * F + j] = sf * conv_lstm_sigma_grad(d.hard, f);
          dgt[b * 2 * F + F + j] = so * conv_lstm_sigma_grad(d.hard, o);
        }
      }
    });
    // dpre_s = sep(.; dw_h_a, pw_h_a)^T dz . (1 - s^2)
    T* dsdwt = dsdw.data() + t * B * S;
    conv2d_backward(att_pw, static_cast<const T*>(nullptr), pwh + 2 * F * F, dzt, dsdwt,
                    static_cast<T*>(nullptr), static_cast<T*>(nullptr));
    std::fill(ds.begin(), ds.end(), T(0));
    conv2d_backward(att_dw, static_cast<const T*>(nullptr), dwh + 2 * F * KK, dsdwt, ds.data(),
                    static_cast<T*>(nullptr), static_cast<T*>(nullptr));
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const T* sv = s_all + (t * B + b) * S;
        const T* dsb = ds.data() + b * S;
        T* dps = dpt + b * 2 * S;
        for (int64_t p = 0; p < S; ++p) dps[p] = dsb[p] * (T(1) - sv[p] * sv[p]);
      }
    });
    const bool need_dh = t > 0 || (h0 && dh0);
    if (need_dh || (t == 0 && h0 && want_dw_h)) {
      T* dhdwt = dhdw.data() + t * B * 2 * S;
      conv2d_backward(rec_pw, static_cast<const T*>(nullptr), pwh, dpt, dhdwt,
                      static_cast<T*>(nullptr), static_cast<T*>(nullptr));
      if (need_dh) {
        std::fill(dhh.begin(), dhh.end(), T(0));
        conv2d_backward(rec_dw, static_cast<const T*>(nullptr), dwh, dhdwt, dhh.data(),
                        static_cast<T*>(nullptr), static_cast<T*>(nullptr));
        parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
          std::vector<T> dhm(F);
          for (int64_t b = b0; b < b1; ++b) {
            const T* dgb = dgt + b * 2 * F;
            for (int64_t j = 0; j < F; ++j) {
              T a = 0;
              for (int64_t k = 0; k < 2 * F; ++k) a += dgb[k] * gwh[k * F + j];
              dhm[j] = a / T(HW);
            }
            const T* d1 = dhh.data() + b * 2 * S;
            T* dhb = dh.data() + b * S;
            for (int64_t j = 0; j < F; ++j)
              for (int64_t p = 0; p < HW; ++p) {
                const int64_t q = j * HW + p;
                dhb[q] = d1[q] + d1[S + q] + dhm[j];
              }
          }
        });
      }
    }
  }
  if (dh0 && h0)
    for (int64_t k = 0; k < B * S; ++k) dh0[k] += dh[k];
  if (dc0)
    for (int64_t k = 0; k < B * S; ++k) dc0[k] += dc[k];

  // The gates: gate = gw_x . mean(x_t) + gw_h . mean(h_{t-1}) + gate_bias.
  if (dparams[7])
    for (int64_t s = 0; s < TB; ++s)
      for (int64_t k = 0; k < 2 * F; ++k) dparams[7][k] += dgate[s * 2 * F + k];
  if (dparams[6])
    gemm<T>(true, false, 2 * F, F, TB, T(1), dgate.data(), 2 * F, hm.data(), F, T(1), dparams[6],
            F);
  if (dparams[5]) {
    Scratch<T> xm(TB * Cin);
    time_major_means(d, x, Cin, xm.data());
    gemm<T>(true, false, 2 * F, Cin, TB, T(1), dgate.data(), 2 * F, xm.data(), Cin, T(1),
            dparams[5], Cin);
  }
  if (dx) {  // dx_t += (dgate . gw_x) / HW on every position (x unmasked)
    Scratch<T> dxm(TB * Cin);
    gemm<T>(false, false, TB, Cin, 2 * F, T(1) / T(HW), dgate.data(), 2 * F, gwx, Cin, T(0),
            dxm.data(), Cin);
    parallel_for(0, TB, 1, [&](int64_t s0, int64_t s1) {
      for (int64_t s = s0; s < s1; ++s) {
        const int64_t t = s / B, b = s % B;
        T* dxs = dx + (b * Tn + t) * Cin * HW;
        for (int64_t c = 0; c < Cin; ++c)
          for (int64_t p = 0; p < HW; ++p) dxs[c * HW + p] += dxm[s * Cin + c];
      }
    });
  }

  // The attention convs' weights, over every step: z = pw_h_a (dw_h_a * s).
  if (dparams[3]) {
    Scratch<T> sdw(TB * S);
    conv2d_forward(depthwise_conv(d, TB, F), s_all, dwh + 2 * F * KK,
                   static_cast<const T*>(nullptr), sdw.data());
    conv2d_backward(pointwise_conv(d, TB, F, F, 1), sdw.data(), pwh + 2 * F * F, dz.data(),
                    static_cast<T*>(nullptr), dparams[3] + 2 * F * F, static_cast<T*>(nullptr));
  }
  if (dparams[2])
    conv2d_backward(depthwise_conv(d, TB, F), s_all, dwh + 2 * F * KK, dsdw.data(),
                    static_cast<T*>(nullptr), dparams[2] + 2 * F * KK, static_cast<T*>(nullptr));

  // The recurrent convs' weights, over every step whose h_{t-1} is not the zero state.
  const int64_t t0 = h0 ? 0 : 1;
  if ((dparams[2] || dparams[3]) && Tn > t0) {
    const int64_t n = (Tn - t0) * B;
    Scratch<T> hh(n * 2 * S);
    parallel_for(t0, Tn, 1, [&](int64_t s0, int64_t s1) {
      for (int64_t t = s0; t < s1; ++t)
        for (int64_t b = 0; b < B; ++b)
          duplicate(t == 0 ? h0 + b * S : y + (b * Tn + t - 1) * S, S,
                    hh.data() + ((t - t0) * B + b) * 2 * S);
    });
    if (dparams[3]) {
      Scratch<T> hdw(n * 2 * S);
      conv2d_forward(depthwise_conv(d, n, 2 * F), hh.data(), dwh, static_cast<const T*>(nullptr),
                     hdw.data());
      conv2d_backward(pointwise_conv(d, n, 2 * F, 2 * F, 2), hdw.data(), pwh,
                      dpre.data() + t0 * B * 2 * S, static_cast<T*>(nullptr), dparams[3],
                      static_cast<T*>(nullptr));
    }
    if (dparams[2])
      conv2d_backward(depthwise_conv(d, n, 2 * F), hh.data(), dwh,
                      dhdw.data() + t0 * B * 2 * S, static_cast<T*>(nullptr), dparams[2],
                      static_cast<T*>(nullptr));
  }

  // The input part: pre += pw_x (dw_x * [x . m_0, x . m_2]) + bias, over all T*B samples.
  if (dx || dparams[0] || dparams[1] || dparams[4]) {
    const int64_t n = TB * 2 * Cin * HW;
    Scratch<T> xin(dparams[0] || dparams[1] ? n : 0), xdw(dparams[1] ? n : 0);
    Scratch<T> dxdw(dx || dparams[0] ? n : 0, true);
    if (!xin.empty()) conv_lstm_stack_input(d, x, mask, kBlocks, xin.data());
    if (dparams[1])
      conv2d_forward(depthwise_conv(d, TB, 2 * Cin), xin.data(), dwx,
                     static_cast<const T*>(nullptr), xdw.data());
    conv2d_backward(pointwise_conv(d, TB, 2 * Cin, 2 * F, 2),
                    dparams[1] ? xdw.data() : static_cast<const T*>(nullptr), pwx, dpre.data(),
                    dxdw.empty() ? static_cast<T*>(nullptr) : dxdw.data(), dparams[1],
                    dparams[4]);
    if (dx || dparams[0]) {
      Scratch<T> dxin(dx ? n : 0, true);
      conv2d_backward(depthwise_conv(d, TB, 2 * Cin),
                      dparams[0] ? xin.data() : static_cast<const T*>(nullptr), dwx, dxdw.data(),
                      dx ? dxin.data() : static_cast<T*>(nullptr), dparams[0],
                      static_cast<T*>(nullptr));
      if (dx) conv_lstm_unstack_input_grad(d, dxin.data(), mask, kBlocks, dx);
    }
  }
}

VIGIL_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace vigil::cpu::conv_lstm_input_attention
