// softmax and log_softmax: the fast kernel against cpu/ref/softmax.h on every axis, f64
// gradient checks, stability on large logits, and errors.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "grad_check.h"
#include "harness.h"
#include "shape_index.h"
#include "cpu/ref/softmax.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- softmax

HTEST(softmax_forward_and_gradcheck) {
  const Shape xs = {3, 4, 5};
  for (int log = 0; log <= 1; ++log) {
    for (int axis : {0, 1, 2, -1, -3}) {
      DBuf x(xs), y(xs);
      harness::fill_uniform(x.v, 60 + axis, -3, 3);
      HCHECK_OK(vigil_softmax_forward(x.d(), axis, log, y.d()));
      std::vector<double> want(x.v.size());
      vigil::ref::softmax_forward(x.p(), vigil::ref::AxisView(xs, axis < 0 ? axis + 3 : axis), log,
                                  want.data());
      const std::string what = std::string(log ? "log_softmax" : "softmax") + " axis " + std::to_string(axis);
      HCHECK_CLOSE(what.c_str(), y.p(), want.data(), y.n(), 1e-13, 1e-15);
      GradCheck gc;
      gc.inputs = {&x};
      gc.out = &y;
      gc.forward = [&] { vigil_softmax_forward(x.d(), axis, log, y.d()); };
      gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
        HCHECK_OK(vigil_softmax_backward(y.d(), dy, axis, log, g[0]->d()));
      };
      HGRADCHECK(what, gc);
    }
  }
}

// Large logits: no overflow; rows sum to 1 over a strided axis wider than a column block.
HTEST(softmax_stable_f32) {
  Buf<float> x({2, 3, 130}), y({2, 3, 130}), ly({2, 3, 130});
  harness::fill_uniform(x.v, 70, 900, 1000);
  HCHECK_OK(vigil_softmax_forward(x.d(), 1, 0, y.d()));
  HCHECK_OK(vigil_softmax_forward(x.d(), 1, 1, ly.d()));
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 130; ++c) {
      double s = 0;
      for (int k = 0; k < 3; ++k) {
        const float v = y.v[(b * 3 + k) * 130 + c];
        s += v;
        HCHECK(std::fabs(std::exp(ly.v[(b * 3 + k) * 130 + c]) - v) < 1e-5, "exp(log_softmax) != softmax");
      }
      HCHECK(std::fabs(s - 1) < 1e-5, "softmax column does not sum to 1");
    }
}

HTEST(softmax_errors) {
  DBuf x({2, 3}), y({3, 2});
  HCHECK(error_names(vigil_softmax_forward(x.d(), 1, 0, y.d()), VIGIL_ERR_SHAPE, "softmax"), "y shape");
  HCHECK(error_names(vigil_softmax_forward(x.d(), 2, 1, x.d()), VIGIL_ERR_ARG, "log_softmax"), "axis");
}

}  // namespace
