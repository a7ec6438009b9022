// linear: the fast kernel against cpu/ref/matmul.h (linear_forward) for several leading dims
// with and without bias, f64 central-difference gradient checks, large f32, and shape errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cpu/ref/gemm.h"
#include "cpu/ref/matmul.h"
#include "harness.h"
#include "loss_grad.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- linear

HTEST(linear_forward_matches_loops) {
  uint64_t seed = 1000;
  const std::vector<int64_t> lead_dims[] = {{}, {7}, {2, 3}, {130}};
  for (const auto& lead : lead_dims)
    for (bool with_bias : {true, false}) {
      const int64_t in = 5, out = 19;
      std::vector<int64_t> xs = lead, ys = lead;
      xs.push_back(in);
      ys.push_back(out);
      auto x = random_buf<float>(xs, seed++), w = random_buf<float>({out, in}, seed++);
      auto bias = random_buf<float>({out}, seed++);
      Buf<float> y(ys, NAN), r(ys);
      HCHECK_OK(vigil_linear_forward(x.d(), w.d(), with_bias ? bias.d() : nullptr, y.d()));
      std::vector<double> rd(r.v.size());
      vigil::ref::linear_forward(x.p(), w.p(), with_bias ? bias.p() : nullptr, x.n() / in, in, out,
                                 rd.data());
      r.v.assign(rd.begin(), rd.end());
      HCHECK_CLOSE("linear forward", y.p(), r.p(), y.n(), 1e-5, 1e-6);
    }
}

HTEST(linear_backward_gradcheck) {
  uint64_t seed = 1100;
  for (bool with_bias : {true, false})
    for (const auto& xs : {std::vector<int64_t>{2, 3, 4}, std::vector<int64_t>{5, 4}}) {
      const int64_t in = 4, out = 3;
      std::vector<int64_t> ys(xs.begin(), xs.end() - 1);
      ys.push_back(out);
      auto x = random_buf<double>(xs, seed++), w = random_buf<double>({out, in}, seed++);
      auto bias = random_buf<double>({out}, seed++), g = random_buf<double>(ys, seed++);
      auto dx = random_buf<double>(xs, seed++), dw = random_buf<double>({out, in}, seed++);
      auto dbias = random_buf<double>({out}, seed++);
      const std::vector<double> dx0 = dx.v, dw0 = dw.v, dbias0 = dbias.v;
      Buf<double> y(ys);
      HCHECK_OK(vigil_linear_backward(x.d(), w.d(), g.d(), dx.d(), dw.d(),
                                      with_bias ? dbias.d() : nullptr));
      auto diff = [](const std::vector<double>& now, const std::vector<double>& before) {
        std::vector<double> d(now.size());
        for (size_t i = 0; i < d.size(); ++i) d[i] = now[i] - before[i];
        return d;
      };
      auto loss = [&] {
        vigil_linear_forward(x.d(), w.d(), with_bias ? bias.d() : nullptr, y.d());
        return dot(y.v, g.v);
      };
      const std::string what = "linear rank " + std::to_string(xs.size());
      check_grad(what + " x", x.v, diff(dx.v, dx0), loss);
      check_grad(what + " w", w.v, diff(dw.v, dw0), loss);
      if (with_bias) {
        check_grad(what + " bias", bias.v, diff(dbias.v, dbias0), loss);
      } else {
        HCHECK(dbias.v == dbias0, "dbias touched though not passed");
      }
    }
}

// The shapes of the LSTM input projection: threaded gemm, column-sum of dbias over threads.
HTEST(linear_large_f32) {
  const int64_t rows = 1600, in = 38, out = 128;
  auto x = random_buf<float>({rows, in}, 1200), w = random_buf<float>({out, in}, 1201);
  auto bias = random_buf<float>({out}, 1202), g = random_buf<float>({rows, out}, 1203);
  Buf<float> y({rows, out}), r({rows, out}), dbias({out});
  HCHECK_OK(vigil_linear_forward(x.d(), w.d(), bias.d(), y.d()));
  for (int64_t i = 0; i < rows; ++i) std::memcpy(r.p() + i * out, bias.p(), out * sizeof(float));
  vigil::ref::gemm<float>(false, true, rows, out, in, 1.0f, x.p(), in, w.p(), in, 1.0f, r.p(),
                              out);
  HCHECK_CLOSE("linear forward large", y.p(), r.p(), y.n(), 1e-5, 1e-5);
  HCHECK_OK(vigil_linear_backward(x.d(), w.d(), g.d(), nullptr, nullptr, dbias.d()));
  std::vector<double> want(out, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t o = 0; o < out; ++o) want[o] += g.v[i * out + o];
  std::vector<float> wantf(want.begin(), want.end());
  HCHECK_CLOSE("dbias", dbias.p(), wantf.data(), out, 1e-4, 1e-4);
}

HTEST(linear_shape_errors) {
  Buf<float> x({2, 3, 4}), w({5, 4}), bias({5}), y({2, 3, 5});
  Buf<float> w_bad({5, 3}), bias_bad({4}), y_bad({2, 5}), dx_bad({2, 3, 5}), dw_bad({4, 5});
  Buf<float> scalar(std::vector<int64_t>{});
  HCHECK(shape_error(vigil_linear_forward(x.d(), w_bad.d(), bias.d(), y.d()), "linear"), "w");
  HCHECK(shape_error(vigil_linear_forward(x.d(), w.d(), bias_bad.d(), y.d()), "linear"), "bias");
  HCHECK(shape_error(vigil_linear_forward(x.d(), w.d(), bias.d(), y_bad.d()), "linear"), "y");
  HCHECK(shape_error(vigil_linear_forward(scalar.d(), w.d(), nullptr, y.d()), "linear"), "x 0-D");
  HCHECK(std::strstr(vigil_last_error(), "x []") != nullptr, vigil_last_error());
  HCHECK(shape_error(vigil_linear_backward(x.d(), w.d(), y.d(), dx_bad.d(), nullptr, nullptr),
                     "linear_backward"),
         "dx");
  HCHECK(shape_error(vigil_linear_backward(x.d(), w.d(), y.d(), nullptr, dw_bad.d(), nullptr),
                     "linear_backward"),
         "dw");
  HCHECK(shape_error(vigil_linear_backward(x.d(), w.d(), y.d(), nullptr, nullptr, bias_bad.d()),
                     "linear_backward"),
         "dbias");
  HCHECK(shape_error(vigil_linear_backward(x.d(), w.d(), y_bad.d(), nullptr, nullptr, nullptr),
                     "linear_backward"),
         "dy");
}

}  // namespace
