// The SEED_SELF_ATTENTION_MEMORY ConvLSTM cell (Macas' SaConvLSTM2DCell without its h/c swap;
// the equations are in vigil/ops.h) over a whole sequence on the device, step for step as
// cpu/conv_lstm_seed_self_attention_memory.cpp (read that file's header for the saved layout,
// the same here, and the interleaved gate order). Params: 0 w_x, 1 w_h, 2 bias (the PLAIN step),
// 3 w_sa, 4 w_z, 5 w_mem, 6 b_mem. The projections, w_z and the depthwise gates are convs over
// the B samples (cuda::conv2d); the [n,n] attention products are strided batches over B
// (cuda::gemm_batched); the softmax a thread per row; the memory update a thread per element.
#include "cuda/basic.h"
#include "cuda/conv2d.h"
#include "cuda/conv_lstm.cuh"
#include "cuda/conv_lstm_memory.cuh"
#include "cuda/gemm.h"

namespace vigil::cuda::conv_lstm_seed_self_attention_memory {
namespace {

using namespace conv_lstm_memory;

// w_mem [6F,1,KH,KW] (blocks zi, hi, zg, hg, zo, ho) and b_mem [3F] repacked into the two
// multiplier-3 depthwise kernels gz, gh [3F,1,KH,KW] and the bias gb [3F] (row 3f+k = gate k of
// channel f), as the CPU's GateKernels; with `back`, the adjoint: wmem, bmem (either may be null)
// += the interleaved gradients.
template <typename T>
vigil_status repack(int64_t F, int64_t KK, T* wmem, T* bmem, T* gz, T* gh, T* gb, bool back) {
  return for_each(3 * F * KK, "conv_lstm_seed_repack", [=] __device__(int64_t i) {
    const int64_t q = i % KK, r = i / KK, f = r / 3, k = r % 3;
    T* wzv = wmem ? wmem + ((2 * k) * F + f) * KK + q : nullptr;
    T* whv = wmem ? wmem + ((2 * k + 1) * F + f) * KK + q : nullptr;
    if (back) {
      if (wzv) *wzv += gz[i];
      if (whv) *whv += gh[i];
      if (bmem && q == 0) bmem[k * F + f] += gb[r];
      return;
    }
    gz[i] = *wzv;
    gh[i] = *whv;
    if (q == 0) gb[r] = bmem ? bmem[k * F + f] : T(0);
  });
}

// The attention of the B samples on [n,n] maps: proj [B,5,N] (v_h, k_h, q_h, k_m, v_m) -> at
// [B,2,N] (A_h, A_m: softmax_row(q k)) and zhm [B,2,N] (z_h = A_h v_h, z_m = A_m v_m).
template <typename T>
vigil_status attend(int64_t n, int64_t B, const T* proj, T* at, T* zhm) {
  const int64_t N = n * n, sp = 5 * N, s2 = 2 * N;
  const T *v = proj, *k = proj + N, *q = proj + 2 * N, *km = proj + 3 * N, *vm = proj + 4 * N;
  VIGIL_CHECK(gemm_batched<T>(false, false, n, n, n, T(1), q, n, sp, k, n, sp, T(0), at, n, s2, B));
  VIGIL_CHECK(
      gemm_batched<T>(false, false, n, n, n, T(1), q, n, sp, km, n, sp, T(0), at + N, n, s2, B));
  VIGIL_CHECK(softmax_rows(at, B * 2 * n, n));
  VIGIL_CHECK(gemm_batched<T>(false, false, n, n, n, T(1), at, n, s2, v, n, sp, T(0), zhm, n, s2,
                              B));
  return gemm_batched<T>(false, false, n, n, n, T(1), at + N, n, s2, vm, n, sp, T(0), zhm + N, n,
                         s2, B);
}

// Its backward (the CPU's attend_backward over the B samples): dproj [B,5,N] from dzhm [B,2,N];
// da [B,N] is scratch.
template <typename T>
vigil_status attend_backward(int64_t n, int64_t B, const T* dzhm, const T* at, const T* proj,
                             T* dproj, T* da) {
  const int64_t N = n * n, sp = 5 * N, s2 = 2 * N;
  const T* q = proj + 2 * N;
  T* dq = dproj + 2 * N;
  const int64_t value_row[2] = {0, 4}, key_row[2] = {1, 3};  // z_h: v_h, k_h; z_m: v_m, k_m
  for (int h = 0; h < 2; ++h) {
    const T *dz = dzhm + h * N, *a = at + h * N;
    const T *v = proj + value_row[h] * N, *k = proj + key_row[h] * N;
    VIGIL_CHECK(gemm_batched<T>(true, false, n, n, n, T(1), a, n, s2, dz, n, s2, T(0),
                                dproj + value_row[h] * N, n, sp, B));  // dv = A^T dz
    VIGIL_CHECK(gemm_batched<T>(false, true, n, n, n, T(1), dz, n, s2, v, n, sp, T(0), da, n, N,
                                B));  // dA = dz v^T
    VIGIL_CHECK(softmax_rows_backward(a, s2, da, n, B));  // dS
    VIGIL_CHECK(gemm_batched<T>(false, true, n, n, n, T(1), da, n, N, k, n, sp,
                                h == 0 ? T(0) : T(1), dq, n, sp, B));  // dq += dS k^T
    VIGIL_CHECK(gemm_batched<T>(true, false, n, n, n, T(1), q, n, sp, da, n, N, T(0),
                                dproj + key_row[h] * N, n, sp, B));  // dk = q^T dS
  }
  return VIGIL_OK;
}

}  // namespace

template <typename T>
vigil_status forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                     const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *wx = params[0], *wh = params[1], *bias = params[2], *wsa = params[3], *wz = params[4];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, N = d.hw(), n = d.H, S = F * N;
  const int64_t G = 4 * S, KK = d.KH * d.KW;
  Scratch<T> scratch, state, proj, own, gk;
  if (!saved) VIGIL_CHECK(scratch.alloc(TB * G));
  T* gates = saved ? saved : scratch.p;
  T* cells = saved ? saved + TB * G : nullptr;
  T* attn_all = saved ? saved + TB * 5 * S : nullptr;
  T* zhm_all = saved ? attn_all + TB * 2 * N : nullptr;
  T* z_all = saved ? zhm_all + TB * 2 * N : nullptr;
  T* mg_all = saved ? z_all + TB * S : nullptr;
  T* m_all = saved ? mg_all + TB * 3 * S : nullptr;
  VIGIL_CHECK(gk.alloc(6 * F * KK + 3 * F));
  T *gz = gk.p, *gh = gk.p + 3 * F * KK, *gb = gk.p + 6 * F * KK;
  VIGIL_CHECK(repack(F, KK, const_cast<T*>(params[5]), const_cast<T*>(params[6]), gz, gh, gb,
                     false));
  VIGIL_CHECK(conv_lstm_gates::input_part(d, x, mask, wx, bias, gates));
  VIGIL_CHECK(state.alloc(4 * B * S));  // H^, h (the PLAIN step's), c, M
  T *hh = state.p, *hl = state.p + B * S, *c = state.p + 2 * B * S, *m = state.p + 3 * B * S;
  VIGIL_CHECK(h0 ? copy_bytes(h0, hh, sizeof(T) * B * S) : zero(hh, B * S));
  VIGIL_CHECK(split_state(B, S, c0, c, m));
  VIGIL_CHECK(proj.alloc(B * 5 * N));
  if (!saved) VIGIL_CHECK(own.alloc(B * (4 * N + 4 * S)));  // attn, zhm, z, mg of one step
  const Conv2dDims proj_conv = conv_lstm_conv(d, B, F, 5, 1, 1, 1);
  const Conv2dDims z_conv = conv_lstm_conv(d, B, 2, F, d.KH, d.KW, 1);
  const Conv2dDims gate_conv = conv_lstm_conv(d, B, F, 3 * F, d.KH, d.KW, F);
  const T* no_bias = nullptr;
  const T *cgz = gz, *cgh = gh, *cgb = gb;
  for (int64_t t = 0; t < Tn; ++t) {
    VIGIL_CHECK(conv_lstm_gates::step_forward(
        d, wh, t > 0 || h0 ? static_cast<const T*>(hh) : static_cast<const T*>(nullptr),
        gates + t * B * G, c, hl, cells ? cells + t * B * S : nullptr));
    T* at = saved ? attn_all + t * B * 2 * N : own.p;
    T* zhm = saved ? zhm_all + t * B * 2 * N : own.p + B * 2 * N;
    T* z = saved ? z_all + t * B * S : own.p + B * 4 * N;
    T* mg = saved ? mg_all + t * B * 3 * S : own.p + B * (4 * N + S);
    T* msave = saved ? m_all + t * B * S : nullptr;
    VIGIL_CHECK(cuda::conv2d_forward(proj_conv, static_cast<const T*>(hl), wsa, no_bias, proj.p));
    VIGIL_CHECK(attend(n, B, static_cast<const T*>(proj.p), at, zhm));
    VIGIL_CHECK(cuda::conv2d_forward(z_conv, static_cast<const T*>(zhm), wz, no_bias, z));
    VIGIL_CHECK(cuda::conv2d_forward(gate_conv, static_cast<const T*>(z), cgz,
                                     params[6] ? cgb : no_bias, mg));
    VIGIL_CHECK(cuda::conv2d_forward(gate_conv, static_cast<const T*>(hl), cgh, no_bias, mg, true));
    // i' = sigmoid, g' = tanh, o' = sigmoid (kept activated, interleaved); M, H^ and y
    VIGIL_CHECK(for_each(B * S, "conv_lstm_seed_memory", [=] __device__(int64_t e) {
      const int64_t b = e / S, q = e % S, f = q / N, p = q % N;
      T* g3 = mg + b * 3 * S + 3 * f * N + p;
      const T ig = sigmoid(g3[0]), gg = tanh(g3[N]), og = sigmoid(g3[2 * N]);
      g3[0] = ig;
      g3[N] = gg;
      g3[2 * N] = og;
      const T hv = update(ig, gg, og, m[e], msave ? msave + e : nullptr);
      hh[e] = hv;
      y[(b * Tn + t) * S + q] = hv;
    }));
  }
  return c_n ? join_state(B, S, static_cast<const T*>(c), static_cast<const T*>(m), c_n)
             : VIGIL_OK;
}

template <typename T>
vigil_status backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                      const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
                      T* const* dparams, T* dh0, T* dc0) {
  const T *wx = params[0], *wh = params[1], *wsa = params[3], *wz = params[4];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, N = d.hw(), n = d.H, S = F * N;
  const int64_t G = 4 * S, KK = d.KH * d.KW;
  const T* gates = saved;
  const T* cells = saved + TB * G;
  const T* attn_all = saved + TB * 5 * S;
  const T* zhm_all = attn_all + TB * 2 * N;
  const T* z_all = zhm_all + TB * 2 * N;
  const T* mg_all = z_all + TB * S;
  const T* m_all = mg_all + TB * 3 * S;
  // c_init, m_init, h (recomputed), dL/dh, dh, dc, dm, dZ [B,S]; dmg [B,3F,N]; d[z_h; z_m],
  // the projections and their gradients, da; the gate kernels and their gradients; dgates.
  Scratch<T> st, dmgs, small, gk, dgk, dgates;
  VIGIL_CHECK(st.alloc(8 * B * S));
  T *c_init = st.p, *m_init = st.p + B * S, *hl = st.p + 2 * B * S, *dhl = st.p + 3 * B * S;
  T *dh = st.p + 4 * B * S, *dc = st.p + 5 * B * S, *dm = st.p + 6 * B * S;
  T* dz = st.p + 7 * B * S;
  VIGIL_CHECK(split_state(B, S, c0, c_init, m_init));
  VIGIL_CHECK(zero(dh, 3 * B * S));  // dh, dc, dm
  VIGIL_CHECK(dmgs.alloc(B * 3 * S));
  VIGIL_CHECK(small.alloc(B * 13 * N));
  T *dzhm = small.p, *proj = small.p + 2 * B * N, *dproj = small.p + 7 * B * N;
  T* da = small.p + 12 * B * N;
  VIGIL_CHECK(gk.alloc(6 * F * KK + 3 * F));
  VIGIL_CHECK(dgk.alloc(6 * F * KK + 3 * F));
  T *gz = gk.p, *gh = gk.p + 3 * F * KK, *gb = gk.p + 6 * F * KK;
  T *dgz = dgk.p, *dgh = dgk.p + 3 * F * KK, *dgb = dgk.p + 6 * F * KK;
  VIGIL_CHECK(repack(F, KK, const_cast<T*>(params[5]), const_cast<T*>(params[6]), gz, gh, gb,
                     false));
  VIGIL_CHECK(zero(dgk.p, 6 * F * KK + 3 * F));
  VIGIL_CHECK(dgates.alloc(TB * G));
  T* dmg = dmgs.p;
  const Conv2dDims proj_conv = conv_lstm_conv(d, B, F, 5, 1, 1, 1);
  const Conv2dDims z_conv = conv_lstm_conv(d, B, 2, F, d.KH, d.KW, 1);
  const Conv2dDims gate_conv = conv_lstm_conv(d, B, F, 3 * F, d.KH, d.KW, F);
  T* no_grad = nullptr;
  const T *cgz = gz, *cgh = gh, *cdmg = dmg;
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* mprev = t > 0 ? m_all + (t - 1) * B * S : m_init;
    const T* mgt = mg_all + t * B * 3 * S;
    const T* mt = m_all + t * B * S;
    const T* ot = gates + t * B * G + 3 * S;
    const T* ct = cells + t * B * S;
    // the memory gates' pre-activation gradients and dL/dM_{t-1} through the update; h again
    VIGIL_CHECK(for_each(B * S, "conv_lstm_seed_memory_backward", [=] __device__(int64_t e) {
      const int64_t b = e / S, q = e % S, f = q / N, p = q % N;
      const int64_t g = b * 3 * S + 3 * f * N + p;
      T* d3 = dmg + g;
      update_backward(mgt[g], mgt[g + N], mgt[g + 2 * N], mt[e], mprev[e],
                      dy[(b * Tn + t) * S + q] + dh[e], dm[e], d3[0], d3[N], d3[2 * N]);
      hl[e] = ot[b * G + q] * tanh(ct[e]);
    }));
    // the gate convs and w_z back: dZ, dL/dh (the h depthwise convs), d[z_h; z_m]
    VIGIL_CHECK(zero(dz, B * S));
    VIGIL_CHECK(zero(dhl, B * S));
    VIGIL_CHECK(zero(dzhm, B * 2 * N));
    VIGIL_CHECK(cuda::conv2d_backward(gate_conv, z_all + t * B * S, cgz, cdmg, dz,
                                      dparams[5] ? dgz : no_grad, dparams[6] ? dgb : no_grad));
    VIGIL_CHECK(cuda::conv2d_backward(gate_conv, static_cast<const T*>(hl), cgh, cdmg, dhl,
                                      dparams[5] ? dgh : no_grad, no_grad));
    VIGIL_CHECK(cuda::conv2d_backward(z_conv, zhm_all + t * B * 2 * N, wz,
                                      static_cast<const T*>(dz), dzhm, dparams[4], no_grad));
    // the attention back, then the projections' 1x1 conv back into dL/dh
    VIGIL_CHECK(cuda::conv2d_forward(proj_conv, static_cast<const T*>(hl), wsa,
                               static_cast<const T*>(nullptr), proj));
    VIGIL_CHECK(attend_backward(n, B, static_cast<const T*>(dzhm), attn_all + t * B * 2 * N,
                                static_cast<const T*>(proj), dproj, da));
    VIGIL_CHECK(cuda::conv2d_backward(proj_conv, static_cast<const T*>(hl), wsa,
                                static_cast<const T*>(dproj), dhl, dparams[3], no_grad));
    // The PLAIN step back from dL/dh; then dL/dH^_{t-1} through the recurrent conv.
    const T* cprev = t > 0 ? cells + (t - 1) * B * S : c_init;
    T* dgt = dgates.p + t * B * G;
    VIGIL_CHECK(conv_lstm_gates::step_backward(d, t, gates + t * B * G, ct, cprev,
                                               static_cast<const T*>(nullptr),
                                               static_cast<const T*>(dhl), dc, dgt));
    if (t > 0 || (h0 && dh0))
      VIGIL_CHECK(conv_lstm_gates::recurrent_input_grad(d, wh, static_cast<const T*>(dgt), dh));
  }
  VIGIL_CHECK(repack(F, KK, dparams[5], dparams[6], dgz, dgh, dgb, true));
  VIGIL_CHECK(initial_state_grads(B, S, static_cast<const T*>(dh), static_cast<const T*>(dc),
                                  static_cast<const T*>(dm), h0 ? dh0 : nullptr, dc0));
  return conv_lstm_gates::weight_grads(d, x, mask, h0, y, wx, wh,
                                       static_cast<const T*>(dgates.p), dx, dparams[0],
                                       dparams[1], dparams[2]);
}

VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace vigil::cuda::conv_lstm_seed_self_attention_memory
