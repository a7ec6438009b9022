// dropout: mask rate and scale, and errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

using harness::Buf;

using namespace harness;

// ---------------------------------------------------------------- dropout

HTEST(dropout_mask_rate_and_scale) {
  const int64_t n = 400000;
  const double p = 0.3;
  Buf<float> x({n}), y({n}), mask({n}), u({n});
  harness::fill_uniform(x.v, 5, -3, 3);
  HCHECK_OK(vigil_dropout_forward(x.d(), p, 11, 77, y.d(), mask.d()));
  HCHECK_OK(vigil_random_fill(u.d(), VIGIL_RNG_UNIFORM, 0, 1, 11, 77));
  const float keep = static_cast<float>(1 / (1 - p));
  int64_t kept = 0, bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool k = u.v[i] >= p;
    kept += k;
    if (mask.v[i] != (k ? keep : 0.f) || y.v[i] != x.v[i] * mask.v[i]) ++bad;
  }
  HCHECK(bad == 0, std::to_string(bad) + " elements off the uniform stream or y != x*mask");
  // kept fraction 0.7 with standard error 7.2e-4
  const double rate = static_cast<double>(kept) / n;
  HCHECK(std::fabs(rate - (1 - p)) < 4e-3, "kept fraction " + std::to_string(rate));
  // backward accumulates dy * mask
  Buf<float> dy({n}), dx({n}, 0.5f);
  harness::fill_uniform(dy.v, 6);
  HCHECK_OK(vigil_dropout_backward(dy.d(), mask.d(), dx.d()));
  std::vector<float> dx_want(n);
  for (int64_t i = 0; i < n; ++i) dx_want[i] = 0.5f + dy.v[i] * mask.v[i];
  // the kernel may fuse the multiply-add: one rounding apart
  HCHECK_CLOSE("dropout dx += dy*mask", dx.p(), dx_want.data(), n, 1e-6, 1e-7);
  // p = 0 keeps everything at scale 1; p = 1 and shape errors are refused
  HCHECK_OK(vigil_dropout_forward(x.d(), 0.0, 11, 0, y.d(), mask.d()));
  HCHECK(y.v == x.v, "p = 0 changed x");
  HCHECK(error_names(vigil_dropout_forward(x.d(), 1.0, 1, 0, y.d(), mask.d()), VIGIL_ERR_ARG,
                     "dropout_forward"),
         "p = 1 accepted");
  Buf<float> small({n - 1});
  HCHECK(error_names(vigil_dropout_forward(x.d(), 0.5, 1, 0, y.d(), small.d()), VIGIL_ERR_SHAPE,
                     "dropout_forward"),
         "mask of the wrong shape accepted");
}
