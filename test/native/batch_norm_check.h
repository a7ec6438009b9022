// Batch norm checks shared by test_batch_norm.cpp (shapes, channel axes, modes) and
// test_dc_vae_kernels.cpp (row lengths of the lane sums): the fast kernel against
// cpu/ref/batch_norm.h, and a forward + gradcheck case.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "cpu/ref/batch_norm.h"
#include "harness.h"

namespace bn_check {

using View = vigil::ref::AxisView;  // x as [outer, C, inner] around the channel axis

// cpu/ref/batch_norm.h on vectors; updates rm/rv when training.
inline std::vector<double> reference(const std::vector<double>& x, const View& v,
                                     const std::vector<double>* gamma,
                                     const std::vector<double>* beta, std::vector<double>* rm,
                                     std::vector<double>* rv, bool training, double mom,
                                     double eps) {
  std::vector<double> y(x.size());
  vigil::ref::batch_norm_forward(x.data(), v, gamma ? gamma->data() : nullptr,
                                 beta ? beta->data() : nullptr, rm ? rm->data() : nullptr,
                                 rv ? rv->data() : nullptr, training, mom, eps, y.data());
  return y;
}

// Forward against reference and backward against central differences of sum(y * w) for one
// shape / axis / mode; `affine` turns gamma and beta on; dx starts at 0.5 (the backward
// accumulates). With `wrong_backward` the backward is called in the other mode and the check
// must FAIL (the gradcheck can catch a bad backward).
inline void gradcheck(const std::vector<int64_t>& shape, int axis, bool training, bool affine,
                      bool wrong_backward = false) {
  const View v(shape, axis < 0 ? axis + static_cast<int>(shape.size()) : axis);
  const std::string what = "batch_norm axis " + std::to_string(axis) +
                           (training ? " training" : " eval") + (affine ? " affine" : "");
  harness::Buf<double> x(shape), w(shape), y(shape), dx(shape), gamma({v.n}), beta({v.n}), rm({v.n}),
      rv({v.n}), mean({v.n}), invstd({v.n}), dg({v.n}), db({v.n});
  harness::fill_uniform(x.v, 11, -2, 3);
  harness::fill_uniform(w.v, 12);
  harness::fill_uniform(gamma.v, 13, 0.5, 1.5);
  harness::fill_uniform(beta.v, 14);
  harness::fill_uniform(rm.v, 15, -0.5, 0.5);
  harness::fill_uniform(rv.v, 16, 0.5, 2);
  const double eps = 1e-3, mom = 0.2;
  const vigil_tensor* g = affine ? gamma.d() : nullptr;
  const vigil_tensor* b = affine ? beta.d() : nullptr;
  // running stats are tracked only in eval here: in training they would drift between calls
  const vigil_tensor* rmt = training ? nullptr : rm.d();
  const vigil_tensor* rvt = training ? nullptr : rv.d();
  auto forward = [&] {
    vigil_batch_norm_forward(x.d(), axis, g, b, rmt, rvt, training, mom, eps, y.d(), mean.d(),
                             invstd.d());
    return std::inner_product(y.v.begin(), y.v.end(), w.v.begin(), 0.0);
  };
  if (!wrong_backward) {
    forward();
    const std::vector<double> ref = reference(x.v, v, affine ? &gamma.v : nullptr,
                                              affine ? &beta.v : nullptr, &rm.v, &rv.v, training,
                                              mom, eps);
    HCHECK_CLOSE((what + " forward").c_str(), y.p(), ref.data(), y.n(), 1e-12, 1e-12);
  }
  const std::vector<double> gx = harness::numeric_grad(x.v, forward);
  const std::vector<double> gg = harness::numeric_grad(gamma.v, forward);
  const std::vector<double> gb = harness::numeric_grad(beta.v, forward);
  forward();
  std::fill(dx.v.begin(), dx.v.end(), 0.5);
  HCHECK_OK(vigil_batch_norm_backward(x.d(), axis, g, mean.d(), invstd.d(), w.d(),
                                      wrong_backward ? !training : training, dx.d(),
                                      affine ? dg.d() : nullptr, affine ? db.d() : nullptr));
  for (double& d : dx.v) d -= 0.5;
  if (wrong_backward) {
    double worst = 0;
    for (size_t i = 0; i < gx.size(); ++i) worst = std::fmax(worst, std::fabs(dx.v[i] - gx[i]));
    HCHECK(worst > 1e-3, what + ": a wrong-mode backward passed the gradcheck");
    return;
  }
  HCHECK_CLOSE((what + " dx").c_str(), dx.p(), gx.data(), dx.n(), 1e-5, 1e-7);
  if (affine) {
    HCHECK_CLOSE((what + " dgamma").c_str(), dg.p(), gg.data(), v.n, 1e-5, 1e-7);
    HCHECK_CLOSE((what + " dbeta").c_str(), db.p(), gb.data(), v.n, 1e-5, 1e-7);
  }
}

}  // namespace bn_check
