// adam_step (Adam and AdamW): five steps of the kernel against cpu/ref/adam_step.h with fresh
// gradients each step, f64 and f32, and errors.
#include <vector>

#include "cpu/ref/adam_step.h"
#include "harness.h"

using harness::Buf;

using namespace harness;

namespace {

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
    vigil::ref::adam_step(rp.data(), g.p(), rm.data(), rv.data(), n, lr, b1, b2, eps, wd, t,
                          decoupled);
  }
  std::vector<T> want(rp.begin(), rp.end());
  HCHECK_CLOSE(decoupled ? "adamw params" : "adam params", p.p(), want.data(), n, tol, tol);
}

}  // namespace

HTEST(adam_against_scalar_loop) {
  adam_case<double>(false, 1e-12);
  adam_case<double>(true, 1e-12);
  adam_case<float>(false, 2e-6);
  adam_case<float>(true, 2e-6);
}

HTEST(adam_step_errors) {
  Buf<float> p({5}), g({6}), m({5}), v({5});
  HCHECK(error_names(vigil_adam_step(p.d(), g.d(), m.d(), v.d(), 1e-3, 0.9, 0.999, 1e-8, 0, 1, 0),
                     VIGIL_ERR_SHAPE, "adam_step"),
         "grad of the wrong shape accepted");
  HCHECK(error_names(vigil_adam_step(p.d(), m.d(), m.d(), v.d(), 1e-3, 0.9, 0.999, 1e-8, 0, 0, 0),
                     VIGIL_ERR_ARG, "adam_step"),
         "step 0 accepted");
}
