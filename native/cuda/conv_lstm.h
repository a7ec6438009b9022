// conv_lstm on the device: the prototypes of cpu/conv_lstm.h (the math is in vigil/ops.h,
// vigil_conv_lstm_forward), returning a vigil_status. Each cell kind has its own file
// (conv_lstm_<cell>.cu); this header holds what they share. The saved buffer has the CPU
// kernel's layout exactly (cpu/conv_lstm_<cell>.cpp), so either device's backward reads a
// buffer saved by the other.
#pragma once
#include <cstdint>

#include "cpu/conv_lstm.h"
#include "vigil/status.h"

namespace vigil::cuda {

using cpu::ConvLstmDims;

template <typename T>
vigil_status conv_lstm_forward(const ConvLstmDims& d, const T* x, const T* const* params,
                               const T* mask, const T* h0, const T* c0, T* y, T* c_n, T* saved);
template <typename T>
vigil_status conv_lstm_backward(const ConvLstmDims& d, const T* x, const T* const* params,
                                const T* mask, const T* h0, const T* c0, const T* y,
                                const T* saved, const T* dy, T* dx, T* const* dparams, T* dh0,
                                T* dc0);

// The input blocks x is stacked into (cpu::conv_lstm_stack_input's mask_index): block k takes
// the mask m_{idx[k]} (m_0 when the mask has one group).
struct ConvLstmBlocks {
  int n;
  int idx[4];
};

// x [B,T,Cin,HW] -> out [T,B,blocks.n*Cin,HW], block k = x . m_{blocks.idx[k]} (copies when
// mask is null), and the adjoint dx [B,T,Cin,HW] += sum_k m . dstack[T,B,k-th block].
template <typename T>
vigil_status conv_lstm_stack_input(const ConvLstmDims& d, const T* x, const T* mask,
                                   ConvLstmBlocks blocks, T* out);
template <typename T>
vigil_status conv_lstm_unstack_input_grad(const ConvLstmDims& d, const T* dstack, const T* mask,
                                          ConvLstmBlocks blocks, T* dx);

// The PLAIN step's gate machinery, as cpu::conv_lstm_gates (same arguments, device pointers;
// step_backward's cprev may be null: the zero state).
namespace conv_lstm_gates {
template <typename T>
vigil_status input_part(const ConvLstmDims& d, const T* x, const T* mask, const T* wx,
                        const T* bias, T* gates);
template <typename T>
vigil_status step_forward(const ConvLstmDims& d, const T* wh, const T* hprev, T* gt, T* c,
                          T* h_out, T* c_save);
template <typename T>
vigil_status step_backward(const ConvLstmDims& d, int64_t t, const T* gt, const T* c_t,
                           const T* cprev, const T* dy, const T* dh, T* dc, T* dgt);
template <typename T>
vigil_status recurrent_input_grad(const ConvLstmDims& d, const T* wh, const T* dgt, T* dh);
template <typename T>
vigil_status weight_grads(const ConvLstmDims& d, const T* x, const T* mask, const T* h0,
                          const T* y, const T* wx, const T* wh, const T* dgates, T* dx, T* dwx,
                          T* dwh, T* dbias);
}  // namespace conv_lstm_gates

// The cells (conv_lstm_plain.cu, conv_lstm_input_attention.cu,
// conv_lstm_self_attention_memory.cu, conv_lstm_seed_self_attention_memory.cu), as cpu/conv_lstm.h declares them but returning a status;
// each cell's file instantiates its pair with VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(float) and
// (double) inside its namespace.
#define VIGIL_CUDA_CONV_LSTM_CELL_DECLARE(cell)                                                  \
  namespace cell {                                                                              \
  template <typename T>                                                                         \
  vigil_status forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask, \
                       const T* h0, const T* c0, T* y, T* c_n, T* saved);                       \
  template <typename T>                                                                         \
  vigil_status backward(const ConvLstmDims& d, const T* x, const T* const* params,              \
                        const T* mask, const T* h0, const T* c0, const T* y, const T* saved,    \
                        const T* dy, T* dx, T* const* dparams, T* dh0, T* dc0);                 \
  }
#define VIGIL_CUDA_CONV_LSTM_CELL_INSTANTIATE(T)                                                \
  template vigil_status forward<T>(const ConvLstmDims&, const T*, const T* const*, const T*,   \
                                   const T*, const T*, T*, T*, T*);                             \
  template vigil_status backward<T>(const ConvLstmDims&, const T*, const T* const*, const T*,  \
                                    const T*, const T*, const T*, const T*, const T*, T*,       \
                                    T* const*, T*, T*);
VIGIL_CUDA_CONV_LSTM_CELL_DECLARE(conv_lstm_plain)
VIGIL_CUDA_CONV_LSTM_CELL_DECLARE(conv_lstm_input_attention)
VIGIL_CUDA_CONV_LSTM_CELL_DECLARE(conv_lstm_self_attention_memory)
VIGIL_CUDA_CONV_LSTM_CELL_DECLARE(conv_lstm_seed_self_attention_memory)

}  // namespace vigil::cuda
