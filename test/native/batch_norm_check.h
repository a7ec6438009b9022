// Batch norm checks shared by test_rt.cpp (shapes, channel axes, modes) and
// test_dc_vae_kernels.cpp (row lengths of the lane sums): the forward of ops.h written directly
// in f64, and a forward + gradcheck case.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "harness.h"

namespace bn_check {

// x viewed as [outer, C, inner] for a shape and channel axis.
struct View {
  int64_t outer = 1, C = 1, inner = 1;
  View(const std::vector<int64_t>& shape, int axis) {
    for (int k = 0; k < static_cast<int>(shape.size()); ++k) {
      if (k < axis) outer *= shape[k];
      if (k > axis) inner *= shape[k];
    }
    C = shape[axis];
  }
};

// The forward of ops.h written directly (f64), returns y; updates rm/rv when training.
inline std::vector<double> reference(const std::vector<double>& x, const View& v,
                                     const std::vector<double>* gamma,
                                     const std::vector<double>* beta, std::vector<double>* rm,
                                     std::vector<double>* rv, bool training, double mom,
                                     double eps) {
  std::vector<double> y(x.size());
  const double N = static_cast<double>(v.outer * v.inner);
  for (int64_t c = 0; c < v.C; ++c) {
    double mean = 0, var = 0;
    auto each = [&](const std::function<void(int64_t)>& f) {
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) f((o * v.C + c) * v.inner + i);
    };
    if (training) {
      each([&](int64_t k) { mean += x[k]; });
      mean /= N;
      each([&](int64_t k) { var += (x[k] - mean) * (x[k] - mean); });
      var /= N;
      if (rm) (*rm)[c] = (1 - mom) * (*rm)[c] + mom * mean;
      if (rv) (*rv)[c] = (1 - mom) * (*rv)[c] + mom * var * N / (N - 1);
    } else {
      mean = (*rm)[c];
      var = (*rv)[c];
    }
    const double g = gamma ? (*gamma)[c] : 1, b = beta ? (*beta)[c] : 0;
    each([&](int64_t k) { y[k] = (x[k] - mean) / std::sqrt(var + eps) * g + b; });
  }
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
  harness::Buf<double> x(shape), w(shape), y(shape), dx(shape), gamma({v.C}), beta({v.C}), rm({v.C}),
      rv({v.C}), mean({v.C}), invstd({v.C}), dg({v.C}), db({v.C});
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
    HCHECK_CLOSE((what + " dgamma").c_str(), dg.p(), gg.data(), v.C, 1e-5, 1e-7);
    HCHECK_CLOSE((what + " dbeta").c_str(), db.p(), gb.data(), v.C, 1e-5, 1e-7);
  }
}

}  // namespace bn_check
