// The optimiser steps adam_step and sgd_step against the scalar loops of ops.h, sum_squares and
// scale_inplace, and errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

using harness::Buf;

using namespace harness;

// ---------------------------------------------------------------- optimisers

namespace {

// Five steps of the kernel against the scalar loop of ops.h, with fresh gradients each step.
template <typename T>
void adam_case(bool decoupled, double tol) {
  const int64_t n = 1000;
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
  Buf<T> p({n}), g({n}), m({n}), v({n});
  harness::fill_uniform(p.v, 1);
  std::vector<double> rp(p.v.begin(), p.v.end()), rm(n, 0), rv(n, 0);
  for (int64_t t = 1; t <= 5; ++t) {
    harness::fill_uniform(g.v, 100 + t);
    HCHECK_OK(vigil_adam_step(p.d(), g.d(), m.d(), v.d(), lr, b1, b2, eps, wd, t, decoupled));
    for (int64_t i = 0; i < n; ++i) {
      double gi = g.v[i];
      if (decoupled) rp[i] -= lr * wd * rp[i];
      else gi += wd * rp[i];
      rm[i] = b1 * rm[i] + (1 - b1) * gi;
      rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
      const double mh = rm[i] / (1 - std::pow(b1, t)), vh = rv[i] / (1 - std::pow(b2, t));
      rp[i] -= lr * mh / (std::sqrt(vh) + eps);
    }
  }
  std::vector<T> want(rp.begin(), rp.end());
  HCHECK_CLOSE(decoupled ? "adamw params" : "adam params", p.p(), want.data(), n, tol, tol);
}

template <typename T>
void sgd_case(double momentum, bool nesterov, double tol) {
  const int64_t n = 1000;
  const double lr = 0.05, wd = 0.01;
  Buf<T> p({n}), g({n}), buf({n});
  harness::fill_uniform(p.v, 2);
  std::vector<double> rp(p.v.begin(), p.v.end()), rb(n, 0);
  for (int t = 1; t <= 5; ++t) {
    harness::fill_uniform(g.v, 200 + t);
    HCHECK_OK(vigil_sgd_step(p.d(), g.d(), momentum > 0 ? buf.d() : nullptr, lr, momentum, wd,
                             nesterov, t == 1));
    for (int64_t i = 0; i < n; ++i) {
      double gi = g.v[i] + wd * rp[i];
      if (momentum > 0) {
        rb[i] = t == 1 ? gi : momentum * rb[i] + gi;
        gi = nesterov ? gi + momentum * rb[i] : rb[i];
      }
      rp[i] -= lr * gi;
    }
  }
  std::vector<T> want(rp.begin(), rp.end());
  HCHECK_CLOSE("sgd params", p.p(), want.data(), n, tol, tol);
}

}  // namespace

HTEST(adam_against_scalar_loop) {
  adam_case<double>(false, 1e-12);
  adam_case<double>(true, 1e-12);
  adam_case<float>(false, 2e-6);
  adam_case<float>(true, 2e-6);
}

HTEST(sgd_against_scalar_loop) {
  for (double mom : {0.0, 0.9})
    for (bool nest : {false, true}) {
      if (nest && mom == 0) continue;
      sgd_case<double>(mom, nest, 1e-12);
      sgd_case<float>(mom, nest, 2e-6);
    }
}

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

HTEST(optim_errors) {
  Buf<float> p({5}), g({6}), m({5}), v({5});
  HCHECK(error_names(vigil_adam_step(p.d(), g.d(), m.d(), v.d(), 1e-3, 0.9, 0.999, 1e-8, 0, 1, 0),
                     VIGIL_ERR_SHAPE, "adam_step"),
         "grad of the wrong shape accepted");
  HCHECK(error_names(vigil_adam_step(p.d(), m.d(), m.d(), v.d(), 1e-3, 0.9, 0.999, 1e-8, 0, 0, 0),
                     VIGIL_ERR_ARG, "adam_step"),
         "step 0 accepted");
  HCHECK(error_names(vigil_sgd_step(p.d(), m.d(), nullptr, 0.1, 0.9, 0, 0, 1), VIGIL_ERR_ARG,
                     "sgd_step"),
         "momentum without a buffer accepted");
}
