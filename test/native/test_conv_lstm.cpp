// conv_lstm (PLAIN cell): the fast kernel against cpu/ref/conv_lstm.h over masks (1 and 4, the
// 4-mask input conv on one channel taking the depthwise path), initial states, even kernels,
// both recurrent activations and 1 or 2 threads; f64 central-difference gradients of every input
// (and that the check catches a wrong one); the saved size; argument errors.
#include <cmath>
#include <string>
#include <vector>

#include "cpu/ref/conv_lstm.h"
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
