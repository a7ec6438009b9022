// lstm: the fast kernel against cpu/ref/lstm.h, f64 central-difference gradient checks of every
// input, f32/f64 agreement, thread-count independence and shape errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cpu/ref/lstm.h"
#include "harness.h"
#include "loss_grad.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- lstm

// Inputs, outputs and saved activations of one lstm call, dtype T.
template <typename T>
struct Lstm {
  int64_t B, Tn, I, H;
  bool bias, init;
  Buf<T> x, w_ih, w_hh, b_ih, b_hh, h0, c0, y, h_n, c_n, gates, cells;
  Lstm(int64_t B_, int64_t T_, int64_t I_, int64_t H_, bool bias_, bool init_, uint64_t seed)
      : B(B_), Tn(T_), I(I_), H(H_), bias(bias_), init(init_), x({B, Tn, I}),
        w_ih({4 * H, I}), w_hh({4 * H, H}), b_ih({4 * H}), b_hh({4 * H}), h0({B, H}),
        c0({B, H}), y({B, Tn, H}), h_n({B, H}), c_n({B, H}), gates({Tn, B, 4 * H}),
        cells({Tn, B, H}) {
    harness::fill_uniform(x.v, seed + 1, -1, 1);
    harness::fill_uniform(w_ih.v, seed + 2, -0.6, 0.6);
    harness::fill_uniform(w_hh.v, seed + 3, -0.6, 0.6);
    harness::fill_uniform(b_ih.v, seed + 4, -0.5, 0.5);
    harness::fill_uniform(b_hh.v, seed + 5, -0.5, 0.5);
    harness::fill_uniform(h0.v, seed + 6, -0.8, 0.8);
    harness::fill_uniform(c0.v, seed + 7, -1.5, 1.5);
  }
  const vigil_tensor* opt_bias(Buf<T>& b) { return bias ? b.d() : nullptr; }
  const vigil_tensor* opt_init(Buf<T>& b) { return init ? b.d() : nullptr; }
  vigil_status forward(bool save = true) {
    return vigil_lstm_forward(x.d(), w_ih.d(), w_hh.d(), opt_bias(b_ih), opt_bias(b_hh),
                              opt_init(h0), opt_init(c0), y.d(), h_n.d(), c_n.d(),
                              save ? gates.d() : nullptr, save ? cells.d() : nullptr);
  }
};

// The reference of cpu/ref/lstm.h on this call's inputs.
template <typename T>
void lstm_reference(Lstm<T>& m, std::vector<double>& y, std::vector<double>& hn,
                    std::vector<double>& cn) {
  y.assign(m.y.v.size(), 0);
  hn.assign(m.h_n.v.size(), 0);
  cn.assign(m.c_n.v.size(), 0);
  vigil::ref::lstm_forward(m.x.p(), m.w_ih.p(), m.w_hh.p(), m.bias ? m.b_ih.p() : nullptr,
                           m.bias ? m.b_hh.p() : nullptr, m.init ? m.h0.p() : nullptr,
                           m.init ? m.c0.p() : nullptr, m.B, m.Tn, m.I, m.H, y.data(), hn.data(),
                           cn.data());
}

// Gradients of one backward call (zero-initialised, so they hold exactly one accumulation).
template <typename T>
struct LstmGrads {
  Buf<T> dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0;
  explicit LstmGrads(const Lstm<T>& m)
      : dx({m.B, m.Tn, m.I}), dw_ih({4 * m.H, m.I}), dw_hh({4 * m.H, m.H}), db_ih({4 * m.H}),
        db_hh({4 * m.H}), dh0({m.B, m.H}), dc0({m.B, m.H}) {}
};

// Upstream gradients: gy may be skipped (dy NULL), the last-state ones always flow.
template <typename T>
struct LstmUpstream {
  Buf<T> gy, ghn, gcn;
  explicit LstmUpstream(const Lstm<T>& m, uint64_t seed)
      : gy({m.B, m.Tn, m.H}), ghn({m.B, m.H}), gcn({m.B, m.H}) {
    harness::fill_uniform(gy.v, seed + 11);
    harness::fill_uniform(ghn.v, seed + 12);
    harness::fill_uniform(gcn.v, seed + 13);
  }
};

template <typename T>
vigil_status lstm_backward(Lstm<T>& m, LstmUpstream<T>& u, bool with_dy, LstmGrads<T>& g) {
  return vigil_lstm_backward(m.x.d(), m.w_ih.d(), m.w_hh.d(), m.opt_init(m.h0), m.opt_init(m.c0),
                             m.y.d(), m.gates.d(), m.cells.d(), with_dy ? u.gy.d() : nullptr,
                             u.ghn.d(), u.gcn.d(), g.dx.d(), g.dw_ih.d(), g.dw_hh.d(),
                             m.opt_bias(g.db_ih), m.opt_bias(g.db_hh), m.opt_init(g.dh0),
                             m.opt_init(g.dc0));
}

// Checks the analytic gradient of L = <y, gy> + <h_n, ghn> + <c_n, gcn> for every input.
void lstm_gradcheck(int64_t B, int64_t Tn, int64_t I, int64_t H, bool bias, bool init,
                    bool with_dy, uint64_t seed) {
  Lstm<double> m(B, Tn, I, H, bias, init, seed);
  LstmUpstream<double> u(m, seed);
  LstmGrads<double> g(m);
  HCHECK_OK(m.forward());
  HCHECK_OK(lstm_backward(m, u, with_dy, g));
  auto loss = [&] {
    m.forward(false);
    return (with_dy ? dot(m.y.v, u.gy.v) : 0.0) + dot(m.h_n.v, u.ghn.v) + dot(m.c_n.v, u.gcn.v);
  };
  std::string tag = " (B" + std::to_string(B) + " T" + std::to_string(Tn) +
                    (bias ? " bias" : "") + (init ? " init" : "") + (with_dy ? " dy" : "") + ")";
  check_grad("x" + tag, m.x.v, g.dx.v, loss);
  check_grad("w_ih" + tag, m.w_ih.v, g.dw_ih.v, loss);
  check_grad("w_hh" + tag, m.w_hh.v, g.dw_hh.v, loss);
  if (bias) {
    check_grad("b_ih" + tag, m.b_ih.v, g.db_ih.v, loss);
    check_grad("b_hh" + tag, m.b_hh.v, g.db_hh.v, loss);
  }
  if (init) {
    check_grad("h0" + tag, m.h0.v, g.dh0.v, loss);
    check_grad("c0" + tag, m.c0.v, g.dc0.v, loss);
  }
}

HTEST(lstm_forward_matches_reference) {
  for (bool bias : {false, true})
    for (bool init : {false, true}) {
      Lstm<double> m(5, 6, 3, 7, bias, init, 100);
      Lstm<float> mf(5, 6, 3, 7, bias, init, 100);
      HCHECK_OK(m.forward());
      HCHECK_OK(mf.forward());
      std::vector<double> y, hn, cn;
      lstm_reference(m, y, hn, cn);
      HCHECK_CLOSE("y f64", m.y.p(), y.data(), m.y.n(), 1e-12, 1e-13);
      HCHECK_CLOSE("h_n f64", m.h_n.p(), hn.data(), m.h_n.n(), 1e-12, 1e-13);
      HCHECK_CLOSE("c_n f64", m.c_n.p(), cn.data(), m.c_n.n(), 1e-12, 1e-13);
      std::vector<double> yf(mf.y.v.begin(), mf.y.v.end()), cf(mf.c_n.v.begin(), mf.c_n.v.end());
      HCHECK_CLOSE("y f32", yf.data(), y.data(), mf.y.n(), 2e-5, 2e-6);
      HCHECK_CLOSE("c_n f32", cf.data(), cn.data(), mf.c_n.n(), 2e-5, 2e-6);
    }
}

HTEST(lstm_inference_equals_training_forward) {
  for (bool init : {false, true}) {
    Lstm<float> a(6, 5, 4, 9, true, init, 7), b(6, 5, 4, 9, true, init, 7);
    HCHECK_OK(a.forward(true));
    HCHECK_OK(b.forward(false));
    HCHECK_CLOSE("y", b.y.p(), a.y.p(), a.y.n(), 0, 0);
    HCHECK_CLOSE("h_n", b.h_n.p(), a.h_n.p(), a.h_n.n(), 0, 0);
    HCHECK_CLOSE("c_n", b.c_n.p(), a.c_n.p(), a.c_n.n(), 0, 0);
    // the saved cells end with c_n
    const float* last_cells = a.cells.p() + (a.Tn - 1) * a.B * a.H;
    HCHECK_CLOSE("cells[T-1] = c_n", last_cells, a.c_n.p(), a.c_n.n(), 0, 0);
  }
}

HTEST(lstm_gradcheck_every_input) {
  for (bool bias : {false, true})
    for (bool init : {false, true}) lstm_gradcheck(3, 4, 5, 3, bias, init, true, 200);
}

HTEST(lstm_gradcheck_only_last_state_flows) {
  lstm_gradcheck(3, 5, 2, 3, true, true, false, 300);
  lstm_gradcheck(1, 1, 3, 5, false, false, false, 301);
}

HTEST(lstm_gradcheck_batch_chunks) {  // B >= 16 splits the recurrence over two threads
  vigil_set_num_threads(2);
  lstm_gradcheck(17, 3, 2, 2, true, true, true, 400);
  vigil_set_num_threads(0);
}

// A gradient check that cannot fail proves nothing: the same check must reject a backward that
// is off by 0.1% (here: the analytic gradient of a slightly different upstream gradient).
HTEST(lstm_gradcheck_rejects_wrong_backward) {
  Lstm<double> m(2, 3, 2, 3, true, true, 500);
  LstmUpstream<double> u(m, 500);
  LstmGrads<double> g(m);
  HCHECK_OK(m.forward());
  for (double& v : u.gy.v) v *= 1.001;
  HCHECK_OK(lstm_backward(m, u, true, g));
  for (double& v : u.gy.v) v /= 1.001;
  auto loss = [&] {
    m.forward(false);
    return dot(m.y.v, u.gy.v) + dot(m.h_n.v, u.ghn.v) + dot(m.c_n.v, u.gcn.v);
  };
  HCHECK(loss_grad_excess(m.w_hh.v, g.dw_hh.v, loss) > 0,
         "gradcheck accepted a wrong dw_hh");
}

HTEST(lstm_backward_accumulates) {
  Lstm<double> m(3, 4, 2, 3, true, true, 600);
  LstmUpstream<double> u(m, 600);
  LstmGrads<double> once(m), twice(m);
  HCHECK_OK(m.forward());
  HCHECK_OK(lstm_backward(m, u, true, once));
  HCHECK_OK(lstm_backward(m, u, true, twice));
  HCHECK_OK(lstm_backward(m, u, true, twice));
  for (auto [a, b] : {std::pair{&once.dx, &twice.dx}, {&once.dw_hh, &twice.dw_hh},
                      {&once.db_ih, &twice.db_ih}, {&once.dc0, &twice.dc0}}) {
    for (double& v : a->v) v *= 2;
    HCHECK_CLOSE("2 x one backward", b->p(), a->p(), a->n(), 1e-14, 1e-15);
  }
}

// Asking for a subset of the gradients (which takes other paths: no dx means the step product
// is W_hh only; no weight gradient means no gathered [x | h_prev]) gives the same values.
HTEST(lstm_backward_partial_requests) {
  Lstm<double> m(4, 5, 3, 4, true, true, 650);
  LstmUpstream<double> u(m, 650);
  LstmGrads<double> all(m), only_state(m), only_weights(m);
  HCHECK_OK(m.forward());
  HCHECK_OK(lstm_backward(m, u, true, all));
  auto call = [&](LstmGrads<double>& g, bool state, bool weights) {
    return vigil_lstm_backward(m.x.d(), m.w_ih.d(), m.w_hh.d(), m.h0.d(), m.c0.d(), m.y.d(),
                               m.gates.d(), m.cells.d(), u.gy.d(), u.ghn.d(), u.gcn.d(), nullptr,
                               weights ? g.dw_ih.d() : nullptr, weights ? g.dw_hh.d() : nullptr,
                               nullptr, weights ? g.db_hh.d() : nullptr,
                               state ? g.dh0.d() : nullptr, state ? g.dc0.d() : nullptr);
  };
  HCHECK_OK(call(only_state, true, false));
  HCHECK_OK(call(only_weights, false, true));
  HCHECK_CLOSE("dh0", only_state.dh0.p(), all.dh0.p(), all.dh0.n(), 1e-13, 1e-14);
  HCHECK_CLOSE("dc0", only_state.dc0.p(), all.dc0.p(), all.dc0.n(), 1e-13, 1e-14);
  HCHECK_CLOSE("dw_ih", only_weights.dw_ih.p(), all.dw_ih.p(), all.dw_ih.n(), 1e-13, 1e-14);
  HCHECK_CLOSE("dw_hh", only_weights.dw_hh.p(), all.dw_hh.p(), all.dw_hh.n(), 1e-13, 1e-14);
  HCHECK_CLOSE("db_hh", only_weights.db_hh.p(), all.db_hh.p(), all.db_hh.n(), 1e-13, 1e-14);
}

HTEST(lstm_f32_agrees_with_f64) {
  Lstm<double> m(9, 7, 5, 11, true, true, 700);
  Lstm<float> mf(9, 7, 5, 11, true, true, 700);
  LstmUpstream<double> u(m, 700);
  LstmUpstream<float> uf(mf, 700);
  LstmGrads<double> g(m);
  LstmGrads<float> gf(mf);
  HCHECK_OK(m.forward());
  HCHECK_OK(mf.forward());
  HCHECK_OK(lstm_backward(m, u, true, g));
  HCHECK_OK(lstm_backward(mf, uf, true, gf));
  auto cmp = [](const char* what, Buf<float>& a, Buf<double>& b, double rtol, double atol) {
    std::vector<double> ad(a.v.begin(), a.v.end());
    HCHECK_CLOSE(what, ad.data(), b.p(), b.n(), rtol, atol);
  };
  cmp("y", mf.y, m.y, 1e-4, 1e-5);
  cmp("gates", mf.gates, m.gates, 1e-4, 1e-5);
  cmp("dx", gf.dx, g.dx, 1e-4, 1e-4);
  cmp("dw_ih", gf.dw_ih, g.dw_ih, 1e-4, 1e-4);
  cmp("dw_hh", gf.dw_hh, g.dw_hh, 1e-4, 1e-4);
  cmp("db_hh", gf.db_hh, g.db_hh, 1e-4, 1e-4);
  cmp("dh0", gf.dh0, g.dh0, 1e-4, 1e-4);
  cmp("dc0", gf.dc0, g.dc0, 1e-4, 1e-4);
}

HTEST(lstm_threads_do_not_change_results) {
  auto run = [](int threads, Lstm<double>& m, LstmGrads<double>& g) {
    vigil_set_num_threads(threads);
    LstmUpstream<double> u(m, 800);
    HCHECK_OK(m.forward());
    HCHECK_OK(lstm_backward(m, u, true, g));
  };
  Lstm<double> a(19, 6, 4, 5, true, true, 800), b(19, 6, 4, 5, true, true, 800);
  LstmGrads<double> ga(a), gb(b);
  run(1, a, ga);
  run(2, b, gb);
  vigil_set_num_threads(0);
  HCHECK_CLOSE("y", b.y.p(), a.y.p(), a.y.n(), 1e-13, 1e-14);
  HCHECK_CLOSE("dx", gb.dx.p(), ga.dx.p(), ga.dx.n(), 1e-12, 1e-13);
  HCHECK_CLOSE("dw_hh", gb.dw_hh.p(), ga.dw_hh.p(), ga.dw_hh.n(), 1e-12, 1e-13);
  HCHECK_CLOSE("db_ih", gb.db_ih.p(), ga.db_ih.p(), ga.db_ih.n(), 1e-12, 1e-13);
  HCHECK_CLOSE("dh0", gb.dh0.p(), ga.dh0.p(), ga.dh0.n(), 1e-12, 1e-13);
}

HTEST(lstm_empty_sequence_passes_state_through) {
  Lstm<float> m(2, 0, 3, 4, true, true, 950);
  HCHECK_OK(m.forward());
  HCHECK_CLOSE("h_n = h0", m.h_n.p(), m.h0.p(), m.h0.n(), 0, 0);
  HCHECK_CLOSE("c_n = c0", m.c_n.p(), m.c0.p(), m.c0.n(), 0, 0);
  LstmUpstream<float> u(m, 950);
  LstmGrads<float> g(m);
  HCHECK_OK(lstm_backward(m, u, true, g));
  HCHECK_CLOSE("dh0 = dh_n", g.dh0.p(), u.ghn.p(), u.ghn.n(), 0, 0);
  HCHECK_CLOSE("dc0 = dc_n", g.dc0.p(), u.gcn.p(), u.gcn.n(), 0, 0);
}

// A NaN in the input must show in the output (the vectorised exp clamps its argument; a clamp
// that swallowed NaN would hide a diverging model), and saturated gates stay finite.
HTEST(lstm_propagates_nan_and_saturates) {
  Lstm<float> m(2, 3, 4, 9, true, false, 960);
  m.x.v[1 * 3 * 4 + 2] = NAN;  // batch 1, step 0
  m.b_ih.v[0] = 1e30f;         // gate i of unit 0 saturates at 1
  m.b_hh.v[2 * 9 + 1] = -1e30f;  // gate g of unit 1 saturates at -1
  HCHECK_OK(m.forward());
  bool b0_finite = true, b1_nan = true;
  for (int64_t k = 0; k < 3 * 9; ++k) {
    b0_finite &= std::isfinite(m.y.v[k]);
    b1_nan &= std::isnan(m.y.v[3 * 9 + k]);
  }
  HCHECK(b0_finite, "batch 0 must stay finite");
  HCHECK(b1_nan, "NaN in x of batch 1 must reach every y of batch 1");
  HCHECK(m.gates.v[0] == 1.0f && m.gates.v[2 * 9 + 1] == -1.0f, "saturated gates");
}


HTEST(lstm_shape_errors) {
  Lstm<float> m(2, 3, 4, 5, true, true, 900);
  Buf<float> bad_wih({20, 3}), bad_h0({2, 4}), bad_y({2, 3, 4}), whh_not4h({12, 5}),
      bad_gates({2, 3, 20});
  auto fwd = [&](const vigil_tensor* wih, const vigil_tensor* whh, const vigil_tensor* h0,
                 const vigil_tensor* y, const vigil_tensor* gates) {
    return vigil_lstm_forward(m.x.d(), wih, whh, m.b_ih.d(), m.b_hh.d(), h0, m.c0.d(), y,
                              m.h_n.d(), m.c_n.d(), gates, m.cells.d());
  };
  HCHECK(fwd(bad_wih.d(), m.w_hh.d(), m.h0.d(), m.y.d(), m.gates.d()) == VIGIL_ERR_SHAPE, "w_ih");
  HCHECK(names_op("lstm: w_ih must be [20,4]"), vigil_last_error());
  HCHECK(fwd(m.w_ih.d(), whh_not4h.d(), m.h0.d(), m.y.d(), m.gates.d()) == VIGIL_ERR_SHAPE, "w_hh");
  HCHECK(fwd(m.w_ih.d(), m.w_hh.d(), bad_h0.d(), m.y.d(), m.gates.d()) == VIGIL_ERR_SHAPE, "h0");
  HCHECK(names_op("lstm: h0 must be [2,5]"), vigil_last_error());
  HCHECK(fwd(m.w_ih.d(), m.w_hh.d(), m.h0.d(), bad_y.d(), m.gates.d()) == VIGIL_ERR_SHAPE, "y");
  HCHECK(fwd(m.w_ih.d(), m.w_hh.d(), m.h0.d(), m.y.d(), bad_gates.d()) == VIGIL_ERR_SHAPE, "gates");
  HCHECK(std::string(vigil_last_error()).find("gates [2,3,20]") != std::string::npos,
         vigil_last_error());
  HCHECK(vigil_lstm_forward(m.x.d(), m.w_ih.d(), m.w_hh.d(), nullptr, nullptr, nullptr, nullptr,
                            m.y.d(), m.h_n.d(), m.c_n.d(), m.gates.d(), nullptr) == VIGIL_ERR_ARG,
         "gates without cells");
  Buf<double> xd({2, 3, 4});
  HCHECK(vigil_lstm_forward(xd.d(), m.w_ih.d(), m.w_hh.d(), nullptr, nullptr, nullptr, nullptr,
                            m.y.d(), m.h_n.d(), m.c_n.d(), nullptr, nullptr) == VIGIL_ERR_DTYPE,
         "mixed dtypes");
  HCHECK_OK(m.forward());
  Buf<float> bad_dx({2, 3, 5}), dw({20, 4});
  vigil_status s = vigil_lstm_backward(m.x.d(), m.w_ih.d(), m.w_hh.d(), nullptr, nullptr, m.y.d(),
                                       m.gates.d(), m.cells.d(), m.y.d(), nullptr, nullptr,
                                       bad_dx.d(), dw.d(), nullptr, nullptr, nullptr, nullptr,
                                       nullptr);
  HCHECK(s == VIGIL_ERR_SHAPE, "dx");
  HCHECK(names_op("lstm_backward: dx must be [2,3,4]"), vigil_last_error());
}

}  // namespace
