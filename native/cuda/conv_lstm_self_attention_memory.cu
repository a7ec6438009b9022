// The SELF_ATTENTION_MEMORY ConvLSTM cell (SA-ConvLSTM; the equations are in vigil/ops.h) over a
// whole sequence on the device, step for step as cpu/conv_lstm_self_attention_memory.cpp (read
// that file's header for the saved layout, the same here). Params: 0 w_x, 1 w_h, 2 bias (the
// PLAIN step), 3 w_qkv, 4 b_qkv, 5 w_kv_m, 6 b_kv_m, 7 w_z, 8 b_z, 9 w_mem, 10 b_mem.
// One sample's maps are [C, N] (N = H*W), so every 1x1 projection is a GEMM W [Cout,Cin] @ v
// [Cin,N], and the CPU's per-sample GEMMs are strided batches over the B samples here
// (cuda::gemm_batched, W shared with stride 0); the row softmax and its backward are a thread
// per row; the memory update a thread per element. The module's weight gradients sum over the
// samples: the per-sample operands are laid side by side ([rows, B*N]) and one GEMM takes them.
#include "cuda/basic.h"
#include "cuda/conv_lstm.cuh"
#include "cuda/conv_lstm_memory.cuh"
#include "cuda/gemm.h"
#include "cuda/reduce.h"

namespace vigil::cuda::conv_lstm_self_attention_memory {
namespace {

using namespace conv_lstm_memory;

// out[b] [rows,N] = w [rows,cols] @ v[b] [cols,N] + bias (per row; bias may be null), for the B
// samples at strides sv (v) and so (out).
template <typename T>
vigil_status project(const T* w, const T* bias, int64_t rows, int64_t cols, const T* v,
                     int64_t sv, int64_t N, T* out, int64_t so, int64_t B) {
  VIGIL_CHECK(cuda::gemm_batched<T>(false, false, rows, N, cols, T(1), w, cols, 0, v, N, sv,
                                    T(0), out, N, so, B));
  if (!bias) return VIGIL_OK;
  return for_each(B * rows * N, "conv_lstm_sam_project_bias", [=] __device__(int64_t i) {
    const int64_t p = i % N, r = (i / N) % rows, b = i / (N * rows);
    out[b * so + r * N + p] += bias[r];
  });
}

// The attention backward for the B samples (cpu attention_backward): from dZ [F,N] (Z = V A^T),
// A [N,N], Q, K [Ah,N], V [F,N]: dV (overwritten), dQ (accumulated when accumulate_dq), dK
// (overwritten); da [B,N,N] is scratch. Each operand with its per-sample stride.
template <typename T>
vigil_status attention_backward(int64_t Ah, int64_t F, int64_t N, int64_t B, const T* dz,
                                int64_t sdz, const T* a, int64_t sa, const T* q, int64_t sq,
                                const T* k, int64_t sk, const T* v, int64_t sv, T* dq, int64_t sdq,
                                bool accumulate_dq, T* dk, int64_t sdk, T* dv, int64_t sdv, T* da) {
  const int64_t NN = N * N;
  VIGIL_CHECK(cuda::gemm_batched<T>(false, false, F, N, N, T(1), dz, N, sdz, a, N, sa, T(0), dv,
                                    N, sdv, B));  // dV = dZ A
  VIGIL_CHECK(cuda::gemm_batched<T>(true, false, N, N, F, T(1), dz, N, sdz, v, N, sv, T(0), da,
                                    N, NN, B));  // dA = dZ^T V
  VIGIL_CHECK(softmax_rows_backward(a, sa, da, N, B));  // dS
  VIGIL_CHECK(cuda::gemm_batched<T>(false, true, Ah, N, N, T(1), k, N, sk, da, N, NN,
                                    accumulate_dq ? T(1) : T(0), dq, N, sdq, B));  // K dS^T
  return cuda::gemm_batched<T>(false, false, Ah, N, N, T(1), q, N, sq, da, N, NN, T(0), dk, N,
                               sdk, B);  // dK = Q dS
}

// dst [rows, B*N]: the B samples' [rows,N] blocks (src + b*stride) side by side.
template <typename T>
vigil_status side_by_side(const T* src, int64_t stride, int64_t rows, int64_t N, int64_t B,
                          T* dst) {
  return for_each(rows * B * N, "conv_lstm_sam_side_by_side", [=] __device__(int64_t i) {
    const int64_t p = i % N, b = (i / N) % B, r = i / (N * B);
    dst[i] = src[b * stride + r * N + p];
  });
}

// dw [rows, ldw-strided cols] += sum_b g[b] [rows,N] @ v[b] [cols,N]^T; dbias [rows] += the
// row sums of every g[b]. g at stride sg, v at stride sv.
template <typename T>
vigil_status weight_grad(int64_t rows, int64_t cols, int64_t N, int64_t B, const T* g,
                         int64_t sg, const T* v, int64_t sv, T* dw, int64_t ldw, T* dbias) {
  if (!dw && !dbias) return VIGIL_OK;
  Scratch<T> gs;
  VIGIL_CHECK(gs.alloc(rows * B * N));
  VIGIL_CHECK(side_by_side(g, sg, rows, N, B, gs.p));
  if (dw) {
    Scratch<T> vs;
    VIGIL_CHECK(vs.alloc(cols * B * N));
    VIGIL_CHECK(side_by_side(v, sv, cols, N, B, vs.p));
    VIGIL_CHECK(cuda::gemm<T>(false, true, rows, cols, B * N, T(1), gs.p, B * N, vs.p, B * N,
                              T(1), dw, ldw));
  }
  if (dbias)
    VIGIL_CHECK(cuda::sum_to(static_cast<const T*>(gs.p), cpu::Shape{rows, B * N}, dbias,
                             cpu::Shape{rows, 1}, 1.0, true));
  return VIGIL_OK;
}

}  // namespace

template <typename T>
vigil_status forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                     const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *wx = params[0], *wh = params[1], *bias = params[2];
  const T *wqkv = params[3], *bqkv = params[4], *wkvm = params[5], *bkvm = params[6];
  const T *wz = params[7], *bz = params[8], *wmem = params[9], *bmem = params[10];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, A = d.A, N = d.hw(), S = F * N;
  const int64_t G = 4 * S, NN = N * N, P = 2 * A + F, PM = A + F;
  Scratch<T> scratch, state, proj, own;
  if (!saved) VIGIL_CHECK(scratch.alloc(TB * G));
  T* gates = saved ? saved : scratch.p;
  T* cells = saved ? saved + TB * G : nullptr;
  T* attn_all = saved ? saved + TB * 5 * S : nullptr;
  T* zhm_all = saved ? attn_all + TB * 2 * NN : nullptr;
  T* z_all = saved ? zhm_all + TB * 2 * S : nullptr;
  T* mg_all = saved ? z_all + TB * 2 * S : nullptr;
  T* m_all = saved ? mg_all + TB * 3 * S : nullptr;
  VIGIL_CHECK(conv_lstm_gates::input_part(d, x, mask, wx, bias, gates));
  VIGIL_CHECK(state.alloc(4 * B * S));  // H^, h (the PLAIN step's), c, M
  T *hh = state.p, *hl = state.p + B * S, *c = state.p + 2 * B * S, *m = state.p + 3 * B * S;
  VIGIL_CHECK(h0 ? copy_bytes(h0, hh, sizeof(T) * B * S) : zero(hh, B * S));
  VIGIL_CHECK(split_state(B, S, c0, c, m));
  VIGIL_CHECK(proj.alloc(B * (P + PM) * N));  // [Q;K;V] and [K_m;V_m] per sample
  T *qkv = proj.p, *kvm = proj.p + B * P * N;
  if (!saved) VIGIL_CHECK(own.alloc(B * (2 * NN + 7 * S)));  // attn, zhm, z, mg of one step
  for (int64_t t = 0; t < Tn; ++t) {
    VIGIL_CHECK(conv_lstm_gates::step_forward(
        d, wh, t > 0 || h0 ? static_cast<const T*>(hh) : static_cast<const T*>(nullptr),
        gates + t * B * G, c, hl, cells ? cells + t * B * S : nullptr));
    T* at = saved ? attn_all + t * B * 2 * NN : own.p;
    T* zhm = saved ? zhm_all + t * B * 2 * S : own.p + B * 2 * NN;
    T* z = saved ? z_all + t * B * 2 * S : own.p + B * (2 * NN + 2 * S);
    T* mg = saved ? mg_all + t * B * 3 * S : own.p + B * (2 * NN + 4 * S);
    T* msave = saved ? m_all + t * B * S : nullptr;
    VIGIL_CHECK(project(wqkv, bqkv, P, F, static_cast<const T*>(hl), S, N, qkv, P * N, B));
    VIGIL_CHECK(project(wkvm, bkvm, PM, F, static_cast<const T*>(m), S, N, kvm, PM * N, B));
    const T *qp = qkv, *kp = qkv + A * N, *vp = qkv + 2 * A * N, *kmp = kvm, *vmp = kvm + A * N;
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, N, N, A, T(1), qp, N, P * N, kp, N, P * N,
                                      T(0), at, N, 2 * NN, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, N, N, A, T(1), qp, N, P * N, kmp, N, PM * N,
                                      T(0), at + NN, N, 2 * NN, B));
    VIGIL_CHECK(softmax_rows(at, B * 2 * N, N));
    VIGIL_CHECK(cuda::gemm_batched<T>(false, true, F, N, N, T(1), vp, N, P * N, at, N, 2 * NN,
                                      T(0), zhm, N, 2 * S, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(false, true, F, N, N, T(1), vmp, N, PM * N, at + NN, N,
                                      2 * NN, T(0), zhm + S, N, 2 * S, B));
    VIGIL_CHECK(project(wz, bz, 2 * F, 2 * F, static_cast<const T*>(zhm), 2 * S, N, z, 2 * S, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(false, false, 3 * F, N, 2 * F, T(1), wmem, 3 * F, 0, z, N,
                                      2 * S, T(0), mg, N, 3 * S, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(false, false, 3 * F, N, F, T(1), wmem + 2 * F, 3 * F, 0,
                                      hl, N, S, T(1), mg, N, 3 * S, B));
    // + b_mem; i' = sigmoid, g' = tanh, o' = sigmoid (kept activated); M, H^ and y
    VIGIL_CHECK(for_each(B * S, "conv_lstm_sam_memory", [=] __device__(int64_t n) {
      const int64_t b = n / S, q = n % S, r = q / N;
      T* g3 = mg + b * 3 * S + q;
      const T ig = sigmoid(g3[0] + (bmem ? bmem[r] : T(0)));
      const T gg = tanh(g3[S] + (bmem ? bmem[F + r] : T(0)));
      const T og = sigmoid(g3[2 * S] + (bmem ? bmem[2 * F + r] : T(0)));
      g3[0] = ig;
      g3[S] = gg;
      g3[2 * S] = og;
      const T hv = update(ig, gg, og, m[n], msave ? msave + n : nullptr);
      hh[n] = hv;
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
  const T *wx = params[0], *wh = params[1];
  const T *wqkv = params[3], *bqkv = params[4], *wkvm = params[5], *bkvm = params[6];
  const T *wz = params[7], *wmem = params[9];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, A = d.A, N = d.hw(), S = F * N;
  const int64_t G = 4 * S, NN = N * N, P = 2 * A + F, PM = A + F;
  const T* gates = saved;
  const T* cells = saved + TB * G;
  const T* attn_all = saved + TB * 5 * S;
  const T* zhm_all = attn_all + TB * 2 * NN;
  const T* z_all = zhm_all + TB * 2 * S;
  const T* mg_all = z_all + TB * 2 * S;
  const T* m_all = mg_all + TB * 3 * S;
  // c_init, m_init, h (recomputed), dL/dh (the PLAIN step's), dh, dc, dm [B,S]; dg [B,3F,N];
  // dz, dzhm [B,2F,N]; the projections and their gradients; da [B,N,N]; dgates [T,B,4F,N].
  Scratch<T> st, dgs, dzs, proj, dproj, da, dgates;
  VIGIL_CHECK(st.alloc(7 * B * S));
  T *c_init = st.p, *m_init = st.p + B * S, *hl = st.p + 2 * B * S, *dhl = st.p + 3 * B * S;
  T *dh = st.p + 4 * B * S, *dc = st.p + 5 * B * S, *dm = st.p + 6 * B * S;
  VIGIL_CHECK(split_state(B, S, c0, c_init, m_init));
  VIGIL_CHECK(zero(dh, 3 * B * S));  // dh, dc, dm
  VIGIL_CHECK(dgs.alloc(B * 3 * S));
  VIGIL_CHECK(dzs.alloc(B * 4 * S));
  VIGIL_CHECK(proj.alloc(B * (P + PM) * N));
  VIGIL_CHECK(dproj.alloc(B * (P + PM) * N));
  VIGIL_CHECK(da.alloc(B * NN));
  VIGIL_CHECK(dgates.alloc(TB * G));
  T *dg = dgs.p, *dz = dzs.p, *dzhm = dzs.p + B * 2 * S;
  T *qkv = proj.p, *kvm = proj.p + B * P * N, *dq = dproj.p, *dkm = dproj.p + B * P * N;
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* mprev = t > 0 ? m_all + (t - 1) * B * S : m_init;
    const T* mgt = mg_all + t * B * 3 * S;
    const T* mt = m_all + t * B * S;
    const T* ot = gates + t * B * G + 3 * S;
    const T* ct = cells + t * B * S;
    // the memory gates' pre-activation gradients and dL/dM_{t-1} through the update; h again
    VIGIL_CHECK(for_each(B * S, "conv_lstm_sam_memory_backward", [=] __device__(int64_t n) {
      const int64_t b = n / S, q = n % S;
      const T* g3 = mgt + b * 3 * S + q;
      const T ig = g3[0], gg = g3[S], og = g3[2 * S];
      T* d3 = dg + b * 3 * S + q;
      update_backward(ig, gg, og, mt[n], mprev[n], dy[(b * Tn + t) * S + q] + dh[n], dm[n],
                      d3[0], d3[S], d3[2 * S]);
      hl[n] = ot[b * G + q] * tanh(ct[n]);
    }));
    // [dZ; dh] = w_mem^T dg;  d[Z_h; Z_m] = w_z^T dZ
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, 2 * F, N, 3 * F, T(1), wmem, 3 * F, 0, dg, N,
                                      3 * S, T(0), dz, N, 2 * S, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, F, N, 3 * F, T(1), wmem + 2 * F, 3 * F, 0, dg,
                                      N, 3 * S, T(0), dhl, N, S, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, 2 * F, N, 2 * F, T(1), wz, 2 * F, 0, dz, N,
                                      2 * S, T(0), dzhm, N, 2 * S, B));
    // Q, K, V and K_m, V_m as the forward formed them
    VIGIL_CHECK(project(wqkv, bqkv, P, F, static_cast<const T*>(hl), S, N, qkv, P * N, B));
    VIGIL_CHECK(project(wkvm, bkvm, PM, F, mprev, S, N, kvm, PM * N, B));
    const T *qp = qkv, *kp = qkv + A * N, *vp = qkv + 2 * A * N, *kmp = kvm, *vmp = kvm + A * N;
    const T* at = attn_all + t * B * 2 * NN;
    VIGIL_CHECK(attention_backward(A, F, N, B, static_cast<const T*>(dzhm), 2 * S, at, 2 * NN,
                                   qp, P * N, kp, P * N, vp, P * N, dq, P * N, false, dq + A * N,
                                   P * N, dq + 2 * A * N, P * N, da.p));
    VIGIL_CHECK(attention_backward(A, F, N, B, static_cast<const T*>(dzhm + S), 2 * S, at + NN,
                                   2 * NN, qp, P * N, kmp, PM * N, vmp, PM * N, dq, P * N, true,
                                   dkm, PM * N, dkm + A * N, PM * N, da.p));
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, F, N, P, T(1), wqkv, F, 0, dq, N, P * N, T(1),
                                      dhl, N, S, B));
    VIGIL_CHECK(cuda::gemm_batched<T>(true, false, F, N, PM, T(1), wkvm, F, 0, dkm, N, PM * N,
                                      T(1), dm, N, S, B));
    // The memory module's weight gradients for this step: w_mem from [Z; h], w_z from
    // [Z_h; Z_m], w_qkv from h, w_kv_m from M_{t-1}.
    VIGIL_CHECK(weight_grad(3 * F, 2 * F, N, B, static_cast<const T*>(dg), 3 * S,
                            z_all + t * B * 2 * S, 2 * S, dparams[9], 3 * F,
                            static_cast<T*>(nullptr)));
    VIGIL_CHECK(weight_grad(3 * F, F, N, B, static_cast<const T*>(dg), 3 * S,
                            static_cast<const T*>(hl), S,
                            dparams[9] ? dparams[9] + 2 * F : nullptr, 3 * F, dparams[10]));
    VIGIL_CHECK(weight_grad(2 * F, 2 * F, N, B, static_cast<const T*>(dz), 2 * S,
                            zhm_all + t * B * 2 * S, 2 * S, dparams[7], 2 * F, dparams[8]));
    VIGIL_CHECK(weight_grad(P, F, N, B, static_cast<const T*>(dq), P * N,
                            static_cast<const T*>(hl), S, dparams[3], F, dparams[4]));
    VIGIL_CHECK(weight_grad(PM, F, N, B, static_cast<const T*>(dkm), PM * N, mprev, S, dparams[5],
                            F, dparams[6]));
    // The PLAIN step back from dL/dh; then dL/dH^_{t-1} through the recurrent conv.
    const T* cprev = t > 0 ? cells + (t - 1) * B * S : c_init;
    T* dgt = dgates.p + t * B * G;
    VIGIL_CHECK(conv_lstm_gates::step_backward(d, t, gates + t * B * G, ct, cprev,
                                               static_cast<const T*>(nullptr),
                                               static_cast<const T*>(dhl), dc, dgt));
    if (t > 0 || (h0 && dh0))
      VIGIL_CHECK(conv_lstm_gates::recurrent_input_grad(d, wh, static_cast<const T*>(dgt), dh));
  }
  VIGIL_CHECK(initial_state_grads(B, S, static_cast<const T*>(dh), static_cast<const T*>(dc),
                                  static_cast<const T*>(dm), h0 ? dh0 : nullptr, dc0));
  return conv_lstm_gates::weight_grads(d, x, mask, h0, y, wx, wh,
                                       static_cast<const T*>(dgates.p), dx, dparams[0],
                                       dparams[1], dparams[2]);
}

VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace vigil::cuda::conv_lstm_self_attention_memory
