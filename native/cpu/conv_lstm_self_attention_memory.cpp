// The SELF_ATTENTION_MEMORY ConvLSTM cell (SA-ConvLSTM, Lin et al. AAAI-20; the equations are in
// vigil/ops.h) over a whole sequence on the CPU. Params: 0 w_x, 1 w_h, 2 bias (the PLAIN step),
// 3 w_qkv, 4 b_qkv, 5 w_kv_m, 6 b_kv_m, 7 w_z, 8 b_z, 9 w_mem, 10 b_mem (the memory module).
// One sample's maps are [C, N] (channels, N = H*W positions), so every 1x1 projection is a GEMM
// W [Cout,Cin] @ v [Cin,N] and the attention is two GEMMs around a row softmax:
//   S = Q^T K [N,N] (gemm with trans_a), A = softmax_row(S), Z = V A^T (gemm with trans_b).
// The state is H^ (y's previous step), c and M; c0/c_n/dc0 carry [c; M] per sample ([B,2F,N]).
//
// Forward, per step: the PLAIN step (conv_lstm_gates: the input part of every step is one conv
// over T*B samples before the loop) gives h and c_t; then one pass per sample (parallel over B,
// the GEMMs single-threaded inside it) runs the memory module and writes H^_t to y.
// Backward (BPTT), per step from the last: one pass per sample from dL/dH^_t = dy_t + the
// recurrent conv's dh and the carried dL/dM_t gives the memory gates' pre-activation gradients,
// dZ, d[Z_h; Z_m], the projections' gradients (Q, K, V, K_m, V_m are recomputed from h and
// M_{t-1}: two GEMMs), dL/dh and dL/dM_{t-1}; the module's weight gradients accumulate per step
// (a GEMM per sample, the pool splitting its rows); then the PLAIN step backward from dL/dh and
// the recurrent conv's input gradient. The PLAIN weight gradients are one conv backward each
// over all steps at the end (conv_lstm_gates::weight_grads).
//
// The softmax (conv_lstm_memory.h): per row, e^(s - max s), vectorised in f32, normalised by
// the sum (in double). Its backward: dS = A . (dA - rowsum(dA . A)).
//
// saved (13F*N + 2N^2 per sample and step), in blocks:
//   gates [T,B,4F,N]   the activated PLAIN gates i, f, g, o   } as PLAIN (conv_lstm_gates);
//   c     [T,B,F,N]    c_t                                     } h = o tanh(c_t) is recomputed
//   attn  [T,B,2,N,N]  A_h then A_m
//   zhm   [T,B,2F,N]   Z_h then Z_m (w_z's input)
//   z     [T,B,2F,N]   Z (w_mem's input with h)
//   mg    [T,B,3F,N]   the activated memory gates i', g', o'
//   m     [T,B,F,N]    M_t (M_{t-1} is the previous step's, or c0's second half, or zero)
// At B=64, T=5, F=64, 13x13 that is 64*5*(13*64*169 + 2*169^2) floats = 244 MB; at 5x5 with
// F=128 (Sa-DVCRAE's encoder), 64*5*(13*128*25 + 2*625) floats = 55 MB.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel.h"
#include "cpu/conv_lstm.h"
#include "cpu/conv_lstm_memory.h"
#include "cpu/gemm.h"
#include "cpu/vec_act.h"

namespace vigil::cpu::conv_lstm_self_attention_memory {
namespace {

using namespace conv_lstm_memory;

// out [rows,N] = w [rows,cols] @ v [cols,N] + bias (per row; bias may be null).
template <typename T>
void project(const T* w, const T* bias, int64_t rows, int64_t cols, const T* v, int64_t N,
             T* out) {
  gemm<T>(false, false, rows, N, cols, T(1), w, cols, v, N, T(0), out, N);
  if (bias)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t p = 0; p < N; ++p) out[r * N + p] += bias[r];
}

// The attention backward for one sample: from dZ [F,N] (Z = V A^T), A [N,N], Q, Kx [Ah,N] and
// V [F,N]: dV [F,N] (overwritten), dQ [Ah,N] (accumulated when accumulate_dq), dK [Ah,N]
// (overwritten); da [N,N] is scratch.
template <typename T>
void attention_backward(int64_t Ah, int64_t F, int64_t N, const T* dz, const T* a, const T* q,
                        const T* k, const T* v, T* dq, bool accumulate_dq, T* dk, T* dv, T* da) {
  gemm<T>(false, false, F, N, N, T(1), dz, N, a, N, T(0), dv, N);   // dV = dZ A
  gemm<T>(true, false, N, N, F, T(1), dz, N, v, N, T(0), da, N);    // dA = dZ^T V
  softmax_rows_backward(a, da, N, N);                               // dS
  gemm<T>(false, true, Ah, N, N, T(1), k, N, da, N, accumulate_dq ? T(1) : T(0), dq, N);  // K dS^T
  gemm<T>(false, false, Ah, N, N, T(1), q, N, da, N, T(0), dk, N);  // dK = Q dS
}

// dw [rows, ldw-strided cols] += g [rows,N] @ v [cols,N]^T; dbias [rows] += rowsum(g).
template <typename T>
void weight_grad(int64_t rows, int64_t cols, int64_t N, const T* g, const T* v, T* dw,
                 int64_t ldw, T* dbias) {
  if (dw) gemm<T>(false, true, rows, cols, N, T(1), g, N, v, N, T(1), dw, ldw);
  if (dbias)
    for (int64_t r = 0; r < rows; ++r) {
      T a = 0;
      for (int64_t p = 0; p < N; ++p) a += g[r * N + p];
      dbias[r] += a;
    }
}

}  // namespace

template <typename T>
void forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
             const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  const T *wx = params[0], *wh = params[1], *bias = params[2];
  const T *wqkv = params[3], *bqkv = params[4], *wkvm = params[5], *bkvm = params[6];
  const T *wz = params[7], *bz = params[8], *wmem = params[9], *bmem = params[10];
  const int64_t B = d.B, Tn = d.T, TB = Tn * B, F = d.F, A = d.A, N = d.hw(), S = F * N;
  const int64_t G = 4 * S, NN = N * N;
  std::vector<T> scratch(saved ? 0 : TB * G);
  T* gates = saved ? saved : scratch.data();
  T* cells = saved ? saved + TB * G : nullptr;
  T* attn_all = saved ? saved + TB * 5 * S : nullptr;
  T* zhm_all = saved ? attn_all + TB * 2 * NN : nullptr;
  T* z_all = saved ? zhm_all + TB * 2 * S : nullptr;
  T* mg_all = saved ? z_all + TB * 2 * S : nullptr;
  T* m_all = saved ? mg_all + TB * 3 * S : nullptr;
  conv_lstm_gates::input_part(d, x, mask, wx, bias, gates);
  std::vector<T> h(B * S, T(0)), hl(B * S), c(B * S), m(B * S);
  if (h0) std::copy(h0, h0 + B * S, h.begin());
  split_state(B, S, c0, c.data(), m.data());
  for (int64_t t = 0; t < Tn; ++t) {
    conv_lstm_gates::step_forward(d, wh, t > 0 || h0 ? h.data() : nullptr, gates + t * B * G,
                                  c.data(), hl.data(), cells ? cells + t * B * S : nullptr);
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> qkv((2 * A + F) * N), kvm((A + F) * N);
      std::vector<T> own(saved ? 0 : 2 * NN + 7 * S);  // attn, zhm, z, mg without saved
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t sb = t * B + b;
        T* at = saved ? attn_all + sb * 2 * NN : own.data();
        T* zhm = saved ? zhm_all + sb * 2 * S : own.data() + 2 * NN;
        T* z = saved ? z_all + sb * 2 * S : own.data() + 2 * NN + 2 * S;
        T* mg = saved ? mg_all + sb * 3 * S : own.data() + 2 * NN + 4 * S;
        const T* hb = hl.data() + b * S;
        T* mb = m.data() + b * S;
        project(wqkv, bqkv, 2 * A + F, F, hb, N, qkv.data());
        project(wkvm, bkvm, A + F, F, mb, N, kvm.data());
        const T *q = qkv.data(), *k = q + A * N, *v = q + 2 * A * N;
        const T *km = kvm.data(), *vm = km + A * N;
        gemm<T>(true, false, N, N, A, T(1), q, N, k, N, T(0), at, N);
        gemm<T>(true, false, N, N, A, T(1), q, N, km, N, T(0), at + NN, N);
        softmax_rows(at, 2 * N, N);
        gemm<T>(false, true, F, N, N, T(1), v, N, at, N, T(0), zhm, N);
        gemm<T>(false, true, F, N, N, T(1), vm, N, at + NN, N, T(0), zhm + S, N);
        project(wz, bz, 2 * F, 2 * F, zhm, N, z);
        gemm<T>(false, false, 3 * F, N, 2 * F, T(1), wmem, 3 * F, z, N, T(0), mg, N);
        gemm<T>(false, false, 3 * F, N, F, T(1), wmem + 2 * F, 3 * F, hb, N, T(1), mg, N);
        if (bmem)
          for (int64_t r = 0; r < 3 * F; ++r)
            for (int64_t p = 0; p < N; ++p) mg[r * N + p] += bmem[r];
        sigmoid_n(mg, mg, S);
        tanh_n(mg + S, mg + S, S);
        sigmoid_n(mg + 2 * S, mg + 2 * S, S);
        const T *ig = mg, *gg = mg + S, *og = mg + 2 * S;
        T* hout = h.data() + b * S;
        update(ig, gg, og, mb, hout, S);
        if (m_all) std::copy(mb, mb + S, m_all + sb * S);
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
  std::vector<T> c_init(B * S), m_init(B * S);
  split_state(B, S, c0, c_init.data(), m_init.data());
  // Per step, per sample: the memory gates' pre-activation gradients dg [3F,N], dZ [2F,N], the
  // projections' gradients [P,N] and [PM,N], h [F,N] (recomputed) and dL/dh [F,N]; kept until
  // the step's weight gradients are taken.
  std::vector<T> dg(B * 3 * S), dz(B * 2 * S), dqkv(B * P * N), dkvm(B * PM * N), hl(B * S);
  std::vector<T> dhl(B * S), dgates(TB * G), dh(B * S, T(0)), dc(B * S, T(0)), dm(B * S, T(0));
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const T* mprev_t = t > 0 ? m_all + (t - 1) * B * S : m_init.data();
    parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> dH(S), tc(S), dzhm(2 * S), qkv(P * N), kvm(PM * N), da(NN);
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t sb = t * B + b;
        const T *ig = mg_all + sb * 3 * S, *gg = ig + S, *og = ig + 2 * S;
        const T *mt = m_all + sb * S, *mp = mprev_t + b * S;
        const T* dyb = dy + (b * Tn + t) * S;
        const T* dhb = dh.data() + b * S;
        T* dmb = dm.data() + b * S;
        T *dgi = dg.data() + b * 3 * S, *dgg = dgi + S, *dgo = dgi + 2 * S;
        // dmb: dL/dM_{t-1} through the update; K_m, V_m add below
        update_backward(ig, gg, og, mt, mp, dyb, dhb, dmb, dgi, dgg, dgo, S);
        // [dZ; dh] = w_mem^T dg;  d[Z_h; Z_m] = w_z^T dZ
        T* dzb = dz.data() + b * 2 * S;
        T* dhlb = dhl.data() + b * S;
        gemm<T>(true, false, 2 * F, N, 3 * F, T(1), wmem, 3 * F, dgi, N, T(0), dzb, N);
        gemm<T>(true, false, F, N, 3 * F, T(1), wmem + 2 * F, 3 * F, dgi, N, T(0), dhlb, N);
        gemm<T>(true, false, 2 * F, N, 2 * F, T(1), wz, 2 * F, dzb, N, T(0), dzhm.data(), N);
        // h = o tanh(c_t), then Q, K, V and K_m, V_m as the forward formed them
        const T* ob = gates + sb * G + 3 * S;
        T* hb = hl.data() + b * S;
        tanh_n(cells + sb * S, tc.data(), S);
        for (int64_t p = 0; p < S; ++p) hb[p] = ob[p] * tc[p];
        project(wqkv, bqkv, P, F, hb, N, qkv.data());
        project(wkvm, bkvm, PM, F, mp, N, kvm.data());
        const T *q = qkv.data(), *k = q + A * N, *v = q + 2 * A * N;
        const T *km = kvm.data(), *vm = km + A * N;
        const T* at = attn_all + sb * 2 * NN;
        T* dq = dqkv.data() + b * P * N;
        T* dkm = dkvm.data() + b * PM * N;
        attention_backward(A, F, N, dzhm.data(), at, q, k, v, dq, false, dq + A * N,
                           dq + 2 * A * N, da.data());
        attention_backward(A, F, N, dzhm.data() + S, at + NN, q, km, vm, dq, true, dkm,
                           dkm + A * N, da.data());
        gemm<T>(true, false, F, N, P, T(1), wqkv, F, dq, N, T(1), dhlb, N);
        gemm<T>(true, false, F, N, PM, T(1), wkvm, F, dkm, N, T(1), dmb, N);
      }
    });
    // The memory module's weight gradients for this step, one sample at a time (each GEMM on
    // the pool): w_mem from [Z; h], w_z from [Z_h; Z_m], w_qkv from h, w_kv_m from M_{t-1}.
    for (int64_t b = 0; b < B; ++b) {
      const int64_t sb = t * B + b;
      const T* dgb = dg.data() + b * 3 * S;
      if (dparams[9])
        gemm<T>(false, true, 3 * F, 2 * F, N, T(1), dgb, N, z_all + sb * 2 * S, N, T(1),
                dparams[9], 3 * F);
      weight_grad(3 * F, F, N, dgb, hl.data() + b * S, dparams[9] ? dparams[9] + 2 * F : nullptr,
                  3 * F, dparams[10]);
      weight_grad(2 * F, 2 * F, N, dz.data() + b * 2 * S, zhm_all + sb * 2 * S, dparams[7], 2 * F,
                  dparams[8]);
      weight_grad(P, F, N, dqkv.data() + b * P * N, hl.data() + b * S, dparams[3], F,
                  dparams[4]);
      weight_grad(PM, F, N, dkvm.data() + b * PM * N, mprev_t + b * S, dparams[5], F,
                  dparams[6]);
    }
    // The PLAIN step back from dL/dh; then dL/dH^_{t-1} through the recurrent conv.
    const T* cprev = t > 0 ? cells + (t - 1) * B * S : c_init.data();
    T* dgt = dgates.data() + t * B * G;
    conv_lstm_gates::step_backward(d, t, gates + t * B * G, cells + t * B * S, cprev,
                                   static_cast<const T*>(nullptr), dhl.data(), dc.data(), dgt);
    if (t > 0 || (h0 && dh0))
      conv_lstm_gates::recurrent_input_grad(d, wh, dgt, dh.data());
  }
  if (dh0 && h0)
    for (int64_t i = 0; i < B * S; ++i) dh0[i] += dh[i];
  if (dc0) join_state(B, S, dc.data(), dm.data(), dc0, true);
  conv_lstm_gates::weight_grads(d, x, mask, h0, y, wx, wh, dgates.data(), dx, dparams[0],
                                dparams[1], dparams[2]);
}

VIGIL_CONV_LSTM_CELL_INSTANTIATE(float)
VIGIL_CONV_LSTM_CELL_INSTANTIATE(double)

}  // namespace vigil::cpu::conv_lstm_self_attention_memory
