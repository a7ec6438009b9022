// reduce (sum, mean, max): the fast kernel against cpu/ref/reduce.h over every axis mask, f64
// gradient checks, f32 on large odd shapes, max ties, errors, and thread-count independence.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "grad_check.h"
#include "harness.h"
#include "shape_index.h"
#include "cpu/ref/reduce.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- reductions

Shape kept(const Shape& xs, uint32_t mask) {
  Shape s = xs;
  for (size_t k = 0; k < s.size(); ++k)
    if (mask >> k & 1u) s[k] = 1;
  return s;
}

const char* kReduceNames[] = {"sum", "mean", "max"};

HTEST(reduce_every_mask) {
  const Shape xs = {3, 4, 5};
  for (int op = VIGIL_SUM; op <= VIGIL_MAX; ++op) {
    for (uint32_t mask = 0; mask < 8; ++mask) {
      const auto o = static_cast<vigil_reduce_op>(op);
      DBuf x(xs), y(kept(xs, mask));
      harness::fill_uniform(x.v, 31 + mask, -2, 2);
      HCHECK_OK(vigil_reduce_forward(o, x.d(), mask, y.d()));
      std::vector<double> want;
      vigil::ref::reduce_forward(o, x.p(), xs, mask, want, nullptr);
      const std::string what = std::string(kReduceNames[op]) + " mask " + std::to_string(mask);
      HCHECK_CLOSE(what.c_str(), y.p(), want.data(), y.n(), 1e-14, 1e-14);
      GradCheck gc;
      gc.inputs = {&x};
      gc.out = &y;
      gc.forward = [&] { vigil_reduce_forward(o, x.d(), mask, y.d()); };
      gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
        HCHECK_OK(vigil_reduce_backward(o, x.d(), y.d(), dy, mask, g[0]->d()));
      };
      HGRADCHECK(what, gc);
    }
  }
}

// Rank 4 and odd sizes in f32, sized to take both loop shapes on the pool.
HTEST(reduce_large_f32) {
  const Shape xs = {7, 130, 3, 301};
  for (uint32_t mask : {0b1010u, 0b0101u, 0b1111u, 0b0110u, 0b1000u, 0b0001u}) {
    Buf<float> x(xs);
    harness::fill_uniform(x.v, 40 + mask, -1, 1);
    for (int op = VIGIL_SUM; op <= VIGIL_MAX; ++op) {
      const auto o = static_cast<vigil_reduce_op>(op);
      Buf<float> y(kept(xs, mask)), dy(kept(xs, mask)), dx(xs);
      harness::fill_uniform(dy.v, 50);
      HCHECK_OK(vigil_reduce_forward(o, x.d(), mask, y.d()));
      HCHECK_OK(vigil_reduce_backward(o, x.d(), y.d(), dy.d(), mask, dx.d()));
      std::vector<double> want;
      std::vector<int64_t> arg;
      vigil::ref::reduce_forward(o, x.p(), xs, mask, want, &arg);
      std::vector<float> want32(want.begin(), want.end());
      const std::string what = std::string(kReduceNames[op]) + " f32 mask " + std::to_string(mask);
      HCHECK_CLOSE(what.c_str(), y.p(), want32.data(), y.n(), 1e-5, 1e-5);
      std::vector<float> wdx(x.v.size(), 0.f);
      const Shape ys = kept(xs, mask);
      const float scale = op == VIGIL_MEAN ? 1.f / static_cast<float>(count(xs) / count(ys)) : 1.f;
      for (int64_t i = 0; i < x.n(); ++i) {
        const int64_t j = ravel_broadcast(unravel(i, xs), ys);
        if (op != VIGIL_MAX) wdx[i] = dy.v[j] * scale;
        else if (arg[j] == i) wdx[i] = dy.v[j];
      }
      HCHECK_CLOSE((what + " dx").c_str(), dx.p(), wdx.data(), dx.n(), 1e-6, 0);
    }
  }
}

// Ties: the whole gradient goes to the first maximal element of each group.
HTEST(reduce_max_ties_first) {
  DBuf x({2, 3}), y({2, 1}), dy({2, 1}), dx({2, 3});
  x.v = {1, 5, 5, 7, 2, 7};
  dy.v = {1.5, -2};
  HCHECK_OK(vigil_reduce_forward(VIGIL_MAX, x.d(), 0b10, y.d()));
  HCHECK_OK(vigil_reduce_backward(VIGIL_MAX, x.d(), y.d(), dy.d(), 0b10, dx.d()));
  const double want[] = {0, 1.5, 0, -2, 0, 0};
  HCHECK_CLOSE("max ties", dx.p(), want, 6, 0, 0);
  // down the columns too (the kept-inner-dim loop)
  DBuf x2({3, 2}), y2({1, 2}), dy2({1, 2}), dx2({3, 2});
  x2.v = {4, 1, 9, 3, 9, 3};
  dy2.v = {1, 2};
  HCHECK_OK(vigil_reduce_forward(VIGIL_MAX, x2.d(), 0b01, y2.d()));
  HCHECK_OK(vigil_reduce_backward(VIGIL_MAX, x2.d(), y2.d(), dy2.d(), 0b01, dx2.d()));
  const double want2[] = {0, 0, 1, 2, 0, 0};
  HCHECK_CLOSE("max ties columns", dx2.p(), want2, 6, 0, 0);
}

HTEST(reduce_errors) {
  DBuf x({3, 4}), y_bad({3}), y({1, 4});
  HCHECK(error_names(vigil_reduce_forward(VIGIL_SUM, x.d(), 0b01, y_bad.d()), VIGIL_ERR_SHAPE, "sum"),
         "dropped rank");
  HCHECK(error_names(vigil_reduce_forward(VIGIL_MEAN, x.d(), 0b100, y.d()), VIGIL_ERR_ARG, "mean"),
         "axis beyond rank");
  DBuf dx_bad({4, 3});
  HCHECK(error_names(vigil_reduce_backward(VIGIL_MAX, x.d(), y.d(), y.d(), 0b01, dx_bad.d()),
                     VIGIL_ERR_SHAPE, "max"),
         "dx shape");
  DBuf e({0, 3}), ye({1, 3});
  HCHECK(error_names(vigil_reduce_forward(VIGIL_MAX, e.d(), 0b01, ye.d()), VIGIL_ERR_SHAPE, "max"),
         "max over empty axis");
  HCHECK_OK(vigil_reduce_forward(VIGIL_SUM, e.d(), 0b01, ye.d()));
}

// ---------------------------------------------------------------- threads

// Reductions and broadcast gradients give bit-identical results for any pool size.
HTEST(reduce_and_binary_thread_count_independent) {
  const Shape xs = {40, 37, 50};
  Buf<float> x(xs), b({37, 1});
  harness::fill_uniform(x.v, 110);
  harness::fill_uniform(b.v, 111);
  std::vector<std::vector<float>> runs;
  for (int n : {1, 2, 3}) {
    vigil_set_num_threads(n);
    Buf<float> s({1, 37, 1}), db({37, 1}), m({40, 1, 50});
    HCHECK_OK(vigil_reduce_forward(VIGIL_SUM, x.d(), 0b101, s.d()));
    HCHECK_OK(vigil_reduce_forward(VIGIL_MAX, x.d(), 0b010, m.d()));
    HCHECK_OK(vigil_binary_backward(VIGIL_MUL, x.d(), b.d(), x.d(), nullptr, db.d()));
    std::vector<float> all(s.v);
    all.insert(all.end(), db.v.begin(), db.v.end());
    all.insert(all.end(), m.v.begin(), m.v.end());
    runs.push_back(all);
  }
  vigil_set_num_threads(0);
  HCHECK(runs[0] == runs[1] && runs[0] == runs[2], "results depend on the thread count");
}

}  // namespace
