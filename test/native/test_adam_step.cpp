// adam_step (Adam, AdamW, and AMSGrad with either): eight steps of the kernel against
// cpu/ref/adam_step.h with fresh gradients each step (shrinking in the later steps, so v falls
// and AMSGrad's running maximum is what the update uses), f64 and f32, and errors.
#include <algorithm>
#include <vector>

#include "cpu/ref/adam_step.h"
#include "harness.h"

using harness::Buf;

using namespace harness;

namespace {

template <typename T>
void adam_case(bool decoupled, bool amsgrad, double tol) {
  const int64_t n = 1000;
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
  Buf<T> p({n}), g({n}), m({n}), v({n}), vmax({n});
  harness::fill_uniform(p.v, 1);
  std::vector<double> rp(p.v.begin(), p.v.end()), rm(n, 0), rv(n, 0), rvmax(n, 0);
  std::vector<double> vpeak(n, 0);  // the largest v seen, element by element
  for (int64_t t = 1; t <= 8; ++t) {
    harness::fill_uniform(g.v, 100 + t);
    if (t > 3)
      for (T& x : g.v) x /= static_cast<T>(t * t);  // smaller gradients: v decreases
    HCHECK_OK(vigil_adam_step(p.d(), g.d(), m.d(), v.d(), amsgrad ? vmax.d() : nullptr, lr, b1, b2,
                              eps, wd, t, decoupled));
    vigil::ref::adam_step(rp.data(), g.p(), rm.data(), rv.data(), amsgrad ? rvmax.data() : nullptr,
                          n, lr, b1, b2, eps, wd, t, decoupled);
    for (int64_t i = 0; i < n; ++i) vpeak[i] = std::max(vpeak[i], static_cast<double>(v.v[i]));
  }
  const char* what = amsgrad ? (decoupled ? "adamw amsgrad params" : "adam amsgrad params")
                             : (decoupled ? "adamw params" : "adam params");
  std::vector<T> want(rp.begin(), rp.end());
  HCHECK_CLOSE(what, p.p(), want.data(), n, tol, tol);
  if (!amsgrad) {
    HCHECK(std::all_of(vmax.v.begin(), vmax.v.end(), [](T x) { return x == 0; }),
           "vmax touched without amsgrad");
    return;
  }
  std::vector<T> want_vmax(rvmax.begin(), rvmax.end()), peak(vpeak.begin(), vpeak.end());
  HCHECK_CLOSE("amsgrad vmax", vmax.p(), want_vmax.data(), n, tol, 0.0);
  // the state is the running maximum of v exactly (the kernel's own v, no rounding between)
  HCHECK_CLOSE("amsgrad vmax = max over steps of v", vmax.p(), peak.data(), n, 0.0, 0.0);
  int64_t fell = 0;
  for (int64_t i = 0; i < n; ++i) fell += vmax.v[i] > v.v[i];
  HCHECK(fell > n / 2, "the case must make v fall below its maximum for most elements");
}

// AMSGrad moves the parameters differently from Adam once v falls (else the test above could
// pass with vmax ignored by both the kernel and the reference).
void amsgrad_differs() {
  const int64_t n = 64;
  Buf<double> pa({n}), pb({n}), g({n}), ma({n}), va({n}), mb({n}), vb({n}), vmax({n});
  for (int64_t t = 1; t <= 6; ++t) {
    harness::fill_uniform(g.v, 7 + t);
    for (double& x : g.v) x /= static_cast<double>(t * t * t);
    HCHECK_OK(vigil_adam_step(pa.d(), g.d(), ma.d(), va.d(), nullptr, 1e-2, 0.9, 0.999, 1e-8, 0, t, 0));
    HCHECK_OK(vigil_adam_step(pb.d(), g.d(), mb.d(), vb.d(), vmax.d(), 1e-2, 0.9, 0.999, 1e-8, 0, t, 0));
  }
  int64_t differ = 0;
  for (int64_t i = 0; i < n; ++i) differ += std::fabs(pa.v[i] - pb.v[i]) > 1e-6 * std::fabs(pa.v[i]);
  HCHECK(differ > n / 2, "amsgrad and adam take the same steps");
}

}  // namespace

HTEST(adam_against_scalar_loop) {
  for (bool amsgrad : {false, true}) {
    adam_case<double>(false, amsgrad, 1e-12);
    adam_case<double>(true, amsgrad, 1e-12);
    adam_case<float>(false, amsgrad, 2e-6);
    adam_case<float>(true, amsgrad, 2e-6);
  }
  amsgrad_differs();
}

HTEST(adam_step_errors) {
  Buf<float> p({5}), g({6}), m({5}), v({5}), vmax({4});
  HCHECK(error_names(vigil_adam_step(p.d(), g.d(), m.d(), v.d(), nullptr, 1e-3, 0.9, 0.999, 1e-8,
                                     0, 1, 0),
                     VIGIL_ERR_SHAPE, "adam_step"),
         "grad of the wrong shape accepted");
  HCHECK(error_names(vigil_adam_step(p.d(), m.d(), m.d(), v.d(), vmax.d(), 1e-3, 0.9, 0.999, 1e-8,
                                     0, 1, 0),
                     VIGIL_ERR_SHAPE, "adam_step"),
         "vmax of the wrong shape accepted");
  Buf<double> vmax64({5});
  HCHECK(vigil_adam_step(p.d(), m.d(), m.d(), v.d(), vmax64.d(), 1e-3, 0.9, 0.999, 1e-8, 0, 1, 0) !=
             VIGIL_OK,
         "vmax of another dtype accepted");
  HCHECK(error_names(vigil_adam_step(p.d(), m.d(), m.d(), v.d(), nullptr, 1e-3, 0.9, 0.999, 1e-8,
                                     0, 0, 0),
                     VIGIL_ERR_ARG, "adam_step"),
         "step 0 accepted");
}
