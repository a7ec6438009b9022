// mse: (pred - target)^2,
// reduced by mean and sum: forward against the per-element term, f64 central-difference
// gradient check of every input (loss_check.h), and errors.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.h"
#include "loss_check.h"

using harness::Buf;

using namespace harness;

HTEST(mse_gradcheck) {
  using V = std::vector<const vigil_tensor*>;
  loss_case(
      "mse", 2,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_mse_forward(i[0], i[1], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_mse_backward(i[0], i[1], dy, r, g[0], g[1]);
      },
      [](const std::vector<double>& e) { return (e[0] - e[1]) * (e[0] - e[1]); },
      {{-1, 1}, {-1, 1}});
}

HTEST(mse_errors) {
  Buf<float> a({3, 4}), b({4, 3}), y({1});
  HCHECK(error_names(vigil_mse_forward(a.d(), b.d(), VIGIL_REDUCE_MEAN, y.d()), VIGIL_ERR_SHAPE,
                     "mse_forward"),
         "mismatched shapes accepted");
  HCHECK(std::strstr(vigil_last_error(), "[3,4]") != nullptr, "message lacks shapes");
}
