// The INPUT_ATTENTION ConvLSTM cell (STAEAD's AttenInputConvLSTM2D; the equations are in
// vigil/ops.h) over a whole sequence on the device, step for step as
// cpu/conv_lstm_input_attention.cpp (read that file's header for the orchestration, the
// attention gradient rule and the saved layout, which is the same here byte for byte).
// Params: 0 dw_x, 1 pw_x, 2 dw_h, 3 pw_h, 4 bias, 5 gw_x, 6 gw_h, 7 gate_bias. S = F*H*W.
// The convs go through cuda::conv2d; the small kernels here are:
//  - channel means (a thread per (sample, channel) summing its map in double): mean_{H,W} x_t
//    and mean_{H,W} h_{t-1} for the f/o gates;
//  - the gate GEMMs (cuda::gemm): gw_x . mean(x) over all steps, gw_h . mean(h_{t-1}) per step,
//    and their transposes in backward;
//  - the attention's max (forward) and first argmax (backward) over H*W, a thread per (sample,
//    channel): i = exp(z - max z), i = 1 exactly at every maximal position;
//  - one fused element pass per step forward (c, h, y) and backward (dz, dpre_g, dc and the
//    per-element terms of the f/o gate sums), then a thread per (sample, channel) sums those
//    terms and the e = (dL/di) i of the channel (dz at the first argmax becomes -sum_{q != m} e_q).
#include "cuda/basic.h"
#include "cuda/conv2d.h"
#include "cuda/conv_lstm.cuh"
#include "cuda/gemm.h"
#include "cuda/reduce.h"

namespace vigil::cuda::conv_lstm_input_attention {
namespace {

// The blocks x is stacked into: the i branch reads m_0, the g branch m_2.
constexpr ConvLstmBlocks kBlocks{2, {0, 2, 0, 0}};

// Depthwise conv over [batch, c, H, W] with the cell's kernel, and a 1x1 conv c -> cout in
// `groups` groups.
cpu::Conv2dDims depthwise_conv(const ConvLstmDims& d, int64_t batch, int64_t c) {
  return conv_lstm_conv(d, batch, c, c, d.KH, d.KW, c);
}
cpu::Conv2dDims pointwise_conv(const ConvLstmDims& d, int64_t batch, int64_t c, int64_t cout,
                               int64_t groups) {
  return conv_lstm_conv(d, batch, c, cout, 1, 1, groups);
}

// means [T*B, C] (time-major rows) of v [B,T,C,HW] over the maps.
template <typename T>
vigil_status time_major_means(const ConvLstmDims& d, const T* v, int64_t C, T* means) {
  const int64_t B = d.B, Tn = d.T, HW = d.hw();
  return for_each(Tn * B * C, "conv_lstm_time_major_means", [=] __device__(int64_t i) {
    const int64_t c = i % C, s = i / C, t = s / B, b = s % B;
    const T* src = v + ((b * Tn + t) * C + c) * HW;
    double a = 0;
    for (int64_t p = 0; p < HW; ++p) a += double(src[p]);
    means[i] = static_cast<T>(a / double(HW));
  });
}

// dst [n,2F,HW] = [h_s; h_s] for each sample h_s [F,HW] of h [n,F,HW] (the recurrent
// separable conv's input: channels [0,F) feed the i branch, [F,2F) the g branch).
template <typename T>
vigil_status duplicate_state(const ConvLstmDims& d, const T* h, int64_t n, T* dst) {
  const int64_t S = d.F * d.hw();
  return for_each(n * 2 * S, "conv_lstm_duplicate_h", [=] __device__(int64_t i) {
    const int64_t q = i % (2 * S), s = i / (2 * S);
    dst[i] = h[s * S + (q < S ? q : q - S)];
  });
}

}  // namespace

template <typename T>
vigil_status forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                     const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *dwx = params[0], *pwx = params[1], *dwh = params[2], *pwh = params[3];
  const T *bias = params[4], *gwx = params[5], *gwh = params[6], *gbias = params[7];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, Cin = d.Cin, HW = d.hw(), S = F * HW;
  const int64_t KK = d.KH * d.KW;
  const bool hard = d.hard;
  Scratch<T> pre;  // [T,B,2F,HW]
  VIGIL_CHECK(pre.alloc(TB * 2 * S));
  {
    Scratch<T> xin, xdw;
    VIGIL_CHECK(xin.alloc(TB * 2 * Cin * HW));
    VIGIL_CHECK(xdw.alloc(TB * 2 * Cin * HW));
    VIGIL_CHECK(cuda::conv_lstm_stack_input(d, x, mask, kBlocks, xin.p));
    VIGIL_CHECK(cuda::conv2d_forward(depthwise_conv(d, TB, 2 * Cin),
                                     static_cast<const T*>(xin.p), dwx,
                                     static_cast<const T*>(nullptr), xdw.p));
    VIGIL_CHECK(cuda::conv2d_forward(pointwise_conv(d, TB, 2 * Cin, 2 * F, 2),
                                     static_cast<const T*>(xdw.p), pwx, bias, pre.p));
  }
  Scratch<T> gx;  // [T*B, 2F]: gw_x . mean(x_t) + gate_bias
  VIGIL_CHECK(gx.alloc(TB * 2 * F));
  {
    Scratch<T> xm;
    VIGIL_CHECK(xm.alloc(TB * Cin));
    VIGIL_CHECK(time_major_means(d, x, Cin, xm.p));
    VIGIL_CHECK(cuda::gemm<T>(false, true, TB, 2 * F, Cin, T(1), xm.p, Cin, gwx, Cin, T(0), gx.p,
                              2 * F));
    if (gbias) {
      T* g = gx.p;
      VIGIL_CHECK(for_each(TB * 2 * F, "conv_lstm_gate_bias", [=] __device__(int64_t i) {
        g[i] += gbias[i % (2 * F)];
      }));
    }
  }
  T* s_all = saved;
  T* z_all = saved ? saved + TB * S : nullptr;
  T* g_all = saved ? saved + 2 * TB * S : nullptr;
  T* c_all = saved ? saved + 3 * TB * S : nullptr;
  T* fo_all = saved ? saved + 4 * TB * S : nullptr;
  // h, c [B,S]; hh, hdw [B,2S]; sdw [B,S]; hm, zmax [B,F]; without saved: s, z [B,S], fo [B,2F]
  Scratch<T> h, c, hh, hdw, sdw, hm, zmax, s_step, z_step, fo_step;
  for (Scratch<T>* b : {&h, &c, &sdw}) VIGIL_CHECK(b->alloc(B * S));
  for (Scratch<T>* b : {&hh, &hdw}) VIGIL_CHECK(b->alloc(B * 2 * S));
  for (Scratch<T>* b : {&hm, &zmax}) VIGIL_CHECK(b->alloc(B * F));
  if (!saved) {
    VIGIL_CHECK(s_step.alloc(B * S));
    VIGIL_CHECK(z_step.alloc(B * S));
    VIGIL_CHECK(fo_step.alloc(B * 2 * F));
  }
  VIGIL_CHECK(h0 ? copy_bytes(h0, h.p, sizeof(T) * B * S) : zero(h.p, B * S));
  VIGIL_CHECK(c0 ? copy_bytes(c0, c.p, sizeof(T) * B * S) : zero(c.p, B * S));
  const cpu::Conv2dDims rec_dw = depthwise_conv(d, B, 2 * F);
  const cpu::Conv2dDims rec_pw = pointwise_conv(d, B, 2 * F, 2 * F, 2);
  const cpu::Conv2dDims att_dw = depthwise_conv(d, B, F), att_pw = pointwise_conv(d, B, F, F, 1);
  T *hp = h.p, *cp = c.p, *hmp = hm.p, *zm = zmax.p;
  for (int64_t t = 0; t < Tn; ++t) {
    T* pt = pre.p + t * B * 2 * S;
    T* st = saved ? s_all + t * B * S : s_step.p;
    T* zt = saved ? z_all + t * B * S : z_step.p;
    T* fot = saved ? fo_all + t * B * 2 * F : fo_step.p;
    T* gsave = saved ? g_all + t * B * S : nullptr;
    T* csave = saved ? c_all + t * B * S : nullptr;
    const bool has_prev = t > 0 || h0;
    if (has_prev) {
      VIGIL_CHECK(duplicate_state(d, static_cast<const T*>(hp), B, hh.p));
      VIGIL_CHECK(cuda::conv2d_forward(rec_dw, static_cast<const T*>(hh.p), dwh,
                                       static_cast<const T*>(nullptr), hdw.p));
      VIGIL_CHECK(cuda::conv2d_forward(rec_pw, static_cast<const T*>(hdw.p), pwh,
                                       static_cast<const T*>(nullptr), pt, true));
    }
    // s = tanh(pre_s) (to st), g = tanh(pre_g) (kept in pre, and saved)
    VIGIL_CHECK(for_each(B * 2 * S, "conv_lstm_attention_tanh", [=] __device__(int64_t n) {
      const int64_t q = n % (2 * S), b = n / (2 * S);
      const T v = tanh(pt[n]);
      if (q < S) {
        st[b * S + q] = v;
      } else {
        pt[n] = v;
        if (gsave) gsave[b * S + q - S] = v;
      }
    }));
    VIGIL_CHECK(cuda::conv2d_forward(att_dw, static_cast<const T*>(st), dwh + 2 * F * KK,
                                     static_cast<const T*>(nullptr), sdw.p));
    VIGIL_CHECK(cuda::conv2d_forward(att_pw, static_cast<const T*>(sdw.p), pwh + 2 * F * F,
                                     static_cast<const T*>(nullptr), zt));
    // f, o = sigma(gx_t + gw_h . mean(h_{t-1}))  [B, 2F]
    VIGIL_CHECK(copy_bytes(gx.p + t * B * 2 * F, fot, sizeof(T) * B * 2 * F));
    if (has_prev) {
      VIGIL_CHECK(for_each(B * F, "conv_lstm_state_means", [=] __device__(int64_t i) {
        const T* src = hp + i * HW;  // channel j of sample b: i = b*F + j
        double a = 0;
        for (int64_t p = 0; p < HW; ++p) a += double(src[p]);
        hmp[i] = static_cast<T>(a / double(HW));
      }));
      VIGIL_CHECK(cuda::gemm<T>(false, true, B, 2 * F, F, T(1), hmp, F, gwh, F, T(1), fot, 2 * F));
    }
    VIGIL_CHECK(for_each(B * 2 * F, "conv_lstm_attention_gates", [=] __device__(int64_t i) {
      fot[i] = conv_lstm_sigma(hard, fot[i]);
    }));
    // max_{H,W} z per (sample, channel)
    VIGIL_CHECK(for_each(B * F, "conv_lstm_attention_max", [=] __device__(int64_t i) {
      const T* zc = zt + i * HW;
      T m = zc[0];
      for (int64_t p = 1; p < HW; ++p)
        if (zc[p] > m) m = zc[p];
      zm[i] = m;
    }));
    // i = exp(z - max z); c = f c + i g; h = tanh(c) o, into the state and y
    VIGIL_CHECK(for_each(B * S, "conv_lstm_attention_cell", [=] __device__(int64_t n) {
      const int64_t b = n / S, q = n % S, j = q / HW;
      const T i = exp(zt[n] - zm[b * F + j]);
      const T f = fot[b * 2 * F + j], o = fot[b * 2 * F + F + j];
      const T cv = f * cp[n] + i * pt[b * 2 * S + S + q];
      cp[n] = cv;
      if (csave) csave[n] = cv;
      const T hv = tanh(cv) * o;
      hp[n] = hv;
      y[(b * Tn + t) * S + q] = hv;
    }));
  }
  if (c_n) VIGIL_CHECK(copy_bytes(c.p, c_n, sizeof(T) * B * S));
  return VIGIL_OK;
}

template <typename T>
vigil_status backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                      const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
                      T* const* dparams, T* dh0, T* dc0) {
  const T *dwx = params[0], *pwx = params[1], *dwh = params[2], *pwh = params[3];
  const T *gwx = params[5], *gwh = params[6];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, Cin = d.Cin, HW = d.hw(), S = F * HW;
  const int64_t KK = d.KH * d.KW;
  const bool hard = d.hard;
  const T* s_all = saved;
  const T* z_all = saved + TB * S;
  const T* g_all = saved + 2 * TB * S;
  const T* c_all = saved + 3 * TB * S;
  const T* fo_all = saved + 4 * TB * S;
  // Every step's gradients, kept for the weight gradients at the end (as the CPU): dpre
  // [T,B,2F,HW], dz and d(sdw) [T,B,F,HW], d(hdw) [T,B,2F,HW], dgate [T,B,2F]; hm [T,B,F] the
  // means of h_{t-1}. Per step: dh, dc, ds, the f/o terms so, sf [B,S]; dhh [B,2S]; zmax, dhm
  // [B,F]; the first argmax [B,F].
  Scratch<T> dpre, dz, dsdw, dhdw, dgate, hm, dh, dc, ds, so, sf, dhh, zmax, dhm;
  Scratch<int64_t> zarg;
  VIGIL_CHECK(dpre.alloc(TB * 2 * S));
  VIGIL_CHECK(dz.alloc(TB * S));
  VIGIL_CHECK(dsdw.alloc(TB * S));
  VIGIL_CHECK(zero(dsdw.p, TB * S));
  VIGIL_CHECK(dhdw.alloc(TB * 2 * S));
  VIGIL_CHECK(zero(dhdw.p, TB * 2 * S));
  VIGIL_CHECK(dgate.alloc(TB * 2 * F));
  VIGIL_CHECK(hm.alloc(TB * F));
  for (Scratch<T>* b : {&dh, &dc, &ds, &so, &sf}) VIGIL_CHECK(b->alloc(B * S));
  VIGIL_CHECK(zero(dh.p, B * S));
  VIGIL_CHECK(zero(dc.p, B * S));
  VIGIL_CHECK(dhh.alloc(B * 2 * S));
  VIGIL_CHECK(zmax.alloc(B * F));
  VIGIL_CHECK(dhm.alloc(B * F));
  VIGIL_CHECK(zarg.alloc(B * F));
  const cpu::Conv2dDims rec_dw = depthwise_conv(d, B, 2 * F);
  const cpu::Conv2dDims rec_pw = pointwise_conv(d, B, 2 * F, 2 * F, 2);
  const cpu::Conv2dDims att_dw = depthwise_conv(d, B, F), att_pw = pointwise_conv(d, B, F, F, 1);
  const bool want_dw_h = dparams[2] != nullptr;
  T *dhp = dh.p, *dcp = dc.p, *dsp = ds.p, *sop = so.p, *sfp = sf.p, *dhhp = dhh.p;
  T *zm = zmax.p, *dhmp = dhm.p;
  int64_t* za = zarg.p;
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* cprev = t > 0 ? c_all + (t - 1) * B * S : c0;  // null: the zero state
    const T* zt = z_all + t * B * S;
    const T* fot = fo_all + t * B * 2 * F;
    T* dpt = dpre.p + t * B * 2 * S;
    T* dzt = dz.p + t * B * S;
    T* dgt = dgate.p + t * B * 2 * F;
    // the first position of max z per (sample, channel), and the max
    VIGIL_CHECK(for_each(B * F, "conv_lstm_attention_argmax", [=] __device__(int64_t i) {
      const T* zc = zt + i * HW;
      int64_t m = 0;
      for (int64_t p = 1; p < HW; ++p)
        if (zc[p] > zc[m]) m = p;
      za[i] = m;
      zm[i] = zc[m];
    }));
    // the fused element pass: dz = e = (dL/di) i, dpre_g, dc_{t-1}, and the terms of the f, o
    // gate sums (dL/dh tanh(c) and dL/dc c_{t-1})
    VIGIL_CHECK(for_each(B * S, "conv_lstm_attention_cell_backward", [=] __device__(int64_t n) {
      const int64_t b = n / S, q = n % S, j = q / HW, sb = t * B + b;
      const T i = exp(zt[n] - zm[b * F + j]);
      const T f = fot[b * 2 * F + j], o = fot[b * 2 * F + F + j];
      const T g = g_all[sb * S + q], th = tanh(c_all[sb * S + q]);
      const T cpv = cprev ? cprev[n] : T(0);
      const T dht = dy[(b * Tn + t) * S + q] + dhp[n];
      sop[n] = dht * th;
      const T dct = dcp[n] + dht * o * (T(1) - th * th);
      sfp[n] = dct * cpv;
      dzt[n] = dct * g * i;
      dpt[b * 2 * S + S + q] = dct * i * (T(1) - g * g);
      dcp[n] = dct * f;
    }));
    // per (sample, channel): the f/o pre-activation gradients; dz_m -= sum_q e_q
    VIGIL_CHECK(for_each(B * F, "conv_lstm_attention_sums", [=] __device__(int64_t i) {
      const int64_t b = i / F, j = i % F, off = i * HW;
      double a_o = 0, a_f = 0, a_e = 0;
      for (int64_t p = 0; p < HW; ++p) {
        a_o += double(sop[off + p]);
        a_f += double(sfp[off + p]);
        a_e += double(dzt[off + p]);
      }
      dzt[off + za[i]] -= static_cast<T>(a_e);
      const T f = fot[b * 2 * F + j], o = fot[b * 2 * F + F + j];
      dgt[b * 2 * F + j] = static_cast<T>(a_f) * conv_lstm_sigma_grad(hard, f);
      dgt[b * 2 * F + F + j] = static_cast<T>(a_o) * conv_lstm_sigma_grad(hard, o);
    }));
    // dpre_s = sep(.; dw_h_a, pw_h_a)^T dz . (1 - s^2)
    T* dsdwt = dsdw.p + t * B * S;
    VIGIL_CHECK(cuda::conv2d_backward(att_pw, static_cast<const T*>(nullptr), pwh + 2 * F * F,
                                      static_cast<const T*>(dzt), dsdwt,
                                      static_cast<T*>(nullptr), static_cast<T*>(nullptr)));
    VIGIL_CHECK(zero(dsp, B * S));
    VIGIL_CHECK(cuda::conv2d_backward(att_dw, static_cast<const T*>(nullptr), dwh + 2 * F * KK,
                                      static_cast<const T*>(dsdwt), dsp,
                                      static_cast<T*>(nullptr), static_cast<T*>(nullptr)));
    const T* st = s_all + t * B * S;
    VIGIL_CHECK(for_each(B * S, "conv_lstm_attention_ds", [=] __device__(int64_t n) {
      const int64_t b = n / S, q = n % S;
      const T sv = st[n];
      dpt[b * 2 * S + q] = dsp[n] * (T(1) - sv * sv);
    }));
    const bool need_dh = t > 0 || (h0 && dh0);
    if (need_dh || (t == 0 && h0 && want_dw_h)) {
      T* dhdwt = dhdw.p + t * B * 2 * S;
      VIGIL_CHECK(cuda::conv2d_backward(rec_pw, static_cast<const T*>(nullptr), pwh,
                                        static_cast<const T*>(dpt), dhdwt,
                                        static_cast<T*>(nullptr), static_cast<T*>(nullptr)));
      if (need_dh) {
        VIGIL_CHECK(zero(dhhp, B * 2 * S));
        VIGIL_CHECK(cuda::conv2d_backward(rec_dw, static_cast<const T*>(nullptr), dwh,
                                          static_cast<const T*>(dhdwt), dhhp,
                                          static_cast<T*>(nullptr), static_cast<T*>(nullptr)));
        // dL/dmean(h_{t-1}) = dgate . gw_h, spread over the map: / HW
        VIGIL_CHECK(cuda::gemm<T>(false, false, B, F, 2 * F, T(1) / T(HW), dgt, 2 * F, gwh, F,
                                  T(0), dhmp, F));
        VIGIL_CHECK(for_each(B * S, "conv_lstm_attention_dh", [=] __device__(int64_t n) {
          const int64_t b = n / S, q = n % S, j = q / HW;
          dhp[n] = dhhp[b * 2 * S + q] + dhhp[b * 2 * S + S + q] + dhmp[b * F + j];
        }));
      }
    }
  }
  T* dh0w = h0 ? dh0 : nullptr;
  if (dh0w || dc0)
    VIGIL_CHECK(for_each(B * S, "conv_lstm_initial_state_grad", [=] __device__(int64_t i) {
      if (dh0w) dh0w[i] += dhp[i];
      if (dc0) dc0[i] += dcp[i];
    }));

  // The gates: gate = gw_x . mean(x_t) + gw_h . mean(h_{t-1}) + gate_bias.
  if (dparams[7])
    VIGIL_CHECK(cuda::sum_to(static_cast<const T*>(dgate.p), cpu::Shape{TB, 2 * F}, dparams[7],
                             cpu::Shape{1, 2 * F}, 1.0, true));
  if (dparams[6]) {
    T* hmp = hm.p;
    VIGIL_CHECK(for_each(TB * F, "conv_lstm_state_means", [=] __device__(int64_t i) {
      const int64_t j = i % F, s = i / F, t = s / B, b = s % B;
      const T* src = t > 0 ? y + ((b * Tn + t - 1) * F + j) * HW
                           : h0 ? h0 + (b * F + j) * HW : nullptr;
      double a = 0;
      if (src)
        for (int64_t p = 0; p < HW; ++p) a += double(src[p]);
      hmp[i] = static_cast<T>(a / double(HW));
    }));
    VIGIL_CHECK(cuda::gemm<T>(true, false, 2 * F, F, TB, T(1), dgate.p, 2 * F, hm.p, F, T(1),
                              dparams[6], F));
  }
  if (dparams[5] || dx) {
    Scratch<T> xm;
    VIGIL_CHECK(xm.alloc(TB * Cin));
    if (dparams[5]) {
      VIGIL_CHECK(time_major_means(d, x, Cin, xm.p));
      VIGIL_CHECK(cuda::gemm<T>(true, false, 2 * F, Cin, TB, T(1), dgate.p, 2 * F, xm.p, Cin,
                                T(1), dparams[5], Cin));
    }
    if (dx) {  // dx_t += (dgate . gw_x) / HW on every position (x unmasked)
      VIGIL_CHECK(cuda::gemm<T>(false, false, TB, Cin, 2 * F, T(1) / T(HW), dgate.p, 2 * F, gwx,
                                Cin, T(0), xm.p, Cin));
      const T* dxm = xm.p;
      VIGIL_CHECK(for_each(B * Tn * Cin * HW, "conv_lstm_attention_dx_means",
                           [=] __device__(int64_t n) {
                             const int64_t c = (n / HW) % Cin, bt = n / (HW * Cin);
                             const int64_t t = bt % Tn, b = bt / Tn;
                             dx[n] += dxm[(t * B + b) * Cin + c];
                           }));
    }
  }

  // The attention convs' weights, over every step: z = pw_h_a (dw_h_a * s).
  if (dparams[3]) {
    Scratch<T> sdw;
    VIGIL_CHECK(sdw.alloc(TB * S));
    VIGIL_CHECK(cuda::conv2d_forward(depthwise_conv(d, TB, F), s_all, dwh + 2 * F * KK,
                                     static_cast<const T*>(nullptr), sdw.p));
    VIGIL_CHECK(cuda::conv2d_backward(pointwise_conv(d, TB, F, F, 1),
                                      static_cast<const T*>(sdw.p), pwh + 2 * F * F,
                                      static_cast<const T*>(dz.p), static_cast<T*>(nullptr),
                                      dparams[3] + 2 * F * F, static_cast<T*>(nullptr)));
  }
  if (dparams[2])
    VIGIL_CHECK(cuda::conv2d_backward(depthwise_conv(d, TB, F), s_all, dwh + 2 * F * KK,
                                      static_cast<const T*>(dsdw.p), static_cast<T*>(nullptr),
                                      dparams[2] + 2 * F * KK, static_cast<T*>(nullptr)));

  // The recurrent convs' weights, over every step whose h_{t-1} is not the zero state.
  const int64_t t0 = h0 ? 0 : 1;
  if ((dparams[2] || dparams[3]) && Tn > t0) {
    const int64_t n = (Tn - t0) * B;
    Scratch<T> hprev, hh;
    VIGIL_CHECK(hprev.alloc(n * S));
    VIGIL_CHECK(hh.alloc(n * 2 * S));
    T* hp = hprev.p;
    VIGIL_CHECK(for_each(n * S, "conv_lstm_h_prev", [=] __device__(int64_t i) {
      const int64_t p = i % S, s = i / S, t = s / B + t0, b = s % B;
      hp[i] = t == 0 ? h0[b * S + p] : y[(b * Tn + t - 1) * S + p];
    }));
    VIGIL_CHECK(duplicate_state(d, static_cast<const T*>(hp), n, hh.p));
    if (dparams[3]) {
      Scratch<T> hdw;
      VIGIL_CHECK(hdw.alloc(n * 2 * S));
      VIGIL_CHECK(cuda::conv2d_forward(depthwise_conv(d, n, 2 * F), static_cast<const T*>(hh.p),
                                       dwh, static_cast<const T*>(nullptr), hdw.p));
      VIGIL_CHECK(cuda::conv2d_backward(pointwise_conv(d, n, 2 * F, 2 * F, 2),
                                        static_cast<const T*>(hdw.p), pwh,
                                        static_cast<const T*>(dpre.p + t0 * B * 2 * S),
                                        static_cast<T*>(nullptr), dparams[3],
                                        static_cast<T*>(nullptr)));
    }
    if (dparams[2])
      VIGIL_CHECK(cuda::conv2d_backward(depthwise_conv(d, n, 2 * F), static_cast<const T*>(hh.p),
                                        dwh, static_cast<const T*>(dhdw.p + t0 * B * 2 * S),
                                        static_cast<T*>(nullptr), dparams[2],
                                        static_cast<T*>(nullptr)));
  }

  // The input part: pre += pw_x (dw_x * [x . m_0, x . m_2]) + bias, over all T*B samples.
  if (dx || dparams[0] || dparams[1] || dparams[4]) {
    const int64_t n = TB * 2 * Cin * HW;
    Scratch<T> xin, xdw, dxdw;
    if (dparams[0] || dparams[1]) {
      VIGIL_CHECK(xin.alloc(n));
      VIGIL_CHECK(cuda::conv_lstm_stack_input(d, x, mask, kBlocks, xin.p));
    }
    if (dparams[1]) {
      VIGIL_CHECK(xdw.alloc(n));
      VIGIL_CHECK(cuda::conv2d_forward(depthwise_conv(d, TB, 2 * Cin),
                                       static_cast<const T*>(xin.p), dwx,
                                       static_cast<const T*>(nullptr), xdw.p));
    }
    if (dx || dparams[0]) {
      VIGIL_CHECK(dxdw.alloc(n));
      VIGIL_CHECK(zero(dxdw.p, n));
    }
    VIGIL_CHECK(cuda::conv2d_backward(pointwise_conv(d, TB, 2 * Cin, 2 * F, 2),
                                      static_cast<const T*>(xdw.p), pwx,
                                      static_cast<const T*>(dpre.p), dxdw.p, dparams[1],
                                      dparams[4]));
    if (dx || dparams[0]) {
      Scratch<T> dxin;
      if (dx) {
        VIGIL_CHECK(dxin.alloc(n));
        VIGIL_CHECK(zero(dxin.p, n));
      }
      VIGIL_CHECK(cuda::conv2d_backward(depthwise_conv(d, TB, 2 * Cin),
                                        static_cast<const T*>(xin.p), dwx,
                                        static_cast<const T*>(dxdw.p), dxin.p, dparams[0],
                                        static_cast<T*>(nullptr)));
      if (dx)
        VIGIL_CHECK(cuda::conv_lstm_unstack_input_grad(d, static_cast<const T*>(dxin.p), mask,
                                                       kBlocks, dx));
    }
  }
  return VIGIL_OK;
}

VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace vigil::cuda::conv_lstm_input_attention
