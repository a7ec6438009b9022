// One LSTM layer over a whole sequence (the math is in vigil/ops.h, vigil_lstm_forward).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "cpu/gemm.h"

namespace vigil::cpu {

struct LstmDims {
  int64_t B, T, I, H;  // batch, time, input features, hidden size
};

// An LSTM layer's weights in the kernels' layout: packed once, then read by any number of
// inference calls (an inference plan keeps them; the op repacks per call).
template <typename T>
struct LstmPacked {
  int64_t I = 0, H = 0;
  PackedB<T> w_ih, w_hh;  // W_ih^T [I, 4H], W_hh^T [H, 4H]
  std::vector<T> bias;    // b_ih + b_hh; empty when both are null
  void pack(int64_t I, int64_t H, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh);
};

// Inference for nb batch rows on the calling thread: row r's input at step t is
// x + r * x_row + t * x_step (x_step = 0: the same input at every step, projected once).
// y [nb, T, H]; h0, c0 [nb, H] or null (zeros); h_n, c_n [nb, H] or null. The same arithmetic
// as lstm_forward, whose inference path it is: a row's result depends only on its own inputs.
// projected: x holds the input projections x_t W_ih^T ([.., 4H] rows, computed by gemm_packed
// with w.w_ih, e.g. once for rows that several overlapping windows share) instead of inputs.
template <typename T>
void lstm_infer(const LstmPacked<T>& w, int64_t nb, int64_t T_steps, const T* x, int64_t x_row,
                int64_t x_step, const T* h0, const T* c0, T* y, T* h_n, T* c_n,
                bool projected = false);

// Hidden units [u0, u1) of an LSTM layer, for one member of a team of threads that runs a
// small batch's recurrence together: the gate columns (i, f, g, o) of those units, packed.
template <typename T>
struct LstmPart {
  int64_t u0 = 0, u1 = 0;
  PackedB<T> w_ih, w_hh;  // [I, 4n] and [H, 4n], n = u1 - u0, columns gate-major
  std::vector<T> bias;
};

// Cuts the units into `parts` equal parts; each must be a multiple of 8 units (the activations'
// vector width, so that an element's arithmetic does not depend on the cut). Empty when H
// does not divide so.
template <typename T>
std::vector<LstmPart<T>> lstm_parts(const LstmPacked<T>& w, const T* w_ih, const T* w_hh,
                                    int parts);

// One member's share of lstm_infer (same arguments; h0, c0 zero, no final state): every row,
// the member's units. After each step the member calls step_done(), which must return only
// when every member has written its units of h_t (a barrier): the next step reads all of them.
// The result equals lstm_infer's bit for bit.
template <typename T>
void lstm_infer_part(const LstmPart<T>& p, int64_t I, int64_t H, int64_t nb, int64_t T_steps,
                     const T* x, int64_t x_row, int64_t x_step, T* y,
                     const std::function<void()>& step_done);

// Shapes as in ops.h; b_ih, b_hh, h0, c0 may be null; gates and cells are both null
// (inference) or both set (training, saved for backward).
template <typename T>
void lstm_forward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih,
                  const T* b_hh, const T* h0, const T* c0, T* y, T* h_n, T* c_n, T* gates,
                  T* cells);

// Full BPTT; accumulates into every non-null gradient. dy, dh_n, dc_n may be null.
template <typename T>
void lstm_backward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh, const T* h0,
                   const T* c0, const T* y, const T* gates, const T* cells, const T* dy,
                   const T* dh_n, const T* dc_n, T* dx, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh,
                   T* dh0, T* dc0);

}  // namespace vigil::cpu
