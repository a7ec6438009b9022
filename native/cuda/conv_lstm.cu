// conv_lstm on the device: the time-major masked input every cell convolves, and the dispatch to
// the cell kinds (conv_lstm_<cell>.cu). Mirrors cpu/conv_lstm.cpp; one thread per element.
// Nothing here has run on a GPU yet (compiled only; test/native/test_cuda_parity.cpp has the
// cases for every cell).
#include "cuda/conv_lstm.cuh"
#include "vigil/ops.h"

namespace vigil::cuda {

template <typename T>
vigil_status conv_lstm_stack_input(const ConvLstmDims& d, const T* x, const T* mask,
                                   ConvLstmBlocks blocks, T* out) {
  const int64_t B = d.B, Tn = d.T, plane = d.Cin * d.hw(), K = blocks.n;
  const bool four = d.mask_groups == 4;
  return for_each(Tn * B * K * plane, "conv_lstm_stack_input", [=] __device__(int64_t i) {
    const int64_t e = i % plane, k = (i / plane) % K, s = i / (plane * K);
    const int64_t t = s / B, b = s % B;
    const T v = x[(b * Tn + t) * plane + e];
    if (!mask) {
      out[i] = v;
      return;
    }
    const int64_t mk = four ? blocks.idx[k] : 0;
    out[i] = v * mask[(mk * B + b) * plane + e];
  });
}

template <typename T>
vigil_status conv_lstm_unstack_input_grad(const ConvLstmDims& d, const T* dstack, const T* mask,
                                          ConvLstmBlocks blocks, T* dx) {
  const int64_t B = d.B, Tn = d.T, plane = d.Cin * d.hw(), K = blocks.n;
  const bool four = d.mask_groups == 4;
  return for_each(B * Tn * plane, "conv_lstm_unstack_input_grad", [=] __device__(int64_t i) {
    const int64_t e = i % plane, bt = i / plane, t = bt % Tn, b = bt / Tn;
    const int64_t s = t * B + b;
    T a = dx[i];
    for (int64_t k = 0; k < K; ++k) {  // in block order, as the CPU adds them
      const T g = dstack[(s * K + k) * plane + e];
      if (!mask) {
        a += g;
      } else {
        const int64_t mk = four ? blocks.idx[k] : 0;
        a += g * mask[(mk * B + b) * plane + e];
      }
    }
    dx[i] = a;
  });
}

namespace {
vigil_status no_cell(int cell) {  // the api has checked the cell: never reached
  return fail(VIGIL_ERR_ARG, current_op(), "unknown cell " + std::to_string(cell));
}
}  // namespace

template <typename T>
vigil_status conv_lstm_forward(const ConvLstmDims& d, const T* x, const T* const* params,
                               const T* mask, const T* h0, const T* c0, T* y, T* c_n, T* saved) {
  switch (d.cell) {
    case VIGIL_CONV_LSTM_PLAIN:
      return conv_lstm_plain::forward(d, x, params, mask, h0, c0, y, c_n, saved);
    case VIGIL_CONV_LSTM_INPUT_ATTENTION:
      return conv_lstm_input_attention::forward(d, x, params, mask, h0, c0, y, c_n, saved);
    case VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY:
      return conv_lstm_self_attention_memory::forward(d, x, params, mask, h0, c0, y, c_n, saved);
    case VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY:
      return conv_lstm_seed_self_attention_memory::forward(d, x, params, mask, h0, c0, y, c_n,
                                                           saved);
  }
  return no_cell(d.cell);
}

template <typename T>
vigil_status conv_lstm_backward(const ConvLstmDims& d, const T* x, const T* const* params,
                                const T* mask, const T* h0, const T* c0, const T* y,
                                const T* saved, const T* dy, T* dx, T* const* dparams, T* dh0,
                                T* dc0) {
  switch (d.cell) {
    case VIGIL_CONV_LSTM_PLAIN:
      return conv_lstm_plain::backward(d, x, params, mask, h0, c0, y, saved, dy, dx, dparams, dh0,
                                       dc0);
    case VIGIL_CONV_LSTM_INPUT_ATTENTION:
      return conv_lstm_input_attention::backward(d, x, params, mask, h0, c0, y, saved, dy, dx,
                                                 dparams, dh0, dc0);
    case VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY:
      return conv_lstm_self_attention_memory::backward(d, x, params, mask, h0, c0, y, saved, dy,
                                                       dx, dparams, dh0, dc0);
    case VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY:
      return conv_lstm_seed_self_attention_memory::backward(d, x, params, mask, h0, c0, y, saved,
                                                            dy, dx, dparams, dh0, dc0);
  }
  return no_cell(d.cell);
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template vigil_status conv_lstm_stack_input<T>(const ConvLstmDims&, const T*, const T*,      \
                                                 ConvLstmBlocks, T*);                           \
  template vigil_status conv_lstm_unstack_input_grad<T>(const ConvLstmDims&, const T*,         \
                                                        const T*, ConvLstmBlocks, T*);          \
  template vigil_status conv_lstm_forward<T>(const ConvLstmDims&, const T*, const T* const*,   \
                                             const T*, const T*, const T*, T*, T*, T*);         \
  template vigil_status conv_lstm_backward<T>(const ConvLstmDims&, const T*, const T* const*,  \
                                              const T*, const T*, const T*, const T*, const T*, \
                                              const T*, T*, T* const*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
