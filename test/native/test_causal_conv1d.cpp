// causal_conv1d: the fast kernel against cpu/ref/causal_conv1d.h, f64 central-difference
// gradient checks of every input, causality, f32/f64 agreement, thread-count independence and
// shape errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cpu/ref/causal_conv1d.h"
#include "harness.h"
#include "loss_grad.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- causal_conv1d

template <typename T>
struct Conv {
  int64_t B, Cin, Cout, Tn, K, dil;
  Buf<T> x, w, bias, y;
  Conv(int64_t B_, int64_t Cin_, int64_t Cout_, int64_t T_, int64_t K_, int64_t d_, uint64_t seed)
      : B(B_), Cin(Cin_), Cout(Cout_), Tn(T_), K(K_), dil(d_), x({B, Cin, Tn}), w({Cout, Cin, K}),
        bias({Cout}), y({B, Cout, Tn}) {
    harness::fill_uniform(x.v, seed + 1);
    harness::fill_uniform(w.v, seed + 2, -0.5, 0.5);
    harness::fill_uniform(bias.v, seed + 3);
  }
  vigil_status forward(bool with_bias = true) {
    return vigil_causal_conv1d_forward(x.d(), w.d(), with_bias ? bias.d() : nullptr, dil, y.d());
  }
  vigil_status backward(Buf<T>& dy, Buf<T>* dx, Buf<T>* dw, Buf<T>* db) {
    return vigil_causal_conv1d_backward(x.d(), w.d(), dy.d(), dil, dx ? dx->d() : nullptr,
                                        dw ? dw->d() : nullptr, db ? db->d() : nullptr);
  }
};

// The reference of cpu/ref/causal_conv1d.h on this call's inputs.
template <typename T>
std::vector<double> conv_reference(Conv<T>& c, bool with_bias) {
  std::vector<double> y(c.y.v.size());
  vigil::ref::causal_conv1d_forward(c.x.p(), c.w.p(), with_bias ? c.bias.p() : nullptr, c.B, c.Cin,
                                    c.Cout, c.Tn, c.K, c.dil, y.data());
  return y;
}

HTEST(causal_conv1d_forward_matches_reference) {
  // (K, dilation, T): includes taps whose shift reaches past the sequence (K 3, d 4, T 7)
  for (auto [K, dil, Tn] : {std::tuple{1, 1, 5}, {2, 1, 9}, {3, 2, 11}, {3, 4, 7}, {2, 16, 40}}) {
    Conv<double> c(3, 5, 7, Tn, K, dil, 10 + K + dil);
    Conv<float> cf(3, 5, 7, Tn, K, dil, 10 + K + dil);
    for (bool with_bias : {false, true}) {
      HCHECK_OK(c.forward(with_bias));
      HCHECK_OK(cf.forward(with_bias));
      std::vector<double> ref = conv_reference(c, with_bias);
      HCHECK_CLOSE("y f64", c.y.p(), ref.data(), c.y.n(), 1e-12, 1e-13);
      std::vector<double> yf(cf.y.v.begin(), cf.y.v.end());
      HCHECK_CLOSE("y f32", yf.data(), ref.data(), c.y.n(), 1e-5, 1e-5);
    }
  }
}

HTEST(causal_conv1d_gradcheck_every_input) {
  for (auto [K, dil] : {std::pair{1, 1}, {2, 1}, {3, 2}, {2, 4}, {3, 3}}) {
    Conv<double> c(2, 3, 5, 9, K, dil, 20 + 7 * K + dil);
    Buf<double> gy({c.B, c.Cout, c.Tn}), dx({c.B, c.Cin, c.Tn}), dw({c.Cout, c.Cin, c.K}),
        db({c.Cout});
    harness::fill_uniform(gy.v, 33);
    HCHECK_OK(c.backward(gy, &dx, &dw, &db));
    auto loss = [&] {
      c.forward();
      return dot(c.y.v, gy.v);
    };
    std::string tag = " (K" + std::to_string(K) + " d" + std::to_string(dil) + ")";
    check_grad("x" + tag, c.x.v, dx.v, loss);
    check_grad("w" + tag, c.w.v, dw.v, loss);
    check_grad("bias" + tag, c.bias.v, db.v, loss);
  }
}

HTEST(causal_conv1d_gradcheck_rejects_wrong_backward) {
  Conv<double> c(2, 3, 4, 8, 2, 2, 40);
  Buf<double> gy({c.B, c.Cout, c.Tn}), dw({c.Cout, c.Cin, c.K});
  harness::fill_uniform(gy.v, 41);
  for (double& v : gy.v) v *= 1.001;
  HCHECK_OK(c.backward(gy, nullptr, &dw, nullptr));
  for (double& v : gy.v) v /= 1.001;
  auto loss = [&] {
    c.forward();
    return dot(c.y.v, gy.v);
  };
  HCHECK(loss_grad_excess(c.w.v, dw.v, loss) > 0,
         "gradcheck accepted a wrong dw");
}

// The output up to t ignores x after t, and so the gradient reaching x after t is zero.
HTEST(causal_conv1d_is_causal) {
  Conv<float> c(2, 3, 4, 20, 3, 4, 50);
  HCHECK_OK(c.forward());
  std::vector<float> before = c.y.v;
  for (int64_t t0 : {0, 5, 12}) {
    Conv<float> d(2, 3, 4, 20, 3, 4, 50);
    for (int64_t b = 0; b < d.B; ++b)
      for (int64_t i = 0; i < d.Cin; ++i)
        for (int64_t t = t0 + 1; t < d.Tn; ++t) d.x.v[(b * d.Cin + i) * d.Tn + t] += 3.0f + t;
    HCHECK_OK(d.forward());
    bool past_same = true, future_changed = false;
    for (int64_t r = 0; r < d.B * d.Cout; ++r)
      for (int64_t t = 0; t < d.Tn; ++t) {
        bool same = d.y.v[r * d.Tn + t] == before[r * d.Tn + t];
        if (t <= t0) past_same &= same;
        else future_changed |= !same;
      }
    HCHECK(past_same, "y[..., :t0+1] changed when only x[..., t0+1:] changed");
    HCHECK(future_changed, "y after t0 did not react to x after t0");
    // gradient side: dy only up to t0 gives dx exactly zero after t0
    Buf<float> gy({c.B, c.Cout, c.Tn}), dx({c.B, c.Cin, c.Tn});
    harness::fill_uniform(gy.v, 51);
    for (int64_t r = 0; r < c.B * c.Cout; ++r)
      for (int64_t t = t0 + 1; t < c.Tn; ++t) gy.v[r * c.Tn + t] = 0;
    HCHECK_OK(c.backward(gy, &dx, nullptr, nullptr));
    bool zero_after = true, nonzero_before = false;
    for (int64_t r = 0; r < c.B * c.Cin; ++r)
      for (int64_t t = 0; t < c.Tn; ++t) {
        if (t > t0) zero_after &= dx.v[r * c.Tn + t] == 0.0f;
        else nonzero_before |= dx.v[r * c.Tn + t] != 0.0f;
      }
    HCHECK(zero_after && nonzero_before, "dx after t0 must be 0 when dy after t0 is 0");
  }
}

HTEST(causal_conv1d_f32_agrees_with_f64_and_threads) {
  Conv<double> c(5, 7, 9, 33, 2, 4, 60);
  Conv<float> cf(5, 7, 9, 33, 2, 4, 60);
  Buf<double> gy({5, 9, 33}), dx({5, 7, 33}), dw({9, 7, 2}), db({9}), dx2({5, 7, 33}),
      dw2({9, 7, 2}), db2({9});
  Buf<float> gyf({5, 9, 33}), dxf({5, 7, 33}), dwf({9, 7, 2}), dbf({9});
  harness::fill_uniform(gy.v, 61);
  harness::fill_uniform(gyf.v, 61);
  vigil_set_num_threads(1);
  HCHECK_OK(c.backward(gy, &dx, &dw, &db));
  vigil_set_num_threads(2);  // one partial dw / dbias per chunk, then summed
  HCHECK_OK(c.backward(gy, &dx2, &dw2, &db2));
  HCHECK_OK(cf.backward(gyf, &dxf, &dwf, &dbf));
  vigil_set_num_threads(0);
  HCHECK_CLOSE("dw 2 threads", dw2.p(), dw.p(), dw.n(), 1e-12, 1e-13);
  HCHECK_CLOSE("dbias 2 threads", db2.p(), db.p(), db.n(), 1e-12, 1e-13);
  HCHECK_CLOSE("dx 2 threads", dx2.p(), dx.p(), dx.n(), 1e-12, 1e-13);
  auto cmp = [](const char* what, Buf<float>& a, Buf<double>& b) {
    std::vector<double> ad(a.v.begin(), a.v.end());
    HCHECK_CLOSE(what, ad.data(), b.p(), b.n(), 1e-4, 1e-4);
  };
  cmp("dx f32", dxf, dx);
  cmp("dw f32", dwf, dw);
  cmp("dbias f32", dbf, db);
}

HTEST(causal_conv1d_shape_errors) {
  Conv<float> c(2, 3, 4, 6, 2, 1, 70);
  Buf<float> bad_w({4, 2, 2}), bad_y({2, 4, 5}), bad_b({3}), dx({2, 3, 6}), bad_dw({4, 3, 3});
  HCHECK(vigil_causal_conv1d_forward(c.x.d(), bad_w.d(), nullptr, 1, c.y.d()) == VIGIL_ERR_SHAPE,
         "w");
  HCHECK(names_op("causal_conv1d: x must be [B,Cin,T]"), vigil_last_error());
  HCHECK(vigil_causal_conv1d_forward(c.x.d(), c.w.d(), nullptr, 1, bad_y.d()) == VIGIL_ERR_SHAPE,
         "y");
  HCHECK(names_op("causal_conv1d: y must be [2,4,6]"), vigil_last_error());
  HCHECK(vigil_causal_conv1d_forward(c.x.d(), c.w.d(), bad_b.d(), 1, c.y.d()) == VIGIL_ERR_SHAPE,
         "bias");
  HCHECK(vigil_causal_conv1d_forward(c.x.d(), c.w.d(), nullptr, 0, c.y.d()) == VIGIL_ERR_ARG,
         "dilation 0");
  HCHECK(vigil_causal_conv1d_backward(c.x.d(), c.w.d(), c.y.d(), 1, dx.d(), bad_dw.d(),
                                      nullptr) == VIGIL_ERR_SHAPE,
         "dw");
  HCHECK(names_op("causal_conv1d_backward: dw must be [4,3,2]"), vigil_last_error());
  HCHECK(vigil_causal_conv1d_backward(c.x.d(), c.w.d(), dx.d(), 1, dx.d(), nullptr, nullptr) ==
             VIGIL_ERR_SHAPE,
         "dy");
}

}  // namespace
