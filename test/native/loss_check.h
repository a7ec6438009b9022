// The gradient check of a loss (test_<loss>.cpp): forward against the per-element term of
// ops.h, reduced by mean and by sum, and backward against central differences (f64).
#pragma once
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

namespace harness {

using LossFwd = std::function<vigil_status(const std::vector<const vigil_tensor*>&,
                                           vigil_reduction, const vigil_tensor*)>;
using LossBwd = std::function<vigil_status(const std::vector<const vigil_tensor*>&,
                                           const vigil_tensor*, vigil_reduction,
                                           const std::vector<const vigil_tensor*>&)>;

// Per-element term of each loss as ops.h writes it.
using Term = std::function<double(const std::vector<double>&)>;

// Forward = reduced sum of term; backward against central differences with dy = 0.7,
// accumulating onto gradients that start at 0.3.
inline void loss_case(const char* name, int inputs, const LossFwd& fwd, const LossBwd& bwd,
               const Term& term, const std::vector<std::pair<double, double>>& ranges) {
  const std::vector<int64_t> shape = {3, 7};
  const int64_t n = 21;
  for (vigil_reduction r : {VIGIL_REDUCE_MEAN, VIGIL_REDUCE_SUM}) {
    const std::string what = std::string(name) + (r == VIGIL_REDUCE_MEAN ? " mean" : " sum");
    std::vector<Buf<double>> in, grad;
    for (int k = 0; k < inputs; ++k) {
      in.emplace_back(shape);
      harness::fill_uniform(in.back().v, 31 + k, ranges[k].first, ranges[k].second);
      grad.emplace_back(shape, 0.3);
    }
    std::vector<const vigil_tensor*> ins, grads;
    for (int k = 0; k < inputs; ++k) ins.push_back(in[k].d()), grads.push_back(grad[k].d());
    Buf<double> y({1, 1}), dy({1}, 0.7);
    auto loss = [&] {
      fwd(ins, r, y.d());
      return 0.7 * y.v[0];
    };
    HCHECK_OK(fwd(ins, r, y.d()));
    double want = 0;
    for (int64_t i = 0; i < n; ++i) {
      std::vector<double> e;
      for (int k = 0; k < inputs; ++k) e.push_back(in[k].v[i]);
      want += term(e);
    }
    if (r == VIGIL_REDUCE_MEAN) want /= n;
    HCHECK_CLOSE((what + " forward").c_str(), y.p(), &want, 1, 1e-13, 1e-13);
    std::vector<std::vector<double>> num;
    for (int k = 0; k < inputs; ++k) num.push_back(harness::numeric_grad(in[k].v, loss));
    HCHECK_OK(bwd(ins, dy.d(), r, grads));
    for (int k = 0; k < inputs; ++k) {
      for (double& g : grad[k].v) g -= 0.3;
      HCHECK_CLOSE((what + " grad " + std::to_string(k)).c_str(), grad[k].p(), num[k].data(), n,
                   1e-6, 1e-8);
    }
    // no gradient wanted at all is fine
    std::vector<const vigil_tensor*> none(inputs, nullptr);
    HCHECK_OK(bwd(ins, dy.d(), r, none));
  }
}

}  // namespace harness
