// conv_lstm on the CPU: one ConvLSTM layer over a whole sequence (the math is in vigil/ops.h,
// vigil_conv_lstm_forward). Each cell kind has its own file (conv_lstm_<cell>.cpp); this header
// holds what they share.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu/conv2d.h"

namespace vigil::cpu {

struct ConvLstmDims {
  int64_t B, T, Cin, H, W;  // x [B, T, Cin, H, W]
  int64_t F;                // state channels: h, c [B, F, H, W]
  int64_t KH, KW;           // every kernel's size (the cell's spatial weights)
  int64_t mask_groups;      // x_mask [mask_groups, B, Cin, H, W]: 0 (none), 1 or 4
  int cell;                 // vigil_conv_lstm_cell
  bool hard;                // recurrent activation: hard sigmoid, else the logistic sigmoid
  int64_t A = 0;            // SELF_ATTENTION_MEMORY: the query/key channels (0 for the others)
  int64_t hw() const { return H * W; }
};

// Saved elements per step and sample (see vigil_conv_lstm_saved_size).
int64_t conv_lstm_saved_per_sample_step(int cell, int64_t F, int64_t H, int64_t W);

// A 'same', stride-1 conv over [batch, cin, H, W] maps of d to cout channels in `groups`.
Conv2dDims conv_lstm_same_conv(const ConvLstmDims& d, int64_t batch, int64_t cin, int64_t cout,
                               int64_t kh, int64_t kw, int64_t groups);

// x [B,T,Cin,HW] -> out [T,B,blocks*Cin,HW]: block k is x times mask m_{mask_index[k]} (x_mask
// of d; with mask_groups 1 every block takes m_0; no mask: plain copies). Time-major, so that one
// conv over T*B samples covers every step's input part.
template <typename T>
void conv_lstm_stack_input(const ConvLstmDims& d, const T* x, const T* mask,
                           const std::vector<int>& mask_index, T* out);
// The adjoint: dx [B,T,Cin,HW] += sum_k m_{mask_index[k]} * dstack[T,B,k-th block].
template <typename T>
void conv_lstm_unstack_input_grad(const ConvLstmDims& d, const T* dstack, const T* mask,
                                  const std::vector<int>& mask_index, T* dx);

// params / dparams in the order of ops.h for d.cell; saved may be null (inference); c_n may be
// null. Backward accumulates into the non-null dx, dparams[k], dh0, dc0.
template <typename T>
void conv_lstm_forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                       const T* h0, const T* c0, T* y, T* c_n, T* saved);
template <typename T>
void conv_lstm_backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                        const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
                        T* const* dparams, T* dh0, T* dc0);

// The Keras ConvLSTM step of the PLAIN cell (conv_lstm_plain.cpp), shared with the two memory
// cells, which run it before their memory modules. Gates [B,4F,H,W] per step, in
// the order i, f, g, o; one step's maps are [B,F,H,W]; y, dy [B,T,F,H,W].
namespace conv_lstm_gates {
// gates [T,B,4F,H,W] = w_x * (x_t . m_k) + bias for every step: one conv over all T*B samples.
template <typename T>
void input_part(const ConvLstmDims& d, const T* x, const T* mask, const T* wx, const T* bias,
                T* gates);
// One step: gt (this step's input part) += w_h * hprev when hprev is given (else h_{t-1} = 0),
// activated in place (i, f, o = sigma, g = tanh); c <- f c + i g; h_out = o tanh(c); c_save
// receives c_t when given. h_out may be hprev (the conv has read it first).
template <typename T>
void step_forward(const ConvLstmDims& d, const T* wh, const T* hprev, T* gt, T* c, T* h_out,
                  T* c_save);
// One step back from the activated gates gt and c_t, c_{t-1}: dL/dh_t = dy[:, t] (when dy is
// given) + dh; dc holds dL/dc_t on entry and dL/dc_{t-1} (through c) on exit; dgt receives the
// pre-activation gradients.
template <typename T>
void step_backward(const ConvLstmDims& d, int64_t t, const T* gt, const T* c_t, const T* cprev,
                   const T* dy, const T* dh, T* dc, T* dgt);
// dh = the w_h^T-conv of dgt (overwritten): dL/dh_{t-1} through this step's gates.
template <typename T>
void recurrent_input_grad(const ConvLstmDims& d, const T* wh, const T* dgt, T* dh);
// The weight gradients from every step's dgates [T,B,4F,H,W], accumulated: dwh (the steps
// whose h_{t-1}, y's previous step or h0, is not the zero state), dwx, dbias and dx; each may
// be null.
template <typename T>
void weight_grads(const ConvLstmDims& d, const T* x, const T* mask, const T* h0, const T* y,
                  const T* wx, const T* wh, const T* dgates, T* dx, T* dwx, T* dwh, T* dbias);
}  // namespace conv_lstm_gates

// The cells (conv_lstm_plain.cpp, conv_lstm_input_attention.cpp,
// conv_lstm_self_attention_memory.cpp, conv_lstm_seed_self_attention_memory.cpp): one namespace each with forward and backward, same
// arguments as conv_lstm_forward/backward; each cell's file instantiates them with
// VIGIL_CONV_LSTM_CELL_INSTANTIATE(float) and (double) inside its namespace.
#define VIGIL_CONV_LSTM_CELL_DECLARE(cell)                                                      \
  namespace cell {                                                                              \
  template <typename T>                                                                         \
  void forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,        \
               const T* h0, const T* c0, T* y, T* c_n, T* saved);                               \
  template <typename T>                                                                         \
  void backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,       \
                const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,       \
                T* const* dparams, T* dh0, T* dc0);                                             \
  }
#define VIGIL_CONV_LSTM_CELL_INSTANTIATE(T)                                                     \
  template void forward<T>(const ConvLstmDims&, const T*, const T* const*, const T*, const T*, \
                           const T*, T*, T*, T*);                                              \
  template void backward<T>(const ConvLstmDims&, const T*, const T* const*, const T*,          \
                            const T*, const T*, const T*, const T*, const T*, T*, T* const*,   \
                            T*, T*);
VIGIL_CONV_LSTM_CELL_DECLARE(conv_lstm_plain)
VIGIL_CONV_LSTM_CELL_DECLARE(conv_lstm_input_attention)
VIGIL_CONV_LSTM_CELL_DECLARE(conv_lstm_self_attention_memory)
VIGIL_CONV_LSTM_CELL_DECLARE(conv_lstm_seed_self_attention_memory)

// The recurrent activation sigma and its derivative from its output s (hard: slope 0.2 where
// not clipped, i.e. 0 < s < 1).
template <typename T>
inline T conv_lstm_sigma(bool hard, T z) {
  if (hard) {
    const T v = T(0.2) * z + T(0.5);
    return v < T(0) ? T(0) : v > T(1) ? T(1) : v;
  }
  return T(1) / (T(1) + std::exp(-z));
}
template <typename T>
inline T conv_lstm_sigma_grad(bool hard, T s) {
  if (hard) return s > T(0) && s < T(1) ? T(0.2) : T(0);
  return s * (T(1) - s);
}

}  // namespace vigil::cpu
