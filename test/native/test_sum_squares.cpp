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
