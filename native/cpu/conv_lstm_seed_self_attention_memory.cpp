// The SEED_SELF_ATTENTION_MEMORY ConvLSTM cell (Macas' SaConvLSTM2DCell, seed 000, without its
// h/c swap; the equations are in vigil/ops.h) over a whole sequence on the CPU. Params: 0 w_x,
// 1 w_h, 2 bias (the PLAIN step), 3 w_sa, 4 w_z, 5 w_mem, 6 b_mem (the memory module). The
// state is H^ (y's previous step), c and M; c0/c_n/dc0 carry [c; M] per sample ([B,2F,N]).
//
// Forward, per step: the PLAIN step (conv_lstm_gates) gives h and c_t for all B samples; the
// five one-channel projections are one 1x1 conv over B; the attention, on [n,n] maps (n = H =
// W), is one pass per sample (parallel over B): S = q k (a GEMM), a row softmax, z = A v; then
// Z = w_z * [z_h; z_m] and the depthwise gate convs run over all B. The six depthwise kernels
// are repacked into two multiplier-3 depthwise convs (one on Z, one on h), output channel 3f+k
// being gate k (i', g', o') of channel f, so that each is one grouped conv (the depthwise path
// of cpu/conv2d_depthwise.h); the memory gates are kept in that interleaved order.
// Backward (BPTT), per step from the last: the memory update back per sample
// (conv_lstm_memory.h) gives the gates' pre-activation gradients; the gate convs' and w_z's
// conv backwards over B give dZ, d[z_h; z_m] and dL/dh; the attention back per sample gives the
// projections' gradients, whose 1x1 conv backward adds to dL/dh; then the PLAIN step back and
// the recurrent conv's input gradient, as in the other memory cell. The weight gradients of the
// module's convs accumulate per step; PLAIN's are one conv backward each at the end.
//
// saved ((10F + 4)*N per sample and step, N = H*W = n*n), in blocks:
//   gates [T,B,4F,N]   the activated PLAIN gates i, f, g, o   } as PLAIN (conv_lstm_gates);
//   c     [T,B,F,N]    c_t                                     } h = o tanh(c_t) is recomputed
//   attn  [T,B,2,N]    A_h then A_m (each [n,n])
//   zhm   [T,B,2,N]    z_h then z_m (w_z's input)
//   z     [T,B,F,N]    Z (the depthwise convs' input with h)
//   mg    [T,B,3F,N]   the activated memory gates, channel 3f+k = gate k (i', g', o') of f
//   m     [T,B,F,N]    M_t (M_{t-1} is the previous step's, or c0's second half, or zero)
// The five projections (v_h, k_h, q_h, k_m, v_m) are recomputed from h by the backward.
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "cpu/conv_lstm.h"
#include "cpu/conv_lstm_memory.h"
#include "cpu/gemm.h"
#include "cpu/vec_act.h"

namespace vigil::cpu::conv_lstm_seed_self_attention_memory {
namespace {

using namespace conv_lstm_memory;

// w_mem [6F,1,KH,KW] (blocks zi, hi, zg, hg, zo, ho) as the two multiplier-3 depthwise kernels
// [3F,1,KH,KW]: wz row 3f+k = block 2k row f, wh row 3f+k = block 2k+1 row f; b_mem [3F]
// (blocks i', g', o') likewise as bias row 3f+k = b_mem[k*F + f].
template <typename T>
struct GateKernels {
  std::vector<T> wz, wh, bias;
  GateKernels(int64_t F, int64_t KK, const T* wmem, const T* bmem)
      : wz(3 * F * KK), wh(3 * F * KK), bias(bmem ? 3 * F : 0) {
    for (int64_t f = 0; f < F; ++f)
      for (int64_t k = 0; k < 3; ++k) {
        std::copy_n(wmem + ((2 * k) * F + f) * KK, KK, wz.begin() + (3 * f + k) * KK);
        std::copy_n(wmem + ((2 * k + 1) * F + f) * KK, KK, wh.begin() + (3 * f + k) * KK);
        if (bmem) bias[3 * f + k] = bmem[k * F + f];
      }
  }
  // The adjoint of the repacking: dwmem, dbmem (either may be null) += the interleaved grads.
  static void scatter(int64_t F, int64_t KK, const std::vector<T>& dwz, const std::vector<T>& dwh,
                      const std::vector<T>& dbias, T* dwmem, T* dbmem) {
    for (int64_t f = 0; f < F; ++f)
      for (int64_t k = 0; k < 3; ++k) {
        if (dwmem)
          for (int64_t q = 0; q < KK; ++q) {
            dwmem[((2 * k) * F + f) * KK + q] += dwz[(3 * f + k) * KK + q];
            dwmem[((2 * k + 1) * F + f) * KK + q] += dwh[(3 * f + k) * KK + q];
          }
        if (dbmem) dbmem[k * F + f] += dbias[3 * f + k];
      }
  }
};

// One sample's attention on [n,n] maps: proj [5,N] (v_h, k_h, q_h, k_m, v_m) -> at [2,N]
// (A_h, A_m: S = q k then a row softmax) and zhm [2,N] (z_h = A_h v_h, z_m = A_m v_m).
template <typename T>
void attend(int64_t n, const T* proj, T* at, T* zhm) {
  const int64_t N = n * n;
  const T *v = proj, *k = proj + N, *q = proj + 2 * N, *km = proj + 3 * N, *vm = proj + 4 * N;
  gemm<T>(false, false, n, n, n, T(1), q, n, k, n, T(0), at, n);
  gemm<T>(false, false, n, n, n, T(1), q, n, km, n, T(0), at + N, n);
  softmax_rows(at, 2 * n, n);
  gemm<T>(false, false, n, n, n, T(1), at, n, v, n, T(0), zhm, n);
  gemm<T>(false, false, n, n, n, T(1), at + N, n, vm, n, T(0), zhm + N, n);
}

// Its backward for one sample: from dzhm [2,N], at [2,N] and proj [5,N] to dproj [5,N]
// (overwritten); da [N] is scratch. For z = A v, A = softmax_row(S), S = q k:
//   dv = A^T dz, dA = dz v^T, dS = softmax backward, dq += dS k^T, dk = q^T dS.
template <typename T>
void attend_backward(int64_t n, const T* dzhm, const T* at, const T* proj, T* dproj, T* da) {
  const int64_t N = n * n;
  const T* q = proj + 2 * N;
  T* dq = dproj + 2 * N;
  const int64_t value_row[2] = {0, 4}, key_row[2] = {1, 3};  // z_h: v_h, k_h; z_m: v_m, k_m
  for (int h = 0; h < 2; ++h) {
    const T *dz = dzhm + h * N, *a = at + h * N;
    const T *v = proj + value_row[h] * N, *k = proj + key_row[h] * N;
    gemm<T>(true, false, n, n, n, T(1), a, n, dz, n, T(0), dproj + value_row[h] * N, n);
    gemm<T>(false, true, n, n, n, T(1), dz, n, v, n, T(0), da, n);
    softmax_rows_backward(a, da, n, n);
    gemm<T>(false, true, n, n, n, T(1), da, n, k, n, h == 0 ? T(0) : T(1), dq, n);
    gemm<T>(true, false, n, n, n, T(1), q, n, da, n, T(0), dproj + key_row[h] * N, n);
  }
}

// The activated memory gates of one sample, interleaved [F,3,N]: i', o' sigmoid, g' tanh.
template <typename T>
void activate_gates(int64_t F, int64_t N, T* mg) {
  for (int64_t f = 0; f < F; ++f) {
    T* g = mg + 3 * f * N;
    sigmoid_n(g, g, N);
    tanh_n(g + N, g + N, N);
    sigmoid_n(g + 2 * N, g + 2 * N, N);
  }
}

}  // namespace

template <typename T>
void forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
             const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *wx = params[0], *wh = params[1], *bias = params[2];
  const T *wsa = params[3], *wz = params[4];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, N = d.hw(), n = d.H, S = F * N;
  const int64_t G = 4 * S;
  const GateKernels<T> gk(F, d.KH * d.KW, params[5], params[6]);
  std::vector<T> scratch(saved ? 0 : TB * G);
  T* gates = saved ? saved : scratch.data();
  T* cells = saved ? saved + TB * G : nullptr;
  // Without saved, one step's attn, zhm, z and mg live in `own`.
  std::vector<T> own(saved ? 0 : B * (4 * N + 4 * S));
  T* attn_all = saved ? saved + TB * 5 * S : nullptr;
  T* zhm_all = saved ? attn_all + TB * 2 * N : nullptr;
  T* z_all = saved ? zhm_all + TB * 2 * N : nullptr;
  T* mg_all = saved ? z_all + TB * S : nullptr;
  T* m_all = saved ? mg_all + TB * 3 * S : nullptr;
  conv_lstm_gates::input_part(d, x, mask, wx, bias, gates);
  std::vector<T> h(B * S, T(0)), hl(B * S), c(B * S), m(B * S), proj(B * 5 * N);
  if (h0) std::copy(h0, h0 + B * S, h.begin());
  split_state(B, S, c0, c.data(), m.data());
  const Conv2dDims proj_conv = conv_lstm_same_conv(d, B, F, 5, 1, 1, 1);
  const Conv2dDims z_conv = conv_lstm_same_conv(d, B, 2, F, d.KH, d.KW, 1);
  const Conv2dDims gate_conv = conv_lstm_same_conv(d, B, F, 3 * F, d.KH, d.KW, F);
  const T* no_bias = nullptr;
  for (int64_t t = 0; t < Tn; ++t) {
    conv_lstm_gates::step_forward(d, wh, t > 0 || h0 ? h.data() : nullptr, gates + t * B * G,
                                  c.data(), hl.data(), cells ? cells + t * B * S : nullptr);
    T* at = saved ? attn_all + t * B * 2 * N : own.data();
    T* zhm = saved ? zhm_all + t * B * 2 * N : own.data() + B * 2 * N;
    T* z = saved ? z_all + t * B * S : own.data() + B * 4 * N;
    T* mg = saved ? mg_all + t * B * 3 * S : own.data() + B * (4 * N + S);
    conv2d_forward(proj_conv, hl.data(), wsa, no_bias, proj.data());
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        attend(n, proj.data() + b * 5 * N, at + b * 2 * N, zhm + b * 2 * N);
    });
    conv2d_forward(z_conv, zhm, wz, no_bias, z);
    conv2d_forward(gate_conv, z, gk.wz.data(), params[6] ? gk.bias.data() : nullptr, mg);
    conv2d_forward(gate_conv, hl.data(), gk.wh.data(), no_bias, mg, true);
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        T* mgb = mg + b * 3 * S;
        activate_gates(F, N, mgb);
        T *mb = m.data() + b * S, *hout = h.data() + b * S;
        for (int64_t f = 0; f < F; ++f) {
          const T* g = mgb + 3 * f * N;
          update(g, g + N, g + 2 * N, mb + f * N, hout + f * N, N);
        }
        if (m_all) std::copy(mb, mb + S, m_all + (t * B + b) * S);
        std::copy(hout, hout + S, y + (b * Tn + t) * S);
      }
    });
  }
  if (c_n) join_state(B, S, c.data(), m.data(), c_n, false);
}

template <typename T>
void backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
              const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
              T* const* dparams, T* dh0, T* dc0) {
  const T *wx = params[0], *wh = params[1], *wsa = params[3], *wz = params[4];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, N = d.hw(), n = d.H, S = F * N;
  const int64_t G = 4 * S, KK = d.KH * d.KW;
  const GateKernels<T> gk(F, KK, params[5], params[6]);
  const T* gates = saved;
  const T* cells = saved + TB * G;
  const T* attn_all = saved + TB * 5 * S;
  const T* zhm_all = attn_all + TB * 2 * N;
  const T* z_all = zhm_all + TB * 2 * N;
  const T* mg_all = z_all + TB * S;
  const T* m_all = mg_all + TB * 3 * S;
  std::vector<T> c_init(B * S), m_init(B * S);
  split_state(B, S, c0, c_init.data(), m_init.data());
  // The gate kernels' gradients in the interleaved order, scattered into dparams at the end.
  std::vector<T> dgwz(3 * F * KK, T(0)), dgwh(3 * F * KK, T(0)), dgb(3 * F, T(0));
  std::vector<T> dmg(B * 3 * S), dz(B * S), dzhm(B * 2 * N), proj(B * 5 * N), dproj(B * 5 * N);
  std::vector<T> hl(B * S), dhl(B * S), dgates(TB * G), dh(B * S, T(0)), dc(B * S, T(0));
  std::vector<T> dm(B * S, T(0));
  const Conv2dDims proj_conv = conv_lstm_same_conv(d, B, F, 5, 1, 1, 1);
  const Conv2dDims z_conv = conv_lstm_same_conv(d, B, 2, F, d.KH, d.KW, 1);
  const Conv2dDims gate_conv = conv_lstm_same_conv(d, B, F, 3 * F, d.KH, d.KW, F);
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* mprev_t = t > 0 ? m_all + (t - 1) * B * S : m_init.data();
    // The memory update back, and h = o tanh(c_t) recomputed.
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> tc(S);
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t sb = t * B + b;
        const T* mgb = mg_all + sb * 3 * S;
        T* dmgb = dmg.data() + b * 3 * S;
        for (int64_t f = 0; f < F; ++f) {
          const T* g = mgb + 3 * f * N;
          T* dg = dmgb + 3 * f * N;
          const int64_t off = b * S + f * N;
          update_backward(g, g + N, g + 2 * N, m_all + sb * S + f * N, mprev_t + off,
                          dy + (b * Tn + t) * S + f * N, dh.data() + off, dm.data() + off, dg,
                          dg + N, dg + 2 * N, N);
        }
        const T* ob = gates + sb * G + 3 * S;
        T* hb = hl.data() + b * S;
        tanh_n(cells + sb * S, tc.data(), S);
        for (int64_t p = 0; p < S; ++p) hb[p] = ob[p] * tc[p];
      }
    });
    // The gate convs and w_z back: dZ, dL/dh (through the h depthwise convs), d[z_h; z_m].
    std::fill(dz.begin(), dz.end(), T(0));
    std::fill(dhl.begin(), dhl.end(), T(0));
    std::fill(dzhm.begin(), dzhm.end(), T(0));
    conv2d_backward(gate_conv, z_all + t * B * S, gk.wz.data(), dmg.data(), dz.data(),
                    dparams[5] ? dgwz.data() : nullptr, dparams[6] ? dgb.data() : nullptr);
    conv2d_backward(gate_conv, hl.data(), gk.wh.data(), dmg.data(), dhl.data(),
                    dparams[5] ? dgwh.data() : nullptr, static_cast<T*>(nullptr));
    conv2d_backward(z_conv, zhm_all + t * B * 2 * N, wz, dz.data(), dzhm.data(), dparams[4],
                    static_cast<T*>(nullptr));
    // The attention back per sample, then the projections' 1x1 conv back into dL/dh.
    conv2d_forward(proj_conv, hl.data(), wsa, static_cast<const T*>(nullptr), proj.data());
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> da(N);
      for (int64_t b = b0; b < b1; ++b)
        attend_backward(n, dzhm.data() + b * 2 * N, attn_all + (t * B + b) * 2 * N,
                        proj.data() + b * 5 * N, dproj.data() + b * 5 * N, da.data());
    });
    conv2d_backward(proj_conv, hl.data(), wsa, dproj.data(), dhl.data(), dparams[3],
                    static_cast<T*>(nullptr));
    // The PLAIN step back from dL/dh; then dL/dH^_{t-1} through the recurrent conv.
    const T* cprev = t > 0 ? cells + (t - 1) * B * S : c_init.data();
    T* dgt = dgates.data() + t * B * G;
    conv_lstm_gates::step_backward(d, t, gates + t * B * G, cells + t * B * S, cprev,
                                   static_cast<const T*>(nullptr), dhl.data(), dc.data(), dgt);
    if (t > 0 || (h0 && dh0))
      conv_lstm_gates::recurrent_input_grad(d, wh, dgt, dh.data());
  }
  GateKernels<T>::scatter(F, KK, dgwz, dgwh, dgb, dparams[5], dparams[6]);
  if (dh0 && h0)
    for (int64_t i = 0; i < B * S; ++i) dh0[i] += dh[i];
  if (dc0) join_state(B, S, dc.data(), dm.data(), dc0, true);
  conv_lstm_gates::weight_grads(d, x, mask, h0, y, wx, wh, dgates.data(), dx, dparams[0],
                                dparams[1], dparams[2]);
}

VIGIL_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace vigil::cpu::conv_lstm_seed_self_attention_memory
