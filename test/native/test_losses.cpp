// The losses mse, gaussian_nll, kl_normal and bce_with_logits: forward against the per-element
// terms of ops.h, f64 central-difference gradient checks, stability, and errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

using harness::Buf;

using namespace harness;

// ---------------------------------------------------------------- losses

namespace {

using LossFwd = std::function<vigil_status(const std::vector<const vigil_tensor*>&,
                                           vigil_reduction, const vigil_tensor*)>;
using LossBwd = std::function<vigil_status(const std::vector<const vigil_tensor*>&,
                                           const vigil_tensor*, vigil_reduction,
                                           const std::vector<const vigil_tensor*>&)>;

// Per-element term of each loss as ops.h writes it.
using Term = std::function<double(const std::vector<double>&)>;

// Forward = reduced sum of term; backward against central differences with dy = 0.7,
// accumulating onto gradients that start at 0.3.
void loss_case(const char* name, int inputs, const LossFwd& fwd, const LossBwd& bwd,
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

}  // namespace

HTEST(losses_gradcheck) {
  using V = std::vector<const vigil_tensor*>;
  loss_case(
      "mse", 2,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_mse_forward(i[0], i[1], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_mse_backward(i[0], i[1], dy, r, g[0], g[1]);
      },
      [](const std::vector<double>& e) { return (e[0] - e[1]) * (e[0] - e[1]); },
      {{-1, 1}, {-1, 1}});
  loss_case(
      "gaussian_nll", 3,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_gaussian_nll_forward(i[0], i[1], i[2], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_gaussian_nll_backward(i[0], i[1], i[2], dy, r, g[0], g[1], g[2]);
      },
      [](const std::vector<double>& e) {
        return 0.5 * (e[2] + (e[0] - e[1]) * (e[0] - e[1]) * std::exp(-e[2]) +
                      std::log(2 * M_PI));
      },
      {{-2, 2}, {-1, 1}, {-1.5, 1.5}});
  loss_case(
      "kl_normal", 2,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_kl_normal_forward(i[0], i[1], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_kl_normal_backward(i[0], i[1], dy, r, g[0], g[1]);
      },
      [](const std::vector<double>& e) {
        return -0.5 * (1 + e[1] - e[0] * e[0] - std::exp(e[1]));
      },
      {{-1, 1}, {-2, 1}});
  loss_case(
      "bce_with_logits", 2,
      [](const V& i, vigil_reduction r, const vigil_tensor* y) {
        return vigil_bce_with_logits_forward(i[0], i[1], r, y);
      },
      [](const V& i, const vigil_tensor* dy, vigil_reduction r, const V& g) {
        return vigil_bce_with_logits_backward(i[0], i[1], dy, r, g[0], g[1]);
      },
      [](const std::vector<double>& e) {  // the textbook form, fine for moderate logits
        const double s = 1 / (1 + std::exp(-e[0]));
        return -(e[1] * std::log(s) + (1 - e[1]) * std::log(1 - s));
      },
      {{-4, 4}, {0, 1}});
}

// Extreme logits stay finite: l = +-100 gives 100 or ~0 without overflow, f32 included.
HTEST(bce_with_logits_stable) {
  Buf<float> l({4}), t({4}), y({1}), dy({1}, 1.f), dl({4});
  l.v = {100.f, -100.f, 100.f, -100.f};
  t.v = {0.f, 0.f, 1.f, 1.f};
  HCHECK_OK(vigil_bce_with_logits_forward(l.d(), t.d(), VIGIL_REDUCE_SUM, y.d()));
  const float want = 200.f;  // 100 + ~0 + ~0 + 100
  HCHECK_CLOSE("bce sum", y.p(), &want, 1, 1e-6, 1e-6);
  HCHECK_OK(
      vigil_bce_with_logits_backward(l.d(), t.d(), dy.d(), VIGIL_REDUCE_SUM, dl.d(), nullptr));
  const float dwant[4] = {1.f, 0.f, 0.f, -1.f};
  HCHECK_CLOSE("bce grad", dl.p(), dwant, 4, 0, 1e-6);
}

HTEST(losses_errors) {
  Buf<float> a({3, 4}), b({4, 3}), y({1}), y2({2});
  HCHECK(error_names(vigil_mse_forward(a.d(), b.d(), VIGIL_REDUCE_MEAN, y.d()), VIGIL_ERR_SHAPE,
                     "mse_forward"),
         "mismatched shapes accepted");
  HCHECK(std::strstr(vigil_last_error(), "[3,4]") != nullptr, "message lacks shapes");
  HCHECK(error_names(vigil_kl_normal_forward(a.d(), a.d(), VIGIL_REDUCE_SUM, y2.d()),
                     VIGIL_ERR_SHAPE, "kl_normal_forward"),
         "two-element y accepted");
  const auto bad_reduction = static_cast<vigil_reduction>(5);
  HCHECK(error_names(vigil_gaussian_nll_forward(a.d(), a.d(), a.d(), bad_reduction, y.d()),
                     VIGIL_ERR_ARG, "gaussian_nll_forward"),
         "bad reduction accepted");
  Buf<double> d({3, 4});
  HCHECK(error_names(vigil_bce_with_logits_forward(a.d(), d.d(), VIGIL_REDUCE_SUM, y.d()),
                     VIGIL_ERR_DTYPE, "bce_with_logits_forward"),
         "mixed dtypes accepted");
}
