// gaussian_nll: 0.5 (logvar + (x - mu)^2 e^-logvar + ln 2 pi),
// reduced by mean and sum: forward against the per-element term, f64 central-difference
// gradient check of every input (loss_check.h), and errors.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.h"
#include "loss_check.h"

using harness::Buf;

using namespace harness;

HTEST(gaussian_nll_gradcheck) {
  using V = std::vector<const vigil_tensor*>;
  loss_case(
      "gaussian_nll", 3,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_gaussian_nll_forward(i[0], i[1], i[2], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_gaussian_nll_backward(i[0], i[1], i[2], dy, r, g[0], g[1], g[2]);
      },
      [](const std::vector<double>& e) {
        return 0.5 * (e[2] + (e[0] - e[1]) * (e[0] - e[1]) * std::exp(-e[2]) +
                      std::log(2 * M_PI));
      },
      {{-2, 2}, {-1, 1}, {-1.5, 1.5}});
}

HTEST(gaussian_nll_errors) {
  Buf<float> a({3, 4}), y({1});
  const auto bad_reduction = static_cast<vigil_reduction>(5);
  HCHECK(error_names(vigil_gaussian_nll_forward(a.d(), a.d(), a.d(), bad_reduction, y.d()),
                     VIGIL_ERR_ARG, "gaussian_nll_forward"),
         "bad reduction accepted");
}
