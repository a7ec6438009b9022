// The f64 gradient check of the op tests: L = sum(dy * out) with fixed random dy.
#pragma once
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "harness.h"
#include "shape_index.h"

namespace harness {

using DBuf = Buf<double>;

// L = sum(dy * out) with fixed random dy. The analytic gradient is what backward adds to
// buffers prefilled with 0.25; the numeric one is the central difference of L. Returns the worst
// excess of |analytic - numeric| over atol + rtol |numeric| (> 0 = fails), described in *what.
struct GradCheck {
  std::vector<DBuf*> inputs;            // perturbed
  std::vector<bool> wanted;             // which inputs get a gradient buffer
  DBuf* out;
  std::function<void()> forward;        // inputs -> out
  std::function<void(const vigil_tensor* dy, std::vector<DBuf*>& grads)> backward;
  double rtol = 1e-6, atol = 1e-8, h = 1e-6;

  double run(std::string* what) {
    forward();
    DBuf dy(shape_of(out->d()));
    harness::fill_uniform(dy.v, 99, -1, 1);
    std::vector<DBuf> owned;
    owned.reserve(inputs.size());
    std::vector<DBuf*> grads;
    for (size_t k = 0; k < inputs.size(); ++k) {
      owned.emplace_back(shape_of(inputs[k]->d()), 0.25);
      grads.push_back(k < wanted.size() && !wanted[k] ? nullptr : &owned.back());
    }
    backward(dy.d(), grads);
    auto loss = [&] {
      forward();
      double s = 0;
      for (int64_t i = 0; i < out->n(); ++i) s += dy.v[i] * out->v[i];
      return s;
    };
    double worst = -INFINITY;
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!grads[k]) continue;
      std::vector<double> analytic(grads[k]->v);
      for (double& a : analytic) a -= 0.25;  // the buffers started at 0.25: backward must add
      std::string where;
      const double excess = harness::grad_excess(
          analytic, harness::numeric_grad(inputs[k]->v, loss, h), rtol, atol, &where);
      if (excess > worst) {
        worst = excess;
        if (what) *what = "input " + std::to_string(k) + " " + where;
      }
    }
    forward();
    return worst;
  }
};

#define HGRADCHECK(name, gc)                                                   \
  do {                                                                         \
    std::string _what;                                                         \
    const double _e = (gc).run(&_what);                                        \
    HCHECK(_e <= 0, std::string(name) + ": gradient mismatch at " + _what);    \
  } while (0)

}  // namespace harness
