// Gradient checks of a scalar loss L(p) of one f64 input p: the analytic gradient against the
// central difference (L(p + h) - L(p - h)) / 2h, h = 1e-6, for every element of p.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "harness.h"

namespace harness {

constexpr double kGradRtol = 1e-6, kGradAtol = 1e-8;

// Worst excess of |analytic - numeric| over atol + rtol |numeric|; <= 0 passes.
inline double loss_grad_excess(std::vector<double>& p, const std::vector<double>& analytic,
                               const std::function<double()>& loss, std::string* worst = nullptr) {
  return grad_excess(analytic, numeric_grad(p, loss), kGradRtol, kGradAtol, worst);
}

inline void check_grad(const std::string& what, std::vector<double>& p,
                       const std::vector<double>& analytic, const std::function<double()>& loss) {
  std::string worst;
  if (loss_grad_excess(p, analytic, loss, &worst) > 0)
    record_failure(__FILE__, __LINE__, "gradient of " + what + ": " + worst);
}

template <typename T>
double dot(const std::vector<T>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

inline std::vector<double> random_vec(size_t n, uint64_t seed) {
  std::vector<double> v(n);
  fill_uniform(v, seed);
  return v;
}

}  // namespace harness
