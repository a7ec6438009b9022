// repeat: forward against an index-by-index reference, f64 gradient checks, and errors.
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "grad_check.h"
#include "harness.h"
#include "shape_index.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- repeat

HTEST(repeat_forward_and_gradcheck) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{2, 3}, {2, 1}}, {{2, 1, 3}, {1, 4, 2}}, {{3}, {5}}, {{2, 3}, {1, 1}}, {{1, 2, 2}, {3, 2, 1}}};
  for (const auto& [xs, reps] : cases) {
    Shape ys(xs.size());
    for (size_t k = 0; k < xs.size(); ++k) ys[k] = xs[k] * reps[k];
    DBuf x(xs), y(ys);
    harness::fill_uniform(x.v, 100);
    HCHECK_OK(vigil_repeat_forward(x.d(), reps.data(), y.d()));
    std::vector<double> want(y.v.size());
    for (int64_t i = 0; i < y.n(); ++i) {
      auto idx = unravel(i, ys);
      for (size_t k = 0; k < xs.size(); ++k) idx[k] %= xs[k];
      want[i] = x.v[ravel_broadcast(idx, xs)];
    }
    HCHECK_CLOSE("repeat", y.p(), want.data(), y.n(), 0, 0);
    GradCheck gc;
    gc.inputs = {&x};
    gc.out = &y;
    gc.forward = [&] { vigil_repeat_forward(x.d(), reps.data(), y.d()); };
    gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
      HCHECK_OK(vigil_repeat_backward(dy, reps.data(), g[0]->d()));
    };
    HGRADCHECK("repeat", gc);
  }
}

HTEST(repeat_errors) {
  DBuf x({2, 3}), y({4, 4});
  const int64_t reps[] = {2, 1}, neg[] = {-1, 1};
  HCHECK(error_names(vigil_repeat_forward(x.d(), reps, y.d()), VIGIL_ERR_SHAPE, "repeat"), "y shape");
  HCHECK(error_names(vigil_repeat_forward(x.d(), neg, y.d()), VIGIL_ERR_ARG, "repeat"), "negative");
  HCHECK(error_names(vigil_repeat_backward(y.d(), reps, x.d()), VIGIL_ERR_SHAPE, "repeat"), "dy shape");
}

}  // namespace
