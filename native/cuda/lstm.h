// One LSTM layer on the device: the prototypes of cpu/lstm.h.
#pragma once
#include "cpu/lstm.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::LstmDims;

template <typename T>
vigil_status lstm_forward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh,
                          const T* b_ih, const T* b_hh, const T* h0, const T* c0, T* y, T* h_n,
                          T* c_n, T* gates, T* cells);
template <typename T>
vigil_status lstm_backward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh,
                           const T* h0, const T* c0, const T* y, const T* gates, const T* cells,
                           const T* dy, const T* dh_n, const T* dc_n, T* dx, T* dw_ih, T* dw_hh,
                           T* db_ih, T* db_hh, T* dh0, T* dc0);

}  // namespace vigil::cuda
