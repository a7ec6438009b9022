// Kernels on DC-VAE's hot path, where they have fast paths of their own: the vectorised f32
// activations (native/cpu/vec_act.h: ELU, SELU, softplus and its gradient) against the libm
// formulas in f64, where the polynomials are weakest: inputs near 0 (expm1's relative
// precision), far out (exp's clamp, subnormal results), NaN and +-inf, and every tail length of
// the 8-wide loop; and batch norm's lane sums (native/cpu/batch_norm.cpp run_sums): an f64
// gradient check on rows with a lane tail, and the f32 forward at DC-VAE's size against an f64
// reference and across thread counts (its sums must not depend on the partition).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "batch_norm_check.h"
#include "harness.h"

using harness::Buf;

namespace {

// Inputs: +-10^e for e in [-8, 1.3] in small steps, a dense sweep of [-12, 12], the exp clamp's
// neighbourhood and the subnormal range (x down to -110).
std::vector<float> activation_inputs() {
  std::vector<float> x;
  for (double e = -8; e <= 1.3; e += 0.01) {
    x.push_back(static_cast<float>(std::pow(10.0, e)));
    x.push_back(static_cast<float>(-std::pow(10.0, e)));
  }
  for (double v = -12; v <= 12; v += 0.0037) x.push_back(static_cast<float>(v));
  for (double v = -110; v <= 100; v += 0.173) x.push_back(static_cast<float>(v));
  x.push_back(0.0f);
  x.push_back(-0.0f);
  return x;
}

double elu_ref(double x, double a) { return x > 0 ? x : a * std::expm1(x); }
double softplus_ref(double x) { return std::fmax(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

// f32 forward of op over xs against want(x) in f64.
template <typename F>
void check_forward(const char* what, vigil_unary_op op, double p0, const std::vector<float>& xs,
                   const F& want, double rtol, double atol) {
  Buf<float> x({static_cast<int64_t>(xs.size())}), y({static_cast<int64_t>(xs.size())});
  x.v = xs;
  HCHECK_OK(vigil_unary_forward(op, x.d(), y.d(), p0, 0));
  std::vector<double> got(y.v.begin(), y.v.end()), ref(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) ref[i] = want(static_cast<double>(xs[i]));
  HCHECK_CLOSE(what, got.data(), ref.data(), y.n(), rtol, atol);
}

}  // namespace

// ELU's negative branch is alpha * expm1(x): relative precision must hold as x -> 0-, where a
// plain exp(x) - 1 would lose every digit (at x = -1e-7 it is off by ~50%).
HTEST(dc_vae_kernels_elu_selu_f32) {
  const std::vector<float> xs = activation_inputs();
  for (double alpha : {1.0, 0.7}) {
    check_forward(("elu alpha " + std::to_string(alpha)).c_str(), VIGIL_ELU, alpha, xs,
                  [&](double x) { return elu_ref(x, alpha); }, 2e-6, 1e-37);
  }
  const double s = 1.0507009873554805, a = 1.6732632423543772;
  check_forward("selu", VIGIL_SELU, 0, xs, [&](double x) { return s * elu_ref(x, a); }, 2e-6,
                1e-37);
  // positive inputs pass through exactly
  Buf<float> x({3}), y({3});
  x.v = {1e-30f, 3.5f, 1e30f};
  HCHECK_OK(vigil_unary_forward(VIGIL_ELU, x.d(), y.d(), 1.0, 0));
  HCHECK_CLOSE("elu identity on x > 0", y.p(), x.p(), 3, 0, 0);
}

HTEST(dc_vae_kernels_softplus_f32) {
  const std::vector<float> xs = activation_inputs();
  // subnormal results (x < -87.3) carry fewer bits: an absolute floor of a few subnormal ulps
  check_forward("softplus", VIGIL_SOFTPLUS, 0, xs, softplus_ref, 3e-6, 1e-44);
  // the gradient is sigmoid(x), accumulated into a prefilled dx
  const int64_t n = static_cast<int64_t>(xs.size());
  Buf<float> x({n}), y({n}), dy({n}), dx({n}, 0.25f);
  x.v = xs;
  harness::fill_uniform(dy.v, 5, -2, 2);
  HCHECK_OK(vigil_unary_forward(VIGIL_SOFTPLUS, x.d(), y.d(), 0, 0));
  HCHECK_OK(vigil_unary_backward(VIGIL_SOFTPLUS, x.d(), y.d(), dy.d(), dx.d(), 0, 0));
  std::vector<double> got(dx.v.begin(), dx.v.end()), ref(xs.size());
  for (size_t i = 0; i < xs.size(); ++i)
    ref[i] = 0.25 + double(dy.v[i]) / (1 + std::exp(-double(xs[i])));
  HCHECK_CLOSE("softplus backward", got.data(), ref.data(), n, 2e-6, 1e-6);
}

// Every tail length of the 8-wide loops (1..17 elements) gives the scalar formula's value,
// and NaN / inf go through as libm's functions send them.
HTEST(dc_vae_kernels_tails_and_specials) {
  for (int64_t n = 1; n <= 17; ++n) {
    Buf<float> x({n}), y({n});
    harness::fill_uniform(x.v, 40 + n, -3, 3);
    for (auto [op, name] : {std::pair{VIGIL_ELU, "elu"}, {VIGIL_SOFTPLUS, "softplus"},
                            {VIGIL_TANH, "tanh"}}) {
      HCHECK_OK(vigil_unary_forward(op, x.d(), y.d(), 1.0, 0));
      std::vector<double> got(y.v.begin(), y.v.end()), ref(x.v.size());
      for (size_t i = 0; i < ref.size(); ++i)
        ref[i] = op == VIGIL_ELU ? elu_ref(x.v[i], 1.0)
                 : op == VIGIL_TANH ? std::tanh(double(x.v[i]))
                                    : softplus_ref(x.v[i]);
      HCHECK_CLOSE((std::string(name) + " tail " + std::to_string(n)).c_str(), got.data(),
                   ref.data(), n, 3e-6, 1e-7);
    }
  }
  const float inf = std::numeric_limits<float>::infinity();
  Buf<float> x({8}), y({8});
  x.v = {std::nanf(""), inf, -inf, -1e30f, 1.0f, -1.0f, std::nanf(""), 0.5f};
  HCHECK_OK(vigil_unary_forward(VIGIL_ELU, x.d(), y.d(), 1.0, 0));
  HCHECK(std::isnan(y.v[0]) && std::isnan(y.v[6]), "elu must pass NaN through");
  HCHECK(y.v[1] == inf && y.v[2] == -1.0f && y.v[3] == -1.0f, "elu at +-inf / -1e30");
  HCHECK_OK(vigil_unary_forward(VIGIL_SOFTPLUS, x.d(), y.d(), 0, 0));
  HCHECK(std::isnan(y.v[0]) && std::isnan(y.v[6]), "softplus must pass NaN through");
  HCHECK(y.v[1] == inf && y.v[2] == 0.0f && y.v[3] == 0.0f, "softplus at +-inf / -1e30");
}

// DC-VAE's batch norm ([32, 64, 128], channel axis 1, f32, the AVX2 lane sums): training
// forward and backward against f64 references, and bit-identical outputs, saved statistics and
// gradients on 1 and 2 threads.
HTEST(dc_vae_kernels_batch_norm_f32_dc_vae_size) {
  const int64_t B = 32, C = 64, T = 128, n = B * C * T;
  Buf<float> x({B, C, T}), gamma({C}), beta({C}), dy({B, C, T});
  harness::fill_uniform(x.v, 7, -1, 3);
  for (int64_t i = 0; i < n; ++i) x.v[i] += static_cast<float>((i / T) % C);  // per-channel offsets
  harness::fill_uniform(gamma.v, 8, 0.5, 1.5);
  harness::fill_uniform(beta.v, 9);
  harness::fill_uniform(dy.v, 10);
  struct Out {
    Buf<float> y{{32, 64, 128}}, mean{{64}}, invstd{{64}}, dx{{32, 64, 128}}, dg{{64}}, db{{64}};
  };
  auto run = [&](int threads, Out& o) {
    vigil_set_num_threads(threads);
    HCHECK_OK(vigil_batch_norm_forward(x.d(), 1, gamma.d(), beta.d(), nullptr, nullptr, 1, 0.01,
                                       1e-3, o.y.d(), o.mean.d(), o.invstd.d()));
    HCHECK_OK(vigil_batch_norm_backward(x.d(), 1, gamma.d(), o.mean.d(), o.invstd.d(), dy.d(), 1,
                                        o.dx.d(), o.dg.d(), o.db.d()));
  };
  Out one, two;
  run(1, one);
  run(2, two);
  vigil_set_num_threads(0);
  HCHECK_CLOSE("y 1 vs 2 threads", two.y.p(), one.y.p(), n, 0, 0);
  HCHECK_CLOSE("invstd 1 vs 2 threads", two.invstd.p(), one.invstd.p(), C, 0, 0);
  HCHECK_CLOSE("dx 1 vs 2 threads", two.dx.p(), one.dx.p(), n, 0, 0);
  HCHECK_CLOSE("dgamma 1 vs 2 threads", two.dg.p(), one.dg.p(), C, 0, 0);
  HCHECK_CLOSE("dbeta 1 vs 2 threads", two.db.p(), one.db.p(), C, 0, 0);
  const std::vector<double> xd(x.v.begin(), x.v.end()), gd(gamma.v.begin(), gamma.v.end()),
      bd(beta.v.begin(), beta.v.end()), got(one.y.v.begin(), one.y.v.end());
  const std::vector<double> ref = bn_check::reference(xd, bn_check::View({B, C, T}, 1), &gd, &bd,
                                                      nullptr, nullptr, true, 0.01, 1e-3);
  HCHECK_CLOSE("batch_norm f32 forward", got.data(), ref.data(), n, 1e-5, 1e-5);
  // The backward from the kernel's own saved statistics, in f64: the sums of dy and dy * xhat
  // per channel (dbeta, dgamma) and dx = gamma invstd (dy - mean dy - xhat mean(dy xhat)).
  std::vector<double> wdx(n), wdg(C), wdb(C);
  for (int64_t c = 0; c < C; ++c) {
    const double m = one.mean.v[c], s = one.invstd.v[c];
    double sg = 0, sh = 0;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) {
        const int64_t i = (b * C + c) * T + t;
        sg += dy.v[i];
        sh += dy.v[i] * (x.v[i] - m) * s;
      }
    wdb[c] = sg;
    wdg[c] = sh;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) {
        const int64_t i = (b * C + c) * T + t;
        wdx[i] = gamma.v[c] * s * (dy.v[i] - sg / (B * T) - (x.v[i] - m) * s * sh / (B * T));
      }
  }
  std::vector<double> gdx(one.dx.v.begin(), one.dx.v.end()), gdg(one.dg.v.begin(), one.dg.v.end()),
      gdb(one.db.v.begin(), one.db.v.end());
  HCHECK_CLOSE("batch_norm f32 dbeta", gdb.data(), wdb.data(), C, 1e-5, 1e-5);
  HCHECK_CLOSE("batch_norm f32 dgamma", gdg.data(), wdg.data(), C, 1e-5, 1e-5);
  HCHECK_CLOSE("batch_norm f32 dx", gdx.data(), wdx.data(), n, 1e-4, 1e-6);
}

// Batch norm's lane sums in f64 on rows of 33 (four 8-lane blocks and a tail): forward against
// the formula, backward against central differences, in training (through the batch
// statistics) and eval mode.
HTEST(dc_vae_kernels_batch_norm_lanes_gradcheck) {
  for (bool training : {true, false}) bn_check::gradcheck({3, 9, 33}, 1, training, true);
}
