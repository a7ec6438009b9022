// binary ops (add, sub, mul, div, pow): forward against an index-by-index broadcast reference
// (f32 on sizes that take the parallel paths, f64 on small ones), f64 central-difference
// gradient checks (gradients prefilled to prove they accumulate), a check that the gradient
// check fails on a wrong backward, pow edge cases and shape errors.
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "grad_check.h"
#include "cpu/ref/binary.h"
#include "harness.h"
#include "shape_index.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- binary ops

const char* kBinaryNames[] = {"add", "sub", "mul", "div", "pow"};

// Broadcast patterns (a, b): equal, middle/trailing stretch, scalars, trailing vector, both ways.
const std::vector<std::pair<Shape, Shape>> kPatterns = {
    {{3, 4}, {3, 4}},       {{3, 1, 5}, {4, 1}}, {{2, 3}, {}},        {{}, {2, 3}},
    {{2, 3, 4}, {4}},       {{2, 1, 4}, {1, 3, 1}}, {{5}, {1}},       {{1, 4}, {3, 1}},
};

// a in [0.5, 1.5] so that pow and div stay smooth; b in [-1.5, 1.5] away from 0 for div
void fill_operands(DBuf& a, DBuf& b, uint64_t seed) {
  harness::fill_uniform(a.v, seed, 0.5, 1.5);
  harness::fill_uniform(b.v, seed + 1, 0.5, 1.5);
  for (size_t i = 0; i < b.v.size(); i += 2) b.v[i] = -b.v[i];
}

HTEST(binary_forward_matches_reference) {
  for (int op = VIGIL_ADD; op <= VIGIL_POW; ++op) {
    for (const auto& [as, bs] : kPatterns) {
      const Shape ys = broadcast(as, bs);
      DBuf a(as), b(bs), y(ys);
      fill_operands(a, b, 3);
      HCHECK_OK(vigil_binary_forward(static_cast<vigil_binary_op>(op), a.d(), b.d(), y.d()));
      std::vector<double> want(y.v.size());
      vigil::ref::binary_forward(static_cast<vigil_binary_op>(op), a.p(), as, b.p(), bs, ys,
                                 want.data());
      HCHECK_CLOSE(kBinaryNames[op], y.p(), want.data(), y.n(), 1e-15, 0);
    }
  }
}

// Large f32 shapes: the parallel, piece-split and broadcast-reduce paths against double loops.
HTEST(binary_large_f32) {
  const std::vector<std::pair<Shape, Shape>> big = {
      {{200, 300}, {200, 300}}, {{64, 33, 70}, {33, 1}}, {{70000}, {}}, {{9, 8, 1000}, {1000}}};
  for (const auto& [as, bs] : big) {
    const Shape ys = broadcast(as, bs);
    Buf<float> a(as), b(bs), y(ys), dy(ys), da(as), db(bs);
    harness::fill_uniform(a.v, 5, 0.5, 1.5);
    harness::fill_uniform(b.v, 6, 0.5, 1.5);
    harness::fill_uniform(dy.v, 7);
    HCHECK_OK(vigil_binary_forward(VIGIL_MUL, a.d(), b.d(), y.d()));
    HCHECK_OK(vigil_binary_backward(VIGIL_MUL, a.d(), b.d(), dy.d(), da.d(), db.d()));
    std::vector<float> want(y.v.size());
    std::vector<double> wa(a.v.size()), wb(b.v.size());
    for (int64_t i = 0; i < y.n(); ++i) {
      const auto idx = unravel(i, ys);
      const int64_t ia = ravel_broadcast(idx, as), ib = ravel_broadcast(idx, bs);
      want[i] = a.v[ia] * b.v[ib];
      wa[ia] += static_cast<double>(dy.v[i]) * b.v[ib];
      wb[ib] += static_cast<double>(dy.v[i]) * a.v[ia];
    }
    HCHECK_CLOSE("mul forward f32", y.p(), want.data(), y.n(), 0, 0);
    std::vector<float> wa32(wa.begin(), wa.end()), wb32(wb.begin(), wb.end());
    HCHECK_CLOSE("mul da f32", da.p(), wa32.data(), da.n(), 1e-5, 1e-5);
    HCHECK_CLOSE("mul db f32", db.p(), wb32.data(), db.n(), 1e-5, 1e-3);
  }
}

HTEST(binary_gradcheck) {
  for (int op = VIGIL_ADD; op <= VIGIL_POW; ++op) {
    for (const auto& [as, bs] : kPatterns) {
      const Shape ys = broadcast(as, bs);
      DBuf a(as), b(bs), y(ys);
      fill_operands(a, b, 11);
      const auto o = static_cast<vigil_binary_op>(op);
      GradCheck gc;
      gc.inputs = {&a, &b};
      gc.out = &y;
      gc.forward = [&] { vigil_binary_forward(o, a.d(), b.d(), y.d()); };
      gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
        HCHECK_OK(vigil_binary_backward(o, a.d(), b.d(), dy, g[0]->d(), g[1]->d()));
      };
      HGRADCHECK(kBinaryNames[op], gc);
    }
  }
}

HTEST(binary_null_grads_skipped) {
  DBuf a({3, 1}), b({1, 4}), dy({3, 4}, 1.0), db({1, 4}, 2.0);
  fill_operands(a, b, 2);
  HCHECK_OK(vigil_binary_backward(VIGIL_MUL, a.d(), b.d(), dy.d(), nullptr, db.d()));
  for (int j = 0; j < 4; ++j) HCHECK(std::fabs(db.v[j] - (2.0 + a.v[0] + a.v[1] + a.v[2])) < 1e-12, "db");
}

// pow's gradient at a = 0 with b >= 0, and at b = 0, is 0 rather than NaN (as PyTorch).
HTEST(binary_pow_edges) {
  DBuf a({3}), b({3}), dy({3}, 1.0), da({3}), db({3});
  a.v = {0.0, 0.0, 2.0};
  b.v = {2.0, 0.0, 0.0};
  HCHECK_OK(vigil_binary_backward(VIGIL_POW, a.d(), b.d(), dy.d(), da.d(), db.d()));
  const double want_da[] = {0, 0, 0}, want_db[] = {0, 0, std::log(2.0)};
  HCHECK_CLOSE("pow da", da.p(), want_da, 3, 0, 1e-15);
  HCHECK_CLOSE("pow db", db.p(), want_db, 3, 1e-15, 0);
}

// The check must catch a wrong backward: mul's forward against add's backward.
HTEST(binary_gradcheck_catches_wrong_backward) {
  DBuf a({2, 3}), b({3}), y({2, 3});
  fill_operands(a, b, 4);
  GradCheck gc;
  gc.inputs = {&a, &b};
  gc.out = &y;
  gc.forward = [&] { vigil_binary_forward(VIGIL_MUL, a.d(), b.d(), y.d()); };
  gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
    vigil_binary_backward(VIGIL_ADD, a.d(), b.d(), dy, g[0]->d(), g[1]->d());
  };
  HCHECK(gc.run(nullptr) > 0.1, "a wrong backward passed the gradient check");
}

HTEST(binary_shape_errors) {
  DBuf a({3, 4}), b({5}), y({3, 4}), b4({4}), y_bad({4, 3}), da_bad({4});
  HCHECK(error_names(vigil_binary_forward(VIGIL_ADD, a.d(), b.d(), y.d()), VIGIL_ERR_SHAPE, "add"),
         "non-broadcasting shapes");
  HCHECK(error_names(vigil_binary_forward(VIGIL_MUL, a.d(), b4.d(), y_bad.d()), VIGIL_ERR_SHAPE, "mul"),
         "wrong y shape");
  HCHECK(error_names(vigil_binary_backward(VIGIL_DIV, a.d(), b4.d(), y.d(), da_bad.d(), nullptr),
                     VIGIL_ERR_SHAPE, "div"),
         "wrong da shape");
  Buf<float> f({4});
  HCHECK(error_names(vigil_binary_forward(VIGIL_SUB, a.d(), f.d(), y.d()), VIGIL_ERR_DTYPE, "sub"),
         "mixed dtypes");
}

}  // namespace
