// conv_lstm, cell SEED_SELF_ATTENTION_MEMORY (Macas' SaConvLSTM2DCell without the h/c swap):
// the fast kernel against ref::conv_lstm_seed_sam_forward (double loops) at 1 and 2 threads,
// the attention rows of the saved buffer summing to 1, an f64 central-difference gradient of
// every input (and that the check catches a wrong one), the saved size, and the H == W and
// param errors.
#include <cmath>
#include <string>
#include <vector>

#include "conv_lstm_memory_cells.h"
#include "cpu/ref/conv_lstm_seed.h"
#include "harness.h"

using harness::Buf;

namespace {

using conv_lstm_memory_test::MemoryCellKind;
using conv_lstm_memory_test::MemoryLayer;
using conv_lstm_memory_test::MemoryShape;

// The projections' scale, 4 / sqrt(F), sets the attention logits' (sums of n products of F-term
// sums): large enough that the attention is far from uniform (checked below).
const MemoryCellKind kSeed = {
    VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY,
    {"w_x", "w_h", "bias", "w_sa", "w_z", "w_mem", "b_mem"},
    [](const MemoryShape& s) -> std::vector<std::vector<int64_t>> {
      const int64_t F = s.F, K = s.K;
      return {{4 * F, s.Cin, K, K}, {4 * F, F, K, K}, {4 * F}, {5, F, 1, 1}, {F, 2, K, K},
              {6 * F, 1, K, K},     {3 * F}};
    },
    {false, false, true, false, false, false, true},
    [](const MemoryShape& s) -> std::vector<double> {
      return {0.4, 0.4, 0.3, 4 / std::sqrt(double(s.F)), 0.5, 0.5, 0.3};
    }};

template <typename T>
void seed_reference(MemoryLayer<T>& m, std::vector<double>& y, std::vector<double>& cn) {
  const MemoryShape& s = m.s;
  vigil::cpu::ConvLstmDims d{s.B, s.T, s.Cin, s.H, s.W, s.F, s.K, s.K, s.mask_groups,
                             VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY, s.hard};
  const auto ps = m.host_params();
  y.assign(m.y.v.size(), 0);
  cn.assign(m.c_n.v.size(), 0);
  vigil::ref::conv_lstm_seed_sam_forward(d, m.x.p(), ps.data(),
                                         s.mask_groups ? m.mask.p() : nullptr,
                                         s.init ? m.h0.p() : nullptr, s.init ? m.c0.p() : nullptr,
                                         y.data(), cn.data());
}

// {B, T, Cin, H, W (= H), F, A (none), K, masks, h0/c0, hard, bias}
const std::vector<MemoryShape> kSeedShapes = {
    {2, 3, 3, 4, 4, 4, 0, 3, 0, false, true, true},
    {2, 4, 2, 5, 5, 3, 0, 3, 4, true, true, true},
    {3, 2, 1, 5, 5, 2, 0, 3, 1, true, false, false},
    {2, 3, 2, 6, 6, 3, 0, 2, 4, true, false, true},  // even kernel: the odd pad after
    {1, 5, 3, 7, 7, 5, 0, 3, 0, true, true, true},
    {2, 3, 8, 5, 5, 32, 0, 3, 4, true, true, true},  // Sa-DVCRAE's 5x5 maps, 32 channels
};

HTEST(conv_lstm_seed_forward_matches_reference) {
  for (int threads : {1, 2}) {
    vigil_set_num_threads(threads);
    for (const MemoryShape& s : kSeedShapes) {
      MemoryLayer<double> m(kSeed, s, 2300);
      MemoryLayer<float> mf(kSeed, s, 2300), ms(kSeed, s, 2300);
      HCHECK_OK(m.forward());
      HCHECK_OK(mf.forward(false));  // inference: nothing saved
      HCHECK_OK(ms.forward(true));
      std::vector<double> y, cn;
      seed_reference(m, y, cn);
      const std::string tag =
          conv_lstm_memory_test::memory_label(s) + " threads " + std::to_string(threads);
      HCHECK_CLOSE(("y f64 " + tag).c_str(), m.y.p(), y.data(), m.y.n(), 1e-12, 1e-13);
      HCHECK_CLOSE(("c_n f64 " + tag).c_str(), m.c_n.p(), cn.data(), m.c_n.n(), 1e-12, 1e-13);
      seed_reference(mf, y, cn);  // on the same f32-rounded inputs: the kernel's rounding
      std::vector<double> yf(mf.y.v.begin(), mf.y.v.end());
      std::vector<double> cf(mf.c_n.v.begin(), mf.c_n.v.end());
      HCHECK_CLOSE(("y f32 " + tag).c_str(), yf.data(), y.data(), mf.y.n(), 1e-4, 1e-5);
      HCHECK_CLOSE(("c_n f32 " + tag).c_str(), cf.data(), cn.data(), mf.c_n.n(), 1e-4, 1e-5);
      HCHECK(ms.y.v == mf.y.v, ("training and inference forwards agree: " + tag).c_str());
    }
  }
  vigil_set_num_threads(0);
}

// The saved buffer's attention block (after the 5F*N PLAIN maps of every step and sample, see
// cpu/conv_lstm_seed_self_attention_memory.cpp): 2n rows of n per sample and step (n = H = W).
// The memory block's last step is c_n's second half.
template <typename T>
void check_attention_rows(const MemoryShape& s, double tol) {
  MemoryLayer<T> m(kSeed, s, 2400);
  HCHECK_OK(m.forward());
  const int64_t n = s.H, N = n * n, S = s.F * N, TB = s.T * s.B;
  const std::string tag =
      conv_lstm_memory_test::memory_label(s) + (sizeof(T) == 8 ? " f64" : " f32");
  conv_lstm_memory_test::check_attention_rows(m.saved.p() + TB * 5 * S, TB * 2 * n, n, tol, tag);
  conv_lstm_memory_test::check_memory_is_c_n(m.saved.p() + TB * (10 * S + 4 * N) - s.B * S,
                                             m.c_n.v, s.B, S, tag);
}

HTEST(conv_lstm_seed_attention_rows_sum_to_one) {
  for (const MemoryShape& s : kSeedShapes) {
    check_attention_rows<double>(s, 1e-13);
    check_attention_rows<float>(s, 1e-5);
  }
}

// The logistic sigmoid for the ConvLSTM gates (the hard one's kinks break central differences;
// its backward is the PLAIN code, checked against PyTorch in test/ops/conv_lstm).
HTEST(conv_lstm_seed_gradcheck_every_input) {
  conv_lstm_memory_test::memory_gradcheck(kSeed, {2, 3, 2, 3, 3, 2, 0, 3, 4, true, false, true},
                                          2500);
  conv_lstm_memory_test::memory_gradcheck(kSeed, {1, 2, 1, 4, 4, 3, 0, 2, 1, true, false, false},
                                          2600);
  conv_lstm_memory_test::memory_gradcheck(kSeed, {2, 3, 3, 3, 3, 2, 0, 3, 0, false, false, true},
                                          2700);
}

HTEST(conv_lstm_seed_gradcheck_rejects_wrong_backward) {  // dw_sa, then dw_mem perturbed
  for (int k : {3, 5})
    conv_lstm_memory_test::memory_gradcheck(
        kSeed, {1, 2, 2, 3, 3, 2, 0, 3, 0, true, false, true}, 2800, k);
}

HTEST(conv_lstm_seed_saved_size_and_errors) {
  const vigil_conv_lstm_options seed{VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY, 1};
  HCHECK(vigil_conv_lstm_saved_size(&seed, 2, 3, 4, 5, 5) == 2 * 3 * (10 * 4 + 4) * 25,
         "(10F + 4)*H*W per sample-step");
  MemoryLayer<float> m(kSeed, {2, 3, 2, 4, 4, 3, 0, 3, 0, true, true, true}, 2900);
  const int kSeedParams = m.count();
  auto ps = m.params();
  Buf<float> x_wide({2, 3, 2, 4, 5}), y_wide({2, 3, 3, 4, 5});
  HCHECK(vigil_conv_lstm_forward(&seed, x_wide.d(), ps.data(), kSeedParams, nullptr, nullptr,
                                 nullptr, y_wide.d(), nullptr, nullptr) == VIGIL_ERR_SHAPE,
         "non-square maps are refused");
  HCHECK(std::string(vigil_last_error()).find("needs H == W; x is [2,3,2,4,5]") !=
             std::string::npos,
         vigil_last_error());
  HCHECK(vigil_conv_lstm_forward(&seed, m.x.d(), ps.data(), 6, nullptr, nullptr, nullptr, m.y.d(),
                                 nullptr, nullptr) == VIGIL_ERR_ARG,
         "a wrong param count is refused");
  HCHECK(std::string(vigil_last_error()).find("this cell takes 7 params") != std::string::npos,
         vigil_last_error());
  Buf<float> bad_wz({3, 2, 1, 1});  // w_z must have the cell's kernel size
  ps[4] = bad_wz.d();
  HCHECK(vigil_conv_lstm_forward(&seed, m.x.d(), ps.data(), kSeedParams, nullptr, nullptr,
                                 nullptr, m.y.d(), nullptr, nullptr) == VIGIL_ERR_SHAPE,
         "a w_z of the wrong kernel size is refused");
  HCHECK(std::string(vigil_last_error()).find("w_z") != std::string::npos, vigil_last_error());
  ps = m.params();
  ps[5] = nullptr;
  HCHECK(vigil_conv_lstm_forward(&seed, m.x.d(), ps.data(), kSeedParams, nullptr, nullptr,
                                 nullptr, m.y.d(), nullptr, nullptr) == VIGIL_ERR_ARG,
         "w_mem is required");
  HCHECK(std::string(vigil_last_error()).find("w_mem is required") != std::string::npos,
         vigil_last_error());
  Buf<float> c_small({2, 3, 4, 4});
  HCHECK(vigil_conv_lstm_forward(&seed, m.x.d(), m.params().data(), kSeedParams, nullptr,
                                 m.h0.d(), c_small.d(), m.y.d(), nullptr, nullptr) ==
             VIGIL_ERR_SHAPE,
         "a c0 without the memory half is refused");
}

}  // namespace
