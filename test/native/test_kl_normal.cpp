// kl_normal: -0.5 (1 + logvar - mu^2 - e^logvar),
// reduced by mean and sum: forward against the per-element term, f64 central-difference
// gradient check of every input (loss_check.h), and errors.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.h"
#include "loss_check.h"

using harness::Buf;

using namespace harness;

HTEST(kl_normal_gradcheck) {
  using V = std::vector<const vigil_tensor*>;
  loss_case(
      "kl_normal", 2,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_kl_normal_forward(i[0], i[1], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_kl_normal_backward(i[0], i[1], dy, r, g[0], g[1]);
      },
      [](const std::vector<double>& e) {
        return -0.5 * (1 + e[1] - e[0] * e[0] - std::exp(e[1]));
      },
      {{-1, 1}, {-2, 1}});
}

HTEST(kl_normal_errors) {
  Buf<float> a({3, 4}), y2({2});
  HCHECK(error_names(vigil_kl_normal_forward(a.d(), a.d(), VIGIL_REDUCE_SUM, y2.d()),
                     VIGIL_ERR_SHAPE, "kl_normal_forward"),
         "two-element y accepted");
}
