// sgd_step (plain, momentum, Nesterov): five steps of the kernel against cpu/ref/sgd_step.h with
// fresh gradients each step, f64 and f32, and errors.
#include <vector>

#include "cpu/ref/sgd_step.h"
#include "harness.h"

using harness::Buf;

using namespace harness;

namespace {

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
    vigil::ref::sgd_step(rp.data(), g.p(), rb.data(), n, lr, momentum, wd, nesterov, t == 1);
  }
  std::vector<T> want(rp.begin(), rp.end());
  HCHECK_CLOSE("sgd params", p.p(), want.data(), n, tol, tol);
}

}  // namespace

HTEST(sgd_against_scalar_loop) {
  for (double mom : {0.0, 0.9})
    for (bool nest : {false, true}) {
      if (nest && mom == 0) continue;
      sgd_case<double>(mom, nest, 1e-12);
      sgd_case<float>(mom, nest, 2e-6);
    }
}

HTEST(sgd_step_errors) {
  Buf<float> p({5}), m({5});
  HCHECK(error_names(vigil_sgd_step(p.d(), m.d(), nullptr, 0.1, 0.9, 0, 0, 1), VIGIL_ERR_ARG,
                     "sgd_step"),
         "momentum without a buffer accepted");
}
