// reparam_sample: draw statistics and an f64 central-difference gradient check.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "loss_grad.h"
#include "moments.h"
#include "harness.h"

using harness::Buf;

using namespace harness;

// ---------------------------------------------------------------- reparam_sample

// z = mu + e^(lv/2) eps: over 2e5 draws mean mu and variance e^lv (sd 0.5 here).
HTEST(reparam_sample_statistics) {
  const int64_t n = 200000;
  Buf<double> mu({n}, 1.5), lv({n}, std::log(0.25)), z({n}), eps({n}), ref({n});
  HCHECK_OK(vigil_reparam_sample_forward(mu.d(), lv.d(), 21, 3, z.d(), eps.d()));
  HCHECK_OK(vigil_random_fill(ref.d(), VIGIL_RNG_NORMAL, 0, 1, 21, 3));
  HCHECK(eps.v == ref.v, "eps is not the normal stream of (seed, offset)");
  const Moments m = moments(z.v);
  // standard errors: mean 1.1e-3, var 7.9e-4
  HCHECK(std::fabs(m.mean - 1.5) < 6e-3, "mean of z " + std::to_string(m.mean));
  HCHECK(std::fabs(m.var - 0.25) < 4e-3, "variance of z " + std::to_string(m.var));
}

// f64 central differences of L = sum(z * w) with the draws held fixed (same seed and offset).
HTEST(reparam_sample_gradcheck) {
  const int64_t n = 17;
  Buf<double> mu({n}), lv({n}), w({n}), z({n}), eps({n}), dmu({n}, 0.25), dlv({n}, -0.5);
  harness::fill_uniform(mu.v, 1);
  harness::fill_uniform(lv.v, 2, -2, 1);
  harness::fill_uniform(w.v, 3);
  auto loss = [&] {
    vigil_reparam_sample_forward(mu.d(), lv.d(), 99, 12, z.d(), eps.d());
    return dot(z.v, w.v);
  };
  const std::vector<double> gmu = harness::numeric_grad(mu.v, loss), glv = harness::numeric_grad(lv.v, loss);
  loss();
  HCHECK_OK(vigil_reparam_sample_backward(lv.d(), eps.d(), w.d(), dmu.d(), dlv.d()));
  for (int64_t i = 0; i < n; ++i) dmu.v[i] -= 0.25, dlv.v[i] += 0.5;  // they accumulate
  HCHECK_CLOSE("dmu", dmu.p(), gmu.data(), n, 1e-6, 1e-8);
  HCHECK_CLOSE("dlogvar", dlv.p(), glv.data(), n, 1e-6, 1e-8);
  // either gradient may be skipped
  HCHECK_OK(vigil_reparam_sample_backward(lv.d(), eps.d(), w.d(), nullptr, dlv.d()));
}
