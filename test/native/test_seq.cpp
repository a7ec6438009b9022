// lstm and causal_conv1d: fast kernels against plain-loop references, f64 central-difference
// gradient checks of every input, causality, f32/f64 agreement, thread-count independence and
// shape errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>
#include <utility>

#include "harness.h"

using harness::Buf;

namespace {

// ---------------------------------------------------------------- gradient checking

// Worst excess of |analytic - numeric| over atol + rtol |numeric| (<= 0 means it passes), with
// numeric = (L(p + h) - L(p - h)) / 2h for every element of p.
double grad_excess(std::vector<double>& p, const std::vector<double>& analytic,
                   const std::function<double()>& loss, double rtol, double atol,
                   std::string* worst) {
  const double h = 1e-6;
  double max_excess = -INFINITY;
  for (size_t i = 0; i < p.size(); ++i) {
    double keep = p[i];
    p[i] = keep + h;
    double lp = loss();
    p[i] = keep - h;
    double lm = loss();
    p[i] = keep;
    double num = (lp - lm) / (2 * h);
    double excess = std::fabs(analytic[i] - num) - (atol + rtol * std::fabs(num));
    if (std::isnan(analytic[i])) excess = INFINITY;
    if (excess > max_excess) {
      max_excess = excess;
      if (worst)
        *worst = "element " + std::to_string(i) + ": analytic " + std::to_string(analytic[i]) +
                 ", numeric " + std::to_string(num);
    }
  }
  return max_excess;
}

constexpr double kGradRtol = 1e-6, kGradAtol = 1e-8;  // f64, h = 1e-6

void check_grad(const std::string& what, std::vector<double>& p,
                const std::vector<double>& analytic, const std::function<double()>& loss) {
  std::string worst;
  if (grad_excess(p, analytic, loss, kGradRtol, kGradAtol, &worst) > 0)
    harness::record_failure(__FILE__, __LINE__, "gradient of " + what + ": " + worst);
}

template <typename T>
double dot(const std::vector<T>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

std::vector<double> random_vec(size_t n, uint64_t seed) {
  std::vector<double> v(n);
  harness::fill_uniform(v, seed);
  return v;
}

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

// Plain-loop LSTM in f64 (the formulas of ops.h, nothing shared with the kernel).
template <typename T>
void lstm_reference(Lstm<T>& m, std::vector<double>& y, std::vector<double>& hn,
                    std::vector<double>& cn) {
  const int64_t B = m.B, Tn = m.Tn, I = m.I, H = m.H;
  y.assign(B * Tn * H, 0);
  hn.assign(B * H, 0);
  cn.assign(B * H, 0);
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(H, 0), c(H, 0), z(4 * H);
    if (m.init)
      for (int64_t j = 0; j < H; ++j) h[j] = m.h0.v[b * H + j], c[j] = m.c0.v[b * H + j];
    for (int64_t t = 0; t < Tn; ++t) {
      for (int64_t r = 0; r < 4 * H; ++r) {
        double s = m.bias ? double(m.b_ih.v[r]) + double(m.b_hh.v[r]) : 0;
        const T* xt = m.x.p() + (b * Tn + t) * I;
        for (int64_t k = 0; k < I; ++k) s += double(m.w_ih.v[r * I + k]) * xt[k];
        for (int64_t k = 0; k < H; ++k) s += double(m.w_hh.v[r * H + k]) * h[k];
        z[r] = s;
      }
      for (int64_t j = 0; j < H; ++j) {
        double i = sig(z[j]), f = sig(z[H + j]), g = std::tanh(z[2 * H + j]), o = sig(z[3 * H + j]);
        c[j] = f * c[j] + i * g;
        h[j] = o * std::tanh(c[j]);
        y[(b * Tn + t) * H + j] = h[j];
      }
    }
    for (int64_t j = 0; j < H; ++j) hn[b * H + j] = h[j], cn[b * H + j] = c[j];
  }
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
  HCHECK(grad_excess(m.w_hh.v, g.dw_hh.v, loss, kGradRtol, kGradAtol, nullptr) > 0,
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

bool names_op(const char* op) { return std::strncmp(vigil_last_error(), op, std::strlen(op)) == 0; }

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

template <typename T>
std::vector<double> conv_reference(Conv<T>& c, bool with_bias) {
  std::vector<double> y(c.B * c.Cout * c.Tn);
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t o = 0; o < c.Cout; ++o)
      for (int64_t t = 0; t < c.Tn; ++t) {
        double s = with_bias ? double(c.bias.v[o]) : 0;
        for (int64_t i = 0; i < c.Cin; ++i)
          for (int64_t k = 0; k < c.K; ++k) {
            int64_t src = t - (c.K - 1 - k) * c.dil;
            if (src >= 0)
              s += double(c.w.v[(o * c.Cin + i) * c.K + k]) * c.x.v[(b * c.Cin + i) * c.Tn + src];
          }
        y[(b * c.Cout + o) * c.Tn + t] = s;
      }
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
  HCHECK(grad_excess(c.w.v, dw.v, loss, kGradRtol, kGradAtol, nullptr) > 0,
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
