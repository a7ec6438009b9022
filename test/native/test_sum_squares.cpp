// sum_squares and scale_inplace (global-norm clipping): sum(x^2) in double over several chunks,
// and x *= alpha in place.
#include <vector>

#include "harness.h"

using harness::Buf;

HTEST(sum_squares_and_scale) {
  const int64_t n = 100003;  // several chunks
  Buf<float> x({n});
  harness::fill_uniform(x.v, 4);
  double ss = 0, want = 0;
  for (float a : x.v) want += static_cast<double>(a) * a;
  HCHECK_OK(vigil_sum_squares(x.d(), &ss));
  HCHECK_CLOSE("sum_squares", &ss, &want, 1, 1e-12, 0);
  std::vector<float> before = x.v;
  HCHECK_OK(vigil_scale_inplace(x.d(), 0.5));
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) bad += x.v[i] != before[i] * 0.5f;
  HCHECK(bad == 0, "scale_inplace is not x *= alpha");
}

HTEST(ema_update_moves_the_average_toward_the_parameter) {
  const int64_t n = 70001;  // several chunks
  Buf<float> avg({n}), p({n});
  harness::fill_uniform(avg.v, 5);
  harness::fill_uniform(p.v, 6);
  std::vector<double> want(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) want[i] = avg.v[i] + 0.25 * (static_cast<double>(p.v[i]) - avg.v[i]);
  HCHECK_OK(vigil_ema_update(avg.d(), p.d(), 0.75));
  std::vector<double> got(avg.v.begin(), avg.v.end());
  HCHECK_CLOSE("ema_update", got.data(), want.data(), n, 1e-6, 1e-7);
  const std::vector<float> kept = avg.v;
  HCHECK_OK(vigil_ema_update(avg.d(), p.d(), 1.0));  // decay 1: the average stays where it is
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) bad += avg.v[i] != kept[i];
  HCHECK(bad == 0, "decay 1 moved the average");
  HCHECK(vigil_ema_update(avg.d(), p.d(), 1.5) == VIGIL_ERR_ARG, "decay 1.5 accepted");
}
