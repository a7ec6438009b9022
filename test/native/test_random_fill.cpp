// random_fill (Philox4x32-10): known answers, the stream layout of ops.h, draw moments and
// thread-count independence.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/philox.h"
#include "moments.h"
#include "harness.h"

using harness::Buf;

namespace {

using namespace harness;

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
HTEST(random_fill_philox_known_answers) {
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
HTEST(random_fill_stream_layout) {
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
HTEST(random_fill_moments) {
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
HTEST(random_fill_thread_count_independence) {
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
