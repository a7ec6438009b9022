// Randomness, batch_norm, losses and optimisers: Philox known answers, draw statistics,
// thread-count independence, f64 central-difference gradient checks, hand-written reference
// loops for the optimisers, and error cases.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/philox.h"
#include "batch_norm_check.h"
#include "harness.h"

using harness::Buf;

namespace {

// ---------------------------------------------------------------- helpers

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

struct Moments {
  double mean, var, skew, kurt;
};
template <typename T>
Moments moments(const std::vector<T>& v) {
  double m = 0;
  for (T x : v) m += x;
  m /= static_cast<double>(v.size());
  double m2 = 0, m3 = 0, m4 = 0;
  for (T x : v) {
    const double d = x - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  const double n = static_cast<double>(v.size());
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {m, m2, m3 / std::pow(m2, 1.5), m4 / (m2 * m2)};
}

bool error_names(vigil_status s, vigil_status want, const char* op) {
  return s == want && std::strstr(vigil_last_error(), op) != nullptr;
}

// Runs fn with 1, 2 and 3 pool threads and returns each run's output; restores the default.
template <typename T>
std::vector<std::vector<T>> with_threads(const std::function<std::vector<T>()>& fn) {
  std::vector<std::vector<T>> out;
  for (int n : {1, 2, 3}) {
    vigil_set_num_threads(n);
    out.push_back(fn());
  }
  vigil_set_num_threads(0);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- Philox stream

// Known answers of philox4x32-10 from Random123's tests/kat_vectors (D. E. Shaw Research,
// github.com/DEShawResearch/random123): counter words c0..c3, key words k0 k1 -> outputs.
HTEST(rt_philox_known_answers) {
  struct Kat {
    uint32_t c[4], k[2], want[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const vigil::Philox4 r = vigil::philox4x32_10(k.c[0], k.c[1], k.c[2], k.c[3], k.k[0], k.k[1]);
    for (int l = 0; l < 4; ++l) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "lane %d: got %08x want %08x", l, r.v[l], k.want[l]);
      HCHECK(r.v[l] == k.want[l], buf);
    }
  }
}

// Element i of a uniform fill is lane i%4 of block offset + i/4 with key = seed; a normal
// element i is Box-Muller on block offset + i. Checked against philox.h directly, including
// the carry of the counter into its high word.
HTEST(rt_random_stream_layout) {
  const uint64_t seed = 0x123456789abcdefULL, offset = 0xfffffffeULL;  // crosses 2^32
  Buf<double> u({11}), z({5});
  HCHECK_OK(vigil_random_fill(u.d(), VIGIL_RNG_UNIFORM, -2, 3, seed, offset));
  HCHECK_OK(vigil_random_fill(z.d(), VIGIL_RNG_NORMAL, 1, 2, seed, offset));
  for (int i = 0; i < 11; ++i) {
    const uint64_t ctr = offset + i / 4;
    const vigil::Philox4 r = vigil::philox4x32_10(uint32_t(ctr), uint32_t(ctr >> 32), 0, 0,
                                                  uint32_t(seed), uint32_t(seed >> 32));
    const double want = -2 + 5 * ((r.v[i % 4] >> 8) * std::ldexp(1.0, -24));
    HCHECK(u.v[i] == want, "uniform element " + std::to_string(i) + " is off the stream");
  }
  for (int i = 0; i < 5; ++i) {
    const vigil::Philox4 r = vigil::philox_block(seed, offset, i);
    const double u1 = ((r.v[0] >> 8) + 1.0) * std::ldexp(1.0, -24);
    const double u2 = (r.v[1] >> 8) * std::ldexp(1.0, -24);
    const double want = 1 + 2 * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    HCHECK_CLOSE("normal element", &z.v[i], &want, 1, 1e-15, 1e-15);
  }
  HCHECK(vigil_random_blocks(VIGIL_RNG_UNIFORM, 11) == 3, "uniform blocks of 11");
  HCHECK(vigil_random_blocks(VIGIL_RNG_UNIFORM, 12) == 3, "uniform blocks of 12");
  HCHECK(vigil_random_blocks(VIGIL_RNG_NORMAL, 11) == 11, "normal blocks of 11");
  HCHECK(vigil_random_blocks(VIGIL_RNG_UNIFORM, 0) == 0, "uniform blocks of 0");
  // Advancing the offset by the blocks consumed continues the stream.
  Buf<float> whole({40}), first({20}), second({20});
  HCHECK_OK(vigil_random_fill(whole.d(), VIGIL_RNG_UNIFORM, 0, 1, 7, 100));
  HCHECK_OK(vigil_random_fill(first.d(), VIGIL_RNG_UNIFORM, 0, 1, 7, 100));
  HCHECK_OK(vigil_random_fill(second.d(), VIGIL_RNG_UNIFORM, 0, 1, 7,
                              100 + vigil_random_blocks(VIGIL_RNG_UNIFORM, 20)));
  HCHECK(std::memcmp(whole.p(), first.p(), 20 * sizeof(float)) == 0, "stream start");
  HCHECK(std::memcmp(whole.p() + 20, second.p(), 20 * sizeof(float)) == 0, "stream continues");
}

// 1e6 draws: uniform mean 1/2 and var 1/12 (standard errors 2.9e-4, 7.5e-5), normal mean 0,
// var 1, skew 0, kurtosis 3 (standard errors 1e-3, 1.4e-3, 2.4e-3, 4.9e-3): tolerances ~5 sigma.
HTEST(rt_random_moments) {
  const int64_t n = 1000000;
  Buf<float> u({n}), z({n});
  HCHECK_OK(vigil_random_fill(u.d(), VIGIL_RNG_UNIFORM, 0, 1, 42, 0));
  HCHECK_OK(vigil_random_fill(z.d(), VIGIL_RNG_NORMAL, 0, 1, 42, 0));
  float lo = 1, hi = 0;
  for (float x : u.v) lo = std::fmin(lo, x), hi = std::fmax(hi, x);
  HCHECK(lo >= 0 && hi < 1, "uniform outside [0, 1)");
  const Moments mu = moments(u.v), mz = moments(z.v);
  HCHECK(std::fabs(mu.mean - 0.5) < 1.5e-3, "uniform mean " + std::to_string(mu.mean));
  HCHECK(std::fabs(mu.var - 1.0 / 12) < 4e-4, "uniform var " + std::to_string(mu.var));
  HCHECK(std::fabs(mz.mean) < 5e-3, "normal mean " + std::to_string(mz.mean));
  HCHECK(std::fabs(mz.var - 1) < 7e-3, "normal var " + std::to_string(mz.var));
  HCHECK(std::fabs(mz.skew) < 1.2e-2, "normal skew " + std::to_string(mz.skew));
  HCHECK(std::fabs(mz.kurt - 3) < 2.5e-2, "normal kurtosis " + std::to_string(mz.kurt));
  // a second seed gives a different stream; the same seed the same one
  Buf<float> u2({n}), u3({n});
  HCHECK_OK(vigil_random_fill(u2.d(), VIGIL_RNG_UNIFORM, 0, 1, 43, 0));
  HCHECK_OK(vigil_random_fill(u3.d(), VIGIL_RNG_UNIFORM, 0, 1, 42, 0));
  HCHECK(u2.v != u.v, "seeds 42 and 43 gave the same numbers");
  HCHECK(u3.v == u.v, "seed 42 twice gave different numbers");
}

// Random fills, dropout, batch_norm statistics and loss sums are bit-identical for 1, 2, 3 threads.
HTEST(rt_thread_count_independence) {
  const int64_t n = 300001;
  auto random = with_threads<float>([&] {
    Buf<float> u({n}), z({n});
    vigil_random_fill(u.d(), VIGIL_RNG_UNIFORM, 0, 1, 9, 5);
    vigil_random_fill(z.d(), VIGIL_RNG_NORMAL, 0, 1, 9, 5);
    u.v.insert(u.v.end(), z.v.begin(), z.v.end());
    return u.v;
  });
  HCHECK(random[0] == random[1] && random[0] == random[2], "random fill depends on threads");
  Buf<float> x({3001, 7, 13}), w({3001, 7, 13});
  harness::fill_uniform(x.v, 1, -2, 2);
  harness::fill_uniform(w.v, 2, -1, 1);
  auto other = with_threads<double>([&] {
    const std::vector<int64_t> shape = {3001, 7, 13};
    Buf<float> y(shape), mean({7}), invstd({7}), dx(shape), dg({7}), db({7}), l({1}), mask(shape);
    vigil_batch_norm_forward(x.d(), 1, nullptr, nullptr, nullptr, nullptr, 1, 0.1, 1e-5, y.d(),
                             mean.d(), invstd.d());
    vigil_batch_norm_backward(x.d(), 1, nullptr, mean.d(), invstd.d(), w.d(), 1, dx.d(), dg.d(),
                              db.d());
    vigil_mse_forward(x.d(), w.d(), VIGIL_REDUCE_MEAN, l.d());
    vigil_dropout_forward(x.d(), 0.25, 3, 0, y.d(), mask.d());
    double ss = 0;
    vigil_sum_squares(x.d(), &ss);
    std::vector<double> out = {ss};
    for (auto* v : {&mean.v, &invstd.v, &dx.v, &dg.v, &db.v, &l.v, &y.v})
      out.insert(out.end(), v->begin(), v->end());
    return out;
  });
  HCHECK(other[0] == other[1] && other[0] == other[2],
         "batch_norm / mse / dropout / sum_squares depend on the thread count");
}

// ---------------------------------------------------------------- dropout

HTEST(rt_dropout_mask_rate_and_scale) {
  const int64_t n = 400000;
  const double p = 0.3;
  Buf<float> x({n}), y({n}), mask({n}), u({n});
  harness::fill_uniform(x.v, 5, -3, 3);
  HCHECK_OK(vigil_dropout_forward(x.d(), p, 11, 77, y.d(), mask.d()));
  HCHECK_OK(vigil_random_fill(u.d(), VIGIL_RNG_UNIFORM, 0, 1, 11, 77));
  const float keep = static_cast<float>(1 / (1 - p));
  int64_t kept = 0, bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool k = u.v[i] >= p;
    kept += k;
    if (mask.v[i] != (k ? keep : 0.f) || y.v[i] != x.v[i] * mask.v[i]) ++bad;
  }
  HCHECK(bad == 0, std::to_string(bad) + " elements off the uniform stream or y != x*mask");
  // kept fraction 0.7 with standard error 7.2e-4
  const double rate = static_cast<double>(kept) / n;
  HCHECK(std::fabs(rate - (1 - p)) < 4e-3, "kept fraction " + std::to_string(rate));
  // backward accumulates dy * mask
  Buf<float> dy({n}), dx({n}, 0.5f);
  harness::fill_uniform(dy.v, 6);
  HCHECK_OK(vigil_dropout_backward(dy.d(), mask.d(), dx.d()));
  std::vector<float> dx_want(n);
  for (int64_t i = 0; i < n; ++i) dx_want[i] = 0.5f + dy.v[i] * mask.v[i];
  // the kernel may fuse the multiply-add: one rounding apart
  HCHECK_CLOSE("dropout dx += dy*mask", dx.p(), dx_want.data(), n, 1e-6, 1e-7);
  // p = 0 keeps everything at scale 1; p = 1 and shape errors are refused
  HCHECK_OK(vigil_dropout_forward(x.d(), 0.0, 11, 0, y.d(), mask.d()));
  HCHECK(y.v == x.v, "p = 0 changed x");
  HCHECK(error_names(vigil_dropout_forward(x.d(), 1.0, 1, 0, y.d(), mask.d()), VIGIL_ERR_ARG,
                     "dropout_forward"),
         "p = 1 accepted");
  Buf<float> small({n - 1});
  HCHECK(error_names(vigil_dropout_forward(x.d(), 0.5, 1, 0, y.d(), small.d()), VIGIL_ERR_SHAPE,
                     "dropout_forward"),
         "mask of the wrong shape accepted");
}

// ---------------------------------------------------------------- reparam_sample

// z = mu + e^(lv/2) eps: over 2e5 draws mean mu and variance e^lv (sd 0.5 here).
HTEST(rt_reparam_sample_statistics) {
  const int64_t n = 200000;
  Buf<double> mu({n}, 1.5), lv({n}, std::log(0.25)), z({n}), eps({n}), ref({n});
  HCHECK_OK(vigil_reparam_sample_forward(mu.d(), lv.d(), 21, 3, z.d(), eps.d()));
  HCHECK_OK(vigil_random_fill(ref.d(), VIGIL_RNG_NORMAL, 0, 1, 21, 3));
  HCHECK(eps.v == ref.v, "eps is not the normal stream of (seed, offset)");
  const Moments m = moments(z.v);
  // standard errors: mean 1.1e-3, var 7.9e-4
  HCHECK(std::fabs(m.mean - 1.5) < 6e-3, "mean of z " + std::to_string(m.mean));
  HCHECK(std::fabs(m.var - 0.25) < 4e-3, "variance of z " + std::to_string(m.var));
}

// f64 central differences of L = sum(z * w) with the draws held fixed (same seed and offset).
HTEST(rt_reparam_sample_gradcheck) {
  const int64_t n = 17;
  Buf<double> mu({n}), lv({n}), w({n}), z({n}), eps({n}), dmu({n}, 0.25), dlv({n}, -0.5);
  harness::fill_uniform(mu.v, 1);
  harness::fill_uniform(lv.v, 2, -2, 1);
  harness::fill_uniform(w.v, 3);
  auto loss = [&] {
    vigil_reparam_sample_forward(mu.d(), lv.d(), 99, 12, z.d(), eps.d());
    return dot(z.v, w.v);
  };
  const std::vector<double> gmu = harness::numeric_grad(mu.v, loss), glv = harness::numeric_grad(lv.v, loss);
  loss();
  HCHECK_OK(vigil_reparam_sample_backward(lv.d(), eps.d(), w.d(), dmu.d(), dlv.d()));
  for (int64_t i = 0; i < n; ++i) dmu.v[i] -= 0.25, dlv.v[i] += 0.5;  // they accumulate
  HCHECK_CLOSE("dmu", dmu.p(), gmu.data(), n, 1e-6, 1e-8);
  HCHECK_CLOSE("dlogvar", dlv.p(), glv.data(), n, 1e-6, 1e-8);
  // either gradient may be skipped
  HCHECK_OK(vigil_reparam_sample_backward(lv.d(), eps.d(), w.d(), nullptr, dlv.d()));
}

// ---------------------------------------------------------------- batch_norm

HTEST(rt_batch_norm_gradcheck_training) {
  bn_check::gradcheck({5, 3}, 1, true, true);
  bn_check::gradcheck({4, 3, 5}, 1, true, true);
  bn_check::gradcheck({2, 3, 4, 3}, 1, true, true);
  bn_check::gradcheck({3, 4, 5}, 2, true, true);   // channel-last [B, T, C]
  bn_check::gradcheck({3, 4, 5}, -1, true, false);  // negative axis, no affine
  bn_check::gradcheck({6, 2}, 0, true, true);       // channel axis first
}

HTEST(rt_batch_norm_gradcheck_eval) {
  bn_check::gradcheck({5, 3}, 1, false, true);
  bn_check::gradcheck({4, 3, 5}, 1, false, true);
  bn_check::gradcheck({2, 3, 4, 3}, 1, false, false);
  bn_check::gradcheck({3, 4, 5}, 2, false, true);
}

HTEST(rt_batch_norm_gradcheck_catches_wrong_backward) {
  bn_check::gradcheck({4, 3, 5}, 1, true, true, /*wrong_backward=*/true);
  bn_check::gradcheck({4, 3, 5}, 1, false, true, /*wrong_backward=*/true);
}

// The running update uses the unbiased variance and PyTorch's momentum; save_* hold the stats
// used for normalising. A larger tensor than the gradchecks so several tasks share the sums.
HTEST(rt_batch_norm_running_stats) {
  const std::vector<int64_t> shape = {37, 5, 300};
  const bn_check::View v(shape, 1);
  Buf<double> x(shape), y(shape), rm({5}), rv({5}, 1.0), mean({5}), invstd({5});
  harness::fill_uniform(x.v, 3, -1, 4);
  std::vector<double> rm_ref = rm.v, rv_ref = rv.v;
  HCHECK_OK(vigil_batch_norm_forward(x.d(), 1, nullptr, nullptr, rm.d(), rv.d(), 1, 0.1, 1e-5,
                                     y.d(), mean.d(), invstd.d()));
  const std::vector<double> yref =
      bn_check::reference(x.v, v, nullptr, nullptr, &rm_ref, &rv_ref, true, 0.1, 1e-5);
  HCHECK_CLOSE("y", y.p(), yref.data(), y.n(), 1e-10, 1e-10);
  HCHECK_CLOSE("running_mean", rm.p(), rm_ref.data(), 5, 1e-12, 1e-12);
  HCHECK_CLOSE("running_var", rv.p(), rv_ref.data(), 5, 1e-12, 1e-12);
  // save_invstd is of the biased variance: var = (1 - m) * 1 + m * var_unbiased
  for (int c = 0; c < 5; ++c) {
    const double N = 37 * 300, var_u = (rv.v[c] - 0.9) / 0.1, var_b = var_u * (N - 1) / N;
    const double want = 1 / std::sqrt(var_b + 1e-5);
    HCHECK_CLOSE("save_invstd", &invstd.v[c], &want, 1, 1e-9, 0);
    const double want_mean = rm.v[c] / 0.1;
    HCHECK_CLOSE("save_mean", &mean.v[c], &want_mean, 1, 1e-9, 1e-12);
  }
}

HTEST(rt_batch_norm_errors) {
  Buf<float> x({4, 3}), y({4, 3}), bad({4}), one({1, 3}), stats({3});
  HCHECK(error_names(vigil_batch_norm_forward(x.d(), 1, bad.d(), nullptr, nullptr, nullptr, 1,
                                              0.1, 1e-5, y.d(), nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_forward"),
         "gamma of the wrong size accepted");
  HCHECK(error_names(vigil_batch_norm_forward(x.d(), 2, nullptr, nullptr, nullptr, nullptr, 1,
                                              0.1, 1e-5, y.d(), nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_forward"),
         "axis out of range accepted");
  HCHECK(error_names(vigil_batch_norm_forward(x.d(), 1, nullptr, nullptr, nullptr, nullptr, 0,
                                              0.1, 1e-5, y.d(), nullptr, nullptr),
                     VIGIL_ERR_ARG, "batch_norm_forward"),
         "eval without running stats accepted");
  HCHECK(error_names(vigil_batch_norm_forward(one.d(), 1, nullptr, nullptr, nullptr, nullptr, 1,
                                              0.1, 1e-5, one.d(), nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_forward"),
         "training on one value per channel accepted");
  HCHECK(error_names(vigil_batch_norm_backward(x.d(), 1, nullptr, stats.d(), stats.d(), bad.d(),
                                               1, nullptr, nullptr, nullptr),
                     VIGIL_ERR_SHAPE, "batch_norm_backward"),
         "dy of the wrong shape accepted");
  std::string msg = vigil_last_error();
  HCHECK(msg.find("[4,3]") != std::string::npos, "message lacks the shapes: " + msg);
}

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

HTEST(rt_losses_gradcheck) {
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
HTEST(rt_bce_with_logits_stable) {
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

HTEST(rt_losses_errors) {
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

HTEST(rt_adam_against_scalar_loop) {
  adam_case<double>(false, 1e-12);
  adam_case<double>(true, 1e-12);
  adam_case<float>(false, 2e-6);
  adam_case<float>(true, 2e-6);
}

HTEST(rt_sgd_against_scalar_loop) {
  for (double mom : {0.0, 0.9})
    for (bool nest : {false, true}) {
      if (nest && mom == 0) continue;
      sgd_case<double>(mom, nest, 1e-12);
      sgd_case<float>(mom, nest, 2e-6);
    }
}

HTEST(rt_sum_squares_and_scale) {
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

HTEST(rt_optim_errors) {
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
