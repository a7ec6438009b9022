// bce_with_logits: max(l,0) - l t + ln(1 + e^-|l|),
// reduced by mean and sum: forward against the per-element term, f64 central-difference
// gradient check of every input (loss_check.h), and errors.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.h"
#include "loss_check.h"

using harness::Buf;

using namespace harness;

HTEST(bce_with_logits_gradcheck) {
  using V = std::vector<const vigil_tensor*>;
  loss_case(
      "bce_with_logits", 2,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_bce_with_logits_forward(i[0], i[1], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_bce_with_logits_backward(i[0], i[1], dy, r, g[0], g[1]);
      },
      [](const std::vector<double>& e) {  // the textbook form, fine for moderate logits
        const double s = 1 / (1 + std::exp(-e[0]));
        return -(e[1] * std::log(s) + (1 - e[1]) * std::log(1 - s));
      },
      {{-4, 4}, {0, 1}});
}

// Extreme logits stay finite: l = +-100 gives 100 or ~0 without overflow, f32 included.
HTEST(bce_with_logits_stable) {
  Buf<float> l({4}), t({4}), y({1}), dy({1}, 1.f), dl({4});
  l.v = {100.f, -100.f, 100.f, -100.f};
  t.v = {0.f, 0.f, 1.f, 1.f};
  HCHECK_OK(vigil_bce_with_logits_forward(l.d(), t.d(), VIGIL_REDUCE_SUM, y.d()));
  const float want = 200.f;  // 100 + ~0 + ~0 + 100
  HCHECK_CLOSE("bce sum", y.p(), &want, 1, 1e-6, 1e-6);
  HCHECK_OK(
      vigil_bce_with_logits_backward(l.d(), t.d(), dy.d(), VIGIL_REDUCE_SUM, dl.d(), nullptr));
  const float dwant[4] = {1.f, 0.f, 0.f, -1.f};
  HCHECK_CLOSE("bce grad", dl.p(), dwant, 4, 0, 1e-6);
}

HTEST(bce_with_logits_errors) {
  Buf<float> a({3, 4}), y({1});
  Buf<double> d({3, 4});
  HCHECK(error_names(vigil_bce_with_logits_forward(a.d(), d.d(), VIGIL_REDUCE_SUM, y.d()),
                     VIGIL_ERR_DTYPE, "bce_with_logits_forward"),
         "mixed dtypes accepted");
}
