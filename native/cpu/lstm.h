// One LSTM layer over a whole sequence (the math is in vigil/ops.h, vigil_lstm_forward).
#pragma once
#include <cstdint>

namespace vigil::cpu {

struct LstmDims {
  int64_t B, T, I, H;  // batch, time, input features, hidden size
};

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
