// conv_lstm on the CPU: the saved sizes, the time-major masked input every cell convolves, and
// the dispatch to the cell kinds (conv_lstm_<cell>.cpp).
#include "cpu/conv_lstm.h"

#include "core/parallel.h"
#include "vigil/ops.h"

namespace vigil::cpu {

int64_t conv_lstm_saved_per_sample_step(int cell, int64_t F, int64_t H, int64_t W) {
  // PLAIN: the activated gates i, f, g, o and c_t.
  if (cell == VIGIL_CONV_LSTM_PLAIN) return 5 * F * H * W;
  // INPUT_ATTENTION: s, z (the attention logits), g and c_t maps, then f and o per channel
  // (conv_lstm_input_attention.cpp).
  if (cell == VIGIL_CONV_LSTM_INPUT_ATTENTION) return 4 * F * H * W + 2 * F;
  // SELF_ATTENTION_MEMORY: PLAIN's five maps, then the two attention matrices [N,N] (N = H*W),
  // Z_h and Z_m, Z, the memory gates i', g', o' and M_t (conv_lstm_self_attention_memory.cpp).
  if (cell == VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY) return 13 * F * H * W + 2 * H * W * H * W;
  // SEED_SELF_ATTENTION_MEMORY: PLAIN's five maps, then A_h and A_m ([H,W] each, H = W), z_h and
  // z_m, Z, the memory gates and M_t (conv_lstm_seed_self_attention_memory.cpp).
  if (cell == VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY) return (10 * F + 4) * H * W;
  return -1;
}

Conv2dDims conv_lstm_same_conv(const ConvLstmDims& d, int64_t batch, int64_t cin, int64_t cout,
                               int64_t kh, int64_t kw, int64_t groups) {
  int64_t pt, pb, pl, pr;
  same_pads(d.H, kh, 1, 1, &pt, &pb);
  same_pads(d.W, kw, 1, 1, &pl, &pr);
  return Conv2dDims{batch, cin, d.H, d.W, cout, d.H, d.W, kh, kw, groups, 1, 1, 1, 1, pt, pl};
}

template <typename T>
void conv_lstm_stack_input(const ConvLstmDims& d, const T* x, const T* mask,
                           const std::vector<int>& mask_index, T* out) {
  const int64_t HW = d.hw(), plane = d.Cin * HW, K = static_cast<int64_t>(mask_index.size());
  parallel_for(0, d.T * d.B, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t t = s / d.B, b = s % d.B;
      const T* xs = x + (b * d.T + t) * plane;
      for (int64_t k = 0; k < K; ++k) {
        T* o = out + (s * K + k) * plane;
        if (!mask) {
          std::copy(xs, xs + plane, o);
          continue;
        }
        const int64_t mk = d.mask_groups == 4 ? mask_index[k] : 0;
        const T* m = mask + (mk * d.B + b) * plane;
        for (int64_t i = 0; i < plane; ++i) o[i] = xs[i] * m[i];
      }
    }
  });
}

template <typename T>
void conv_lstm_unstack_input_grad(const ConvLstmDims& d, const T* dstack, const T* mask,
                                  const std::vector<int>& mask_index, T* dx) {
  const int64_t HW = d.hw(), plane = d.Cin * HW, K = static_cast<int64_t>(mask_index.size());
  parallel_for(0, d.T * d.B, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t t = s / d.B, b = s % d.B;
      T* dxs = dx + (b * d.T + t) * plane;
      for (int64_t k = 0; k < K; ++k) {
        const T* g = dstack + (s * K + k) * plane;
        if (!mask) {
          for (int64_t i = 0; i < plane; ++i) dxs[i] += g[i];
          continue;
        }
        const int64_t mk = d.mask_groups == 4 ? mask_index[k] : 0;
        const T* m = mask + (mk * d.B + b) * plane;
        for (int64_t i = 0; i < plane; ++i) dxs[i] += g[i] * m[i];
      }
    }
  });
}

template <typename T>
void conv_lstm_forward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                       const T* h0, const T* c0, T* y, T* c_n, T* saved) {
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
}

template <typename T>
void conv_lstm_backward(const ConvLstmDims& d, const T* x, const T* const* params, const T* mask,
                        const T* h0, const T* c0, const T* y, const T* saved, const T* dy, T* dx,
                        T* const* dparams, T* dh0, T* dc0) {
  switch (d.cell) {
    case VIGIL_CONV_LSTM_PLAIN:
      return conv_lstm_plain::backward(d, x, params, mask, h0, c0, y, saved, dy, dx, dparams,
                                       dh0, dc0);
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
}

#define VIGIL_INSTANTIATE(T)                                                                      \
  template void conv_lstm_stack_input<T>(const ConvLstmDims&, const T*, const T*,               \
                                         const std::vector<int>&, T*);                           \
  template void conv_lstm_unstack_input_grad<T>(const ConvLstmDims&, const T*, const T*,        \
                                                const std::vector<int>&, T*);                    \
  template void conv_lstm_forward<T>(const ConvLstmDims&, const T*, const T* const*, const T*,  \
                                     const T*, const T*, T*, T*, T*);                            \
  template void conv_lstm_backward<T>(const ConvLstmDims&, const T*, const T* const*, const T*, \
                                      const T*, const T*, const T*, const T*, const T*, T*,      \
                                      T* const*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
