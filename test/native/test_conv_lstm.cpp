// conv_lstm (PLAIN; SELF_ATTENTION_MEMORY at the end): the fast kernel against
// cpu/ref/conv_lstm.h over masks (1 and 4, the 4-mask input conv on one channel taking the
// depthwise path), initial states, even kernels,
// both recurrent activations and 1 or 2 threads; f64 central-difference gradients of every input
// (and that the check catches a wrong one); the saved size; argument errors.
#include <cmath>
#include <string>
#include <vector>

#include "cpu/ref/conv_lstm.h"
#include "conv_lstm_memory_cells.h"
#include "harness.h"
#include "loss_grad.h"

using harness::Buf;

namespace {

using namespace harness;

struct Shape {
  int64_t B, T, Cin, H, W, F, K;
  int64_t mask_groups;  // 0, 1 or 4
  bool init, hard, bias;
};

std::string label(const Shape& s) {
  return "B" + std::to_string(s.B) + " T" + std::to_string(s.T) + " Cin" + std::to_string(s.Cin) +
         " " + std::to_string(s.H) + "x" + std::to_string(s.W) + " F" + std::to_string(s.F) +
         " K" + std::to_string(s.K) + " mask" + std::to_string(s.mask_groups) +
         (s.init ? " h0c0" : "") + (s.hard ? " hard" : " sigmoid") + (s.bias ? " bias" : "");
}

template <typename T>
struct ConvLstm {
  Shape s;
  vigil_conv_lstm_options opt;
  Buf<T> x, w_x, w_h, bias, mask, h0, c0, y, c_n, saved;
  ConvLstm(const Shape& s_, uint64_t seed)
      : s(s_), opt{VIGIL_CONV_LSTM_PLAIN, s_.hard ? 1 : 0}, x({s.B, s.T, s.Cin, s.H, s.W}),
        w_x({4 * s.F, s.Cin, s.K, s.K}), w_h({4 * s.F, s.F, s.K, s.K}), bias({4 * s.F}),
        mask({std::max<int64_t>(s.mask_groups, 1), s.B, s.Cin, s.H, s.W}),
        h0({s.B, s.F, s.H, s.W}), c0({s.B, s.F, s.H, s.W}), y({s.B, s.T, s.F, s.H, s.W}),
        c_n({s.B, s.F, s.H, s.W}),
        saved({vigil_conv_lstm_saved_size(&opt, s.B, s.T, s.F, s.H, s.W)}) {
    fill_uniform(x.v, seed + 1, -1, 1);
    fill_uniform(w_x.v, seed + 2, -0.4, 0.4);
    fill_uniform(w_h.v, seed + 3, -0.4, 0.4);
    fill_uniform(bias.v, seed + 4, -0.3, 0.3);
    fill_uniform(h0.v, seed + 5, -0.8, 0.8);
    fill_uniform(c0.v, seed + 6, -1, 1);
    fill_uniform(mask.v, seed + 7, 0, 1);
    for (T& m : mask.v) m = m < T(0.3) ? T(0) : T(1 / 0.7);
  }
  const vigil_tensor* maybe(bool on, Buf<T>& b) { return on ? b.d() : nullptr; }
  vigil_status forward(bool save = true) {
    const vigil_tensor* params[3] = {w_x.d(), w_h.d(), maybe(s.bias, bias)};
    return vigil_conv_lstm_forward(&opt, x.d(), params, 3, maybe(s.mask_groups, mask),
                                   maybe(s.init, h0), maybe(s.init, c0), y.d(), c_n.d(),
                                   save ? saved.d() : nullptr);
  }
};

template <typename T>
vigil::cpu::ConvLstmDims dims(const ConvLstm<T>& m) {
  const Shape& s = m.s;
  return {s.B, s.T, s.Cin, s.H, s.W, s.F, s.K, s.K, s.mask_groups, VIGIL_CONV_LSTM_PLAIN, s.hard};
}

template <typename T>
void reference(ConvLstm<T>& m, std::vector<double>& y, std::vector<double>& cn) {
  y.assign(m.y.v.size(), 0);
  cn.assign(m.c_n.v.size(), 0);
  vigil::ref::conv_lstm_plain_forward(dims(m), m.x.p(), m.w_x.p(), m.w_h.p(),
                                      m.s.bias ? m.bias.p() : nullptr,
                                      m.s.mask_groups ? m.mask.p() : nullptr,
                                      m.s.init ? m.h0.p() : nullptr,
                                      m.s.init ? m.c0.p() : nullptr, y.data(), cn.data());
}

const std::vector<Shape> kShapes = {
    {2, 3, 3, 5, 6, 4, 3, 0, false, true, true},
    {2, 4, 2, 4, 4, 3, 3, 4, true, true, true},
    {3, 2, 1, 5, 5, 2, 3, 4, false, false, true},  // one input channel, 4 masks: depthwise path
    {2, 3, 2, 6, 5, 3, 2, 1, true, false, false},  // even kernel: the odd pad after
    {1, 5, 4, 7, 7, 5, 3, 0, true, true, true},
    {2, 3, 16, 13, 13, 8, 3, 0, false, true, true},
};

HTEST(conv_lstm_forward_matches_reference) {
  for (int threads : {1, 2}) {
    vigil_set_num_threads(threads);
    for (const Shape& s : kShapes) {
      ConvLstm<double> m(s, 300);
      ConvLstm<float> mf(s, 300);
      HCHECK_OK(m.forward());
      HCHECK_OK(mf.forward(false));  // inference: nothing saved
      std::vector<double> y, cn;
      reference(m, y, cn);
      const std::string tag = label(s) + " threads " + std::to_string(threads);
      HCHECK_CLOSE(("y f64 " + tag).c_str(), m.y.p(), y.data(), m.y.n(), 1e-12, 1e-13);
      HCHECK_CLOSE(("c_n f64 " + tag).c_str(), m.c_n.p(), cn.data(), m.c_n.n(), 1e-12, 1e-13);
      std::vector<double> yf(mf.y.v.begin(), mf.y.v.end()), cf(mf.c_n.v.begin(), mf.c_n.v.end());
      HCHECK_CLOSE(("y f32 " + tag).c_str(), yf.data(), y.data(), mf.y.n(), 3e-5, 3e-6);
      HCHECK_CLOSE(("c_n f32 " + tag).c_str(), cf.data(), cn.data(), mf.c_n.n(), 3e-5, 3e-6);
    }
  }
  vigil_set_num_threads(0);
}

// Gradients of L = <y, gy> for every input; with `wrong`, dx is perturbed after the call, which
// the check must catch.
void gradcheck(const Shape& s, uint64_t seed, bool wrong = false) {
  ConvLstm<double> m(s, seed);
  Buf<double> gy({s.B, s.T, s.F, s.H, s.W}), dx({s.B, s.T, s.Cin, s.H, s.W}),
      dwx({4 * s.F, s.Cin, s.K, s.K}), dwh({4 * s.F, s.F, s.K, s.K}), db({4 * s.F}),
      dh0({s.B, s.F, s.H, s.W}), dc0({s.B, s.F, s.H, s.W});
  fill_uniform(gy.v, seed + 20);
  HCHECK_OK(m.forward());
  const vigil_tensor* params[3] = {m.w_x.d(), m.w_h.d(), m.maybe(s.bias, m.bias)};
  const vigil_tensor* dparams[3] = {dwx.d(), dwh.d(), m.maybe(s.bias, db)};
  HCHECK_OK(vigil_conv_lstm_backward(&m.opt, m.x.d(), params, 3, m.maybe(s.mask_groups, m.mask),
                                     m.maybe(s.init, m.h0), m.maybe(s.init, m.c0), m.y.d(),
                                     m.saved.d(), gy.d(), dx.d(), dparams, m.maybe(s.init, dh0),
                                     m.maybe(s.init, dc0)));
  if (wrong) dx.v[dx.v.size() / 2] += 1e-3;
  auto loss = [&] {
    m.forward(false);
    return dot(m.y.v, gy.v);
  };
  if (wrong) {
    HCHECK(loss_grad_excess(m.x.v, dx.v, loss) > 0, "a perturbed dx must fail the check");
    return;
  }
  const std::string tag = " (" + label(s) + ")";
  check_grad("x" + tag, m.x.v, dx.v, loss);
  check_grad("w_x" + tag, m.w_x.v, dwx.v, loss);
  check_grad("w_h" + tag, m.w_h.v, dwh.v, loss);
  if (s.bias) check_grad("bias" + tag, m.bias.v, db.v, loss);
  if (s.init) {
    check_grad("h0" + tag, m.h0.v, dh0.v, loss);
    check_grad("c0" + tag, m.c0.v, dc0.v, loss);
  }
}

// The hard sigmoid's kinks would break central differences, so the gradient checks use the
// logistic sigmoid; the hard one's backward is checked against PyTorch (test/ops/conv_lstm).
HTEST(conv_lstm_gradcheck_every_input) {
  gradcheck({2, 3, 2, 4, 3, 2, 3, 4, true, false, true}, 500);
  gradcheck({1, 2, 1, 3, 4, 2, 2, 1, true, false, false}, 600);
  gradcheck({2, 3, 3, 3, 3, 2, 3, 0, false, false, true}, 700);
}

HTEST(conv_lstm_gradcheck_rejects_wrong_backward) {
  gradcheck({1, 2, 2, 3, 3, 2, 3, 0, true, false, true}, 800, true);
}

HTEST(conv_lstm_saved_size_and_errors) {
  const vigil_conv_lstm_options plain{VIGIL_CONV_LSTM_PLAIN, 1}, unknown{7, 1};
  HCHECK(vigil_conv_lstm_saved_size(&plain, 2, 3, 4, 5, 6) == 2 * 3 * 5 * 4 * 30, "5F*H*W per sample-step");
  HCHECK(vigil_conv_lstm_saved_size(&unknown, 2, 3, 4, 5, 6) < 0, "unknown cell");
  ConvLstm<float> m({2, 3, 2, 4, 4, 3, 3, 0, false, true, true}, 900);
  const vigil_tensor* params[3] = {m.w_x.d(), m.w_h.d(), m.bias.d()};
  HCHECK(vigil_conv_lstm_forward(&unknown, m.x.d(), params, 3, nullptr, nullptr, nullptr, m.y.d(),
                                 nullptr, nullptr) == VIGIL_ERR_ARG,
         "an unknown cell is refused");
  HCHECK(std::string(vigil_last_error()).find("unknown cell 7") != std::string::npos,
         vigil_last_error());
  HCHECK(vigil_conv_lstm_forward(&plain, m.x.d(), params, 2, nullptr, nullptr, nullptr, m.y.d(),
                                 nullptr, nullptr) == VIGIL_ERR_ARG,
         "a wrong param count is refused");
  Buf<float> small_saved({10});
  HCHECK(vigil_conv_lstm_forward(&plain, m.x.d(), params, 3, nullptr, nullptr, nullptr, m.y.d(),
                                 nullptr, small_saved.d()) == VIGIL_ERR_SHAPE,
         "a saved buffer of the wrong size is refused");
  HCHECK(std::string(vigil_last_error()).find("saved must be 1-D of 1440 elements") !=
             std::string::npos,
         vigil_last_error());
}

}  // namespace

// ---------------------------------------------------------------- SELF_ATTENTION_MEMORY
// The fast kernel against ref::conv_lstm_sam_forward (double loops), the attention rows of the
// saved buffer summing to 1, an f64 central-difference gradient of every input, a wrong
// backward rejected, the saved size and the c0/param errors.
namespace {

using conv_lstm_memory_test::MemoryCellKind;
using conv_lstm_memory_test::MemoryLayer;
using SamShape = conv_lstm_memory_test::MemoryShape;

// qk_gain sets the q/k projections' scale, qk_gain / sqrt(F sqrt(A)): the attention logits
// sum A products of F-term sums; 6 makes the attention far from uniform without turning it
// one-hot (the rows' largest weights reach 0.1 to 0.999 over kSamShapes).
MemoryCellKind sam_kind(double qk_gain = 6) {
  return {VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY,
          {"w_x", "w_h", "bias", "w_qkv", "b_qkv", "w_kv_m", "b_kv_m", "w_z", "b_z", "w_mem",
           "b_mem"},
          [](const SamShape& s) -> std::vector<std::vector<int64_t>> {
            const int64_t F = s.F, A = s.A;
            return {{4 * F, s.Cin, s.K, s.K}, {4 * F, F, s.K, s.K}, {4 * F}, {2 * A + F, F, 1, 1},
                    {2 * A + F}, {A + F, F, 1, 1}, {A + F}, {2 * F, 2 * F, 1, 1}, {2 * F},
                    {3 * F, 3 * F, 1, 1}, {3 * F}};
          },
          {false, false, true, false, true, false, true, false, true, false, true},
          [qk_gain](const SamShape& s) -> std::vector<double> {
            const double qk = qk_gain / std::sqrt(s.F * std::sqrt(double(s.A)));
            return {0.4, 0.4, 0.3, qk, 0.3, qk, 0.3, 0.5, 0.3, 0.5, 0.3};
          }};
}

template <typename T>
void sam_reference(MemoryLayer<T>& m, std::vector<double>& y, std::vector<double>& cn) {
  const SamShape& s = m.s;
  vigil::cpu::ConvLstmDims d{s.B, s.T, s.Cin, s.H, s.W, s.F, s.K, s.K, s.mask_groups,
                             VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY, s.hard, s.A};
  const auto ps = m.host_params();
  y.assign(m.y.v.size(), 0);
  cn.assign(m.c_n.v.size(), 0);
  vigil::ref::conv_lstm_sam_forward(d, m.x.p(), ps.data(), s.mask_groups ? m.mask.p() : nullptr,
                                    s.init ? m.h0.p() : nullptr, s.init ? m.c0.p() : nullptr,
                                    y.data(), cn.data());
}

const std::vector<SamShape> kSamShapes = {
    {2, 3, 3, 4, 5, 4, 3, 3, 0, false, true, true},
    {2, 4, 2, 4, 4, 3, 2, 3, 4, true, true, true},
    {3, 2, 1, 5, 5, 2, 1, 3, 1, true, false, false},
    {2, 3, 2, 6, 5, 3, 2, 2, 4, true, false, true},  // even kernel
    {1, 5, 3, 3, 7, 5, 4, 3, 0, true, true, true},
    {2, 3, 8, 5, 5, 32, 8, 3, 4, true, true, true},  // Sa-DVCRAE's 5x5 maps, 32 channels
};

// f32 tolerances per q/k gain: the logits (|q||k| up to ~10 per term at gain 6) carry f32
// rounding of ~1e-6 absolute, which the softmax turns into relative errors of that size in the
// weights; through w_z, w_mem and the steps the output then differs by up to ~1e-5 (measured:
// 8e-6 at F=32, gain 6; within 3e-6 at gain 3), inherent to f32, not the kernel's order.
HTEST(conv_lstm_sam_forward_matches_reference) {
  for (int threads : {1, 2}) {
    vigil_set_num_threads(threads);
    for (const SamShape& s : kSamShapes) {
      for (const double gain : {3.0, 6.0}) {
        const double rtol = gain < 4 ? 3e-5 : 3e-4, atol = gain < 4 ? 3e-6 : 3e-5;
        const MemoryCellKind kind = sam_kind(gain);
        MemoryLayer<double> m(kind, s, 1300);
        MemoryLayer<float> mf(kind, s, 1300);
        HCHECK_OK(m.forward());
        HCHECK_OK(mf.forward(false));  // inference: nothing saved
        std::vector<double> y, cn;
        sam_reference(m, y, cn);
        const std::string tag = conv_lstm_memory_test::memory_label(s) + " q/k gain " +
                                std::to_string(int(gain)) + " threads " + std::to_string(threads);
        HCHECK_CLOSE(("y f64 " + tag).c_str(), m.y.p(), y.data(), m.y.n(), 1e-12, 1e-13);
        HCHECK_CLOSE(("c_n f64 " + tag).c_str(), m.c_n.p(), cn.data(), m.c_n.n(), 1e-12, 1e-13);
        // f32 against the reference on the same (f32-rounded) inputs: the kernel's rounding
        sam_reference(mf, y, cn);
        std::vector<double> yf(mf.y.v.begin(), mf.y.v.end());
        std::vector<double> cf(mf.c_n.v.begin(), mf.c_n.v.end());
        HCHECK_CLOSE(("y f32 " + tag).c_str(), yf.data(), y.data(), mf.y.n(), rtol, atol);
        HCHECK_CLOSE(("c_n f32 " + tag).c_str(), cf.data(), cn.data(), mf.c_n.n(), rtol, atol);
      }
    }
  }
  vigil_set_num_threads(0);
}

// The saved buffer's attention block (after the 5F*N PLAIN maps of every step and sample, see
// cpu/conv_lstm_self_attention_memory.cpp): every row of A_h and A_m is a distribution, and the
// attention is far from uniform somewhere. The memory block's last step is c_n's second half.
template <typename T>
void check_attention_rows(const SamShape& s, double tol) {
  MemoryLayer<T> m(sam_kind(), s, 1400);
  HCHECK_OK(m.forward());
  const int64_t N = s.H * s.W, S = s.F * N, TB = s.T * s.B;
  const std::string tag =
      conv_lstm_memory_test::memory_label(s) + (sizeof(T) == 8 ? " f64" : " f32");
  conv_lstm_memory_test::check_attention_rows(m.saved.p() + TB * 5 * S, TB * 2 * N, N, tol, tag);
  conv_lstm_memory_test::check_memory_is_c_n(m.saved.p() + TB * (13 * S + 2 * N * N) - s.B * S,
                                             m.c_n.v, s.B, S, tag);
}

HTEST(conv_lstm_sam_attention_rows_sum_to_one) {
  for (const SamShape& s : kSamShapes) {
    check_attention_rows<double>(s, 1e-13);
    check_attention_rows<float>(s, 1e-5);
  }
}

// The logistic sigmoid for the ConvLSTM gates (the hard one's kinks break central differences;
// its backward is the PLAIN code, checked against PyTorch in test/ops/conv_lstm).
HTEST(conv_lstm_sam_gradcheck_every_input) {
  const MemoryCellKind kind = sam_kind();
  conv_lstm_memory_test::memory_gradcheck(kind, {2, 3, 2, 3, 4, 2, 2, 3, 4, true, false, true},
                                          1500);
  conv_lstm_memory_test::memory_gradcheck(kind, {1, 2, 1, 3, 3, 3, 1, 2, 1, true, false, false},
                                          1600);
  conv_lstm_memory_test::memory_gradcheck(kind, {2, 3, 3, 2, 3, 2, 3, 3, 0, false, false, true},
                                          1700);
}

HTEST(conv_lstm_sam_gradcheck_rejects_wrong_backward) {  // dw_mem perturbed
  conv_lstm_memory_test::memory_gradcheck(
      sam_kind(), {1, 2, 2, 3, 3, 2, 2, 3, 0, true, false, true}, 1800, 9);
}

HTEST(conv_lstm_sam_saved_size_and_errors) {
  const vigil_conv_lstm_options sam{VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY, 1};
  HCHECK(vigil_conv_lstm_saved_size(&sam, 2, 3, 4, 5, 6) == 2 * 3 * (13 * 4 * 30 + 2 * 30 * 30),
         "13F*H*W + 2(H*W)^2 per sample-step");
  const MemoryCellKind kind = sam_kind();
  MemoryLayer<float> m(kind, {2, 3, 2, 4, 4, 3, 2, 3, 0, true, true, true}, 1900);
  const int kSamParams = m.count();
  auto ps = m.params();
  Buf<float> c_small({2, 3, 4, 4});
  HCHECK(vigil_conv_lstm_forward(&sam, m.x.d(), ps.data(), kSamParams, nullptr, m.h0.d(),
                                 c_small.d(), m.y.d(), nullptr, nullptr) == VIGIL_ERR_SHAPE,
         "a c0 without the memory half is refused");
  HCHECK(std::string(vigil_last_error()).find("c0 must be [2,6,4,4]") != std::string::npos,
         vigil_last_error());
  HCHECK(vigil_conv_lstm_forward(&sam, m.x.d(), ps.data(), 10, nullptr, nullptr, nullptr, m.y.d(),
                                 nullptr, nullptr) == VIGIL_ERR_ARG,
         "a wrong param count is refused");
  HCHECK(std::string(vigil_last_error()).find("this cell takes 11 params") != std::string::npos,
         vigil_last_error());
  Buf<float> bad_qkv({6, 3, 1, 1});
  ps[3] = bad_qkv.d();  // 2A+F with F = 3 must be odd
  HCHECK(vigil_conv_lstm_forward(&sam, m.x.d(), ps.data(), kSamParams, nullptr, nullptr, nullptr,
                                 m.y.d(), nullptr, nullptr) == VIGIL_ERR_SHAPE,
         "a w_qkv with no whole A is refused");
  HCHECK(std::string(vigil_last_error()).find("w_qkv must be [2A+F,F,1,1]") != std::string::npos,
         vigil_last_error());
  ps = m.params();
  ps[9] = nullptr;
  HCHECK(vigil_conv_lstm_forward(&sam, m.x.d(), ps.data(), kSamParams, nullptr, nullptr, nullptr,
                                 m.y.d(), nullptr, nullptr) == VIGIL_ERR_ARG,
         "w_mem is required");
  HCHECK(std::string(vigil_last_error()).find("w_mem is required") != std::string::npos,
         vigil_last_error());
}

}  // namespace
