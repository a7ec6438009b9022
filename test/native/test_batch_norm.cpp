// batch_norm: the fast kernel against cpu/ref/batch_norm.h (batch_norm_check.h), f64 gradient
// checks in training and eval over shapes and channel axes, running statistics, and errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "batch_norm_check.h"
#include "harness.h"

using harness::Buf;

using namespace harness;

// ---------------------------------------------------------------- batch_norm

HTEST(batch_norm_gradcheck_training) {
  bn_check::gradcheck({5, 3}, 1, true, true);
  bn_check::gradcheck({4, 3, 5}, 1, true, true);
  bn_check::gradcheck({2, 3, 4, 3}, 1, true, true);
  bn_check::gradcheck({3, 4, 5}, 2, true, true);   // channel-last [B, T, C]
  bn_check::gradcheck({3, 4, 5}, -1, true, false);  // negative axis, no affine
  bn_check::gradcheck({6, 2}, 0, true, true);       // channel axis first
}

HTEST(batch_norm_gradcheck_eval) {
  bn_check::gradcheck({5, 3}, 1, false, true);
  bn_check::gradcheck({4, 3, 5}, 1, false, true);
  bn_check::gradcheck({2, 3, 4, 3}, 1, false, false);
  bn_check::gradcheck({3, 4, 5}, 2, false, true);
}

HTEST(batch_norm_gradcheck_catches_wrong_backward) {
  bn_check::gradcheck({4, 3, 5}, 1, true, true, /*wrong_backward=*/true);
  bn_check::gradcheck({4, 3, 5}, 1, false, true, /*wrong_backward=*/true);
}

// The running update uses the unbiased variance and PyTorch's momentum; save_* hold the stats
// used for normalising. A larger tensor than the gradchecks so several tasks share the sums.
HTEST(batch_norm_running_stats) {
  const std::vector<int64_t> shape = {37, 5, 300};
  const bn_check::View v(shape, 1);
  Buf<double> x(shape), y(shape), rm({5}), rv({5}, 1.0), mean({5}), invstd({5});
  harness::fill_uniform(x.v, 3, -1, 4);
  std::vector<double> rm_ref = rm.v, rv_ref = rv.v;
  HCHECK_OK(vigil_batch_norm_forward(x.d(), 1, nullptr, nullptr, rm.d(), rv.d(), 1, 0.1, 1e-5,
                                     y.d(), mean.d(), invstd.d()));
  const std::vector<double> yref =
      bn_check::reference(x.v, v, nullptr, nullptr, &rm_ref, &rv_ref, true, 0.1, 1e-5);
  HCHECK_CLOSE("y", y.p(), yref.data(), y.n(), 1e-10, 1e-10);
  HCHECK_CLOSE("running_mean", rm.p(), rm_ref.data(), 5, 1e-12, 1e-12);
  HCHECK_CLOSE("running_var", rv.p(), rv_ref.data(), 5, 1e-12, 1e-12);
  // save_invstd is of the biased variance: var = (1 - m) * 1 + m * var_unbiased
  for (int c = 0; c < 5; ++c) {
    const double N = 37 * 300, var_u = (rv.v[c] - 0.9) / 0.1, var_b = var_u * (N - 1) / N;
    const double want = 1 / std::sqrt(var_b + 1e-5);
    HCHECK_CLOSE("save_invstd", &invstd.v[c], &want, 1, 1e-9, 0);
    const double want_mean = rm.v[c] / 0.1;
    HCHECK_CLOSE("save_mean", &mean.v[c], &want_mean, 1, 1e-9, 1e-12);
  }
}

HTEST(batch_norm_errors) {
  Buf<float> x({4, 3}), y({4, 3}), bad({4}), one({1, 3}), stats({3});
  HCHECK(error_names(vigil_batch_norm_forward(x.d(), 1, bad.d(), nullptr, nullptr, nullptr, 1,
                                              0.1, 1e-5, y.d(), nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_forward"),
         "gamma of the wrong size accepted");
  HCHECK(error_names(vigil_batch_norm_forward(x.d(), 2, nullptr, nullptr, nullptr, nullptr, 1,
                                              0.1, 1e-5, y.d(), nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_forward"),
         "axis out of range accepted");
  HCHECK(error_names(vigil_batch_norm_forward(x.d(), 1, nullptr, nullptr, nullptr, nullptr, 0,
                                              0.1, 1e-5, y.d(), nullptr, nullptr),
                     VIGIL_ERR_ARG, "batch_norm_forward"),
         "eval without running stats accepted");
  HCHECK(error_names(vigil_batch_norm_forward(one.d(), 1, nullptr, nullptr, nullptr, nullptr, 1,
                                              0.1, 1e-5, one.d(), nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_forward"),
         "training on one value per channel accepted");
  HCHECK(error_names(vigil_batch_norm_backward(x.d(), 1, nullptr, stats.d(), stats.d(), bad.d(),
                                               1, nullptr, nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_backward"),
         "dy of the wrong shape accepted");
  std::string msg = vigil_last_error();
  HCHECK(msg.find("[4,3]") != std::string::npos, "message lacks the shapes: " + msg);
}
