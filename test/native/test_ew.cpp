// Element-wise, reduction, softmax and shape ops: forward against plain index-by-index
// references (f32 on sizes that take the parallel and tiled paths, f64 on small ones), f64
// central-difference gradient checks of every backward (gradients prefilled to prove they
// accumulate), a check that the gradient check fails on a wrong backward, and shape errors.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "harness.h"

using harness::Buf;

namespace {

using Shape = std::vector<int64_t>;
using DBuf = Buf<double>;

Shape shape_of(const vigil_tensor* t) { return Shape(t->shape, t->shape + t->ndim); }

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Multi-index of linear index i in shape s (row-major).
std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (int k = static_cast<int>(s.size()) - 1; k >= 0; --k) {
    idx[k] = i % s[k];
    i /= s[k];
  }
  return idx;
}

// Linear index in shape s of the multi-index idx of a right-aligned broadcast shape
// (dims of size 1 in s read index 0).
int64_t ravel_broadcast(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t off = 0;
  const size_t shift = idx.size() - s.size();
  for (size_t k = 0; k < s.size(); ++k) off = off * s[k] + (s[k] == 1 ? 0 : idx[k + shift]);
  return off;
}

Shape broadcast(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape y(r);
  for (size_t k = 0; k < r; ++k) {
    const int64_t da = k + a.size() < r ? 1 : a[k + a.size() - r];
    const int64_t db = k + b.size() < r ? 1 : b[k + b.size() - r];
    y[k] = da == 1 ? db : da;
  }
  return y;
}

// ---------------------------------------------------------------- gradient checking
// L = sum(dy * out) with fixed random dy. The analytic gradient is what backward adds to
// buffers prefilled with 0.25; the numeric one is the central difference of L. Returns the worst
// excess of |analytic - numeric| over atol + rtol |numeric| (> 0 = fails), described in *what.
struct GradCheck {
  std::vector<DBuf*> inputs;            // perturbed
  std::vector<bool> wanted;             // which inputs get a gradient buffer
  DBuf* out;
  std::function<void()> forward;        // inputs -> out
  std::function<void(const vigil_tensor* dy, std::vector<DBuf*>& grads)> backward;
  double rtol = 1e-6, atol = 1e-8, h = 1e-6;

  double run(std::string* what) {
    forward();
    DBuf dy(shape_of(out->d()));
    harness::fill_uniform(dy.v, 99, -1, 1);
    std::vector<DBuf> owned;
    owned.reserve(inputs.size());
    std::vector<DBuf*> grads;
    for (size_t k = 0; k < inputs.size(); ++k) {
      owned.emplace_back(shape_of(inputs[k]->d()), 0.25);
      grads.push_back(k < wanted.size() && !wanted[k] ? nullptr : &owned.back());
    }
    backward(dy.d(), grads);
    auto loss = [&] {
      forward();
      double s = 0;
      for (int64_t i = 0; i < out->n(); ++i) s += dy.v[i] * out->v[i];
      return s;
    };
    double worst = -INFINITY;
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!grads[k]) continue;
      std::vector<double> analytic(grads[k]->v);
      for (double& a : analytic) a -= 0.25;  // the buffers started at 0.25: backward must add
      std::string where;
      const double excess = harness::grad_excess(
          analytic, harness::numeric_grad(inputs[k]->v, loss, h), rtol, atol, &where);
      if (excess > worst) {
        worst = excess;
        if (what) *what = "input " + std::to_string(k) + " " + where;
      }
    }
    forward();
    return worst;
  }
};

#define HGRADCHECK(name, gc)                                                   \
  do {                                                                         \
    std::string _what;                                                         \
    const double _e = (gc).run(&_what);                                        \
    HCHECK(_e <= 0, std::string(name) + ": gradient mismatch at " + _what);    \
  } while (0)

bool error_names(vigil_status s, vigil_status want, const char* op) {
  return s == want && std::strstr(vigil_last_error(), op) != nullptr;
}

// ---------------------------------------------------------------- binary ops

const char* kBinaryNames[] = {"add", "sub", "mul", "div", "pow"};

double binary_ref(vigil_binary_op op, double a, double b) {
  switch (op) {
    case VIGIL_ADD: return a + b;
    case VIGIL_SUB: return a - b;
    case VIGIL_MUL: return a * b;
    case VIGIL_DIV: return a / b;
    case VIGIL_POW: return std::pow(a, b);
  }
  return NAN;
}

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

HTEST(ew_binary_forward_matches_reference) {
  for (int op = VIGIL_ADD; op <= VIGIL_POW; ++op) {
    for (const auto& [as, bs] : kPatterns) {
      const Shape ys = broadcast(as, bs);
      DBuf a(as), b(bs), y(ys);
      fill_operands(a, b, 3);
      HCHECK_OK(vigil_binary_forward(static_cast<vigil_binary_op>(op), a.d(), b.d(), y.d()));
      std::vector<double> want(y.v.size());
      for (int64_t i = 0; i < y.n(); ++i) {
        const auto idx = unravel(i, ys);
        want[i] = binary_ref(static_cast<vigil_binary_op>(op), a.v[ravel_broadcast(idx, as)],
                             b.v[ravel_broadcast(idx, bs)]);
      }
      HCHECK_CLOSE(kBinaryNames[op], y.p(), want.data(), y.n(), 1e-15, 0);
    }
  }
}

// Large f32 shapes: the parallel, piece-split and broadcast-reduce paths against double loops.
HTEST(ew_binary_large_f32) {
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

HTEST(ew_binary_gradcheck) {
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

HTEST(ew_binary_null_grads_skipped) {
  DBuf a({3, 1}), b({1, 4}), dy({3, 4}, 1.0), db({1, 4}, 2.0);
  fill_operands(a, b, 2);
  HCHECK_OK(vigil_binary_backward(VIGIL_MUL, a.d(), b.d(), dy.d(), nullptr, db.d()));
  for (int j = 0; j < 4; ++j) HCHECK(std::fabs(db.v[j] - (2.0 + a.v[0] + a.v[1] + a.v[2])) < 1e-12, "db");
}

// pow's gradient at a = 0 with b >= 0, and at b = 0, is 0 rather than NaN (as PyTorch).
HTEST(ew_pow_edges) {
  DBuf a({3}), b({3}), dy({3}, 1.0), da({3}), db({3});
  a.v = {0.0, 0.0, 2.0};
  b.v = {2.0, 0.0, 0.0};
  HCHECK_OK(vigil_binary_backward(VIGIL_POW, a.d(), b.d(), dy.d(), da.d(), db.d()));
  const double want_da[] = {0, 0, 0}, want_db[] = {0, 0, std::log(2.0)};
  HCHECK_CLOSE("pow da", da.p(), want_da, 3, 0, 1e-15);
  HCHECK_CLOSE("pow db", db.p(), want_db, 3, 1e-15, 0);
}

// The check must catch a wrong backward: mul's forward against add's backward.
HTEST(ew_gradcheck_catches_wrong_backward) {
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

HTEST(ew_binary_shape_errors) {
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

// ---------------------------------------------------------------- unary ops

struct UnaryCase {
  vigil_unary_op op;
  const char* name;
  double p0, p1;
  double lo, hi;  // input range (positive where the op needs it)
};
const UnaryCase kUnary[] = {
    {VIGIL_NEG, "neg", 0, 0, -2, 2},           {VIGIL_EXP, "exp", 0, 0, -2, 2},
    {VIGIL_LOG, "log", 0, 0, 0.2, 3},          {VIGIL_SQRT, "sqrt", 0, 0, 0.2, 3},
    {VIGIL_TANH, "tanh", 0, 0, -2, 2},         {VIGIL_SIGMOID, "sigmoid", 0, 0, -4, 4},
    {VIGIL_RELU, "relu", 0, 0, -2, 2},         {VIGIL_LEAKY_RELU, "leaky_relu", 0.2, 0, -2, 2},
    {VIGIL_ELU, "elu", 1.0, 0, -2, 2},         {VIGIL_SELU, "selu", 0, 0, -2, 2},
    {VIGIL_SOFTPLUS, "softplus", 0, 0, -4, 4}, {VIGIL_AFFINE, "affine", -1.5, 0.25, -2, 2},
    {VIGIL_POWS, "pows", 2.5, 0, 0.2, 2},      {VIGIL_ABS, "abs", 0, 0, -2, 2},
    {VIGIL_SQUARE, "square", 0, 0, -2, 2},
};

double unary_ref(const UnaryCase& c, double x) {
  const double s = 1.0507009873554805, al = 1.6732632423543772;
  switch (c.op) {
    case VIGIL_NEG: return -x;
    case VIGIL_EXP: return std::exp(x);
    case VIGIL_LOG: return std::log(x);
    case VIGIL_SQRT: return std::sqrt(x);
    case VIGIL_TANH: return std::tanh(x);
    case VIGIL_SIGMOID: return 1 / (1 + std::exp(-x));
    case VIGIL_RELU: return x > 0 ? x : 0;
    case VIGIL_LEAKY_RELU: return x > 0 ? x : c.p0 * x;
    case VIGIL_ELU: return x > 0 ? x : c.p0 * (std::exp(x) - 1);
    case VIGIL_SELU: return s * (x > 0 ? x : al * (std::exp(x) - 1));
    case VIGIL_SOFTPLUS: return std::log(1 + std::exp(x));
    case VIGIL_AFFINE: return c.p0 * x + c.p1;
    case VIGIL_POWS: return std::pow(x, c.p0);
    case VIGIL_ABS: return std::fabs(x);
    case VIGIL_SQUARE: return x * x;
  }
  return NAN;
}

// inputs in [lo, hi], kept 0.05 away from 0 so kinks (relu, abs, ...) are not straddled by h
void fill_unary_input(DBuf& x, const UnaryCase& c, uint64_t seed) {
  harness::fill_uniform(x.v, seed, c.lo, c.hi);
  for (double& v : x.v)
    if (std::fabs(v) < 0.05) v = v < 0 ? -0.05 - v : 0.05 + v;
}

HTEST(ew_unary_forward_and_gradcheck) {
  for (const UnaryCase& c : kUnary) {
    DBuf x({3, 7}), y({3, 7});
    fill_unary_input(x, c, 21);
    HCHECK_OK(vigil_unary_forward(c.op, x.d(), y.d(), c.p0, c.p1));
    std::vector<double> want(x.v.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = unary_ref(c, x.v[i]);
    HCHECK_CLOSE(c.name, y.p(), want.data(), y.n(), 1e-14, 1e-15);
    GradCheck gc;
    gc.inputs = {&x};
    gc.out = &y;
    gc.forward = [&] { vigil_unary_forward(c.op, x.d(), y.d(), c.p0, c.p1); };
    gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
      HCHECK_OK(vigil_unary_backward(c.op, x.d(), y.d(), dy, g[0]->d(), c.p0, c.p1));
    };
    HGRADCHECK(c.name, gc);
  }
}

// f32 on a size that takes the pool: forward against the f64 formula.
HTEST(ew_unary_large_f32) {
  for (const UnaryCase& c : kUnary) {
    Buf<float> x({50001}), y({50001});
    harness::fill_uniform(x.v, 8, c.lo, c.hi);
    HCHECK_OK(vigil_unary_forward(c.op, x.d(), y.d(), c.p0, c.p1));
    std::vector<float> want(x.v.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<float>(unary_ref(c, x.v[i]));
    HCHECK_CLOSE(c.name, y.p(), want.data(), y.n(), 2e-6, 1e-7);
  }
}

// sigmoid and softplus never overflow; their gradients stay finite far out.
HTEST(ew_unary_stable_far_out) {
  Buf<float> x({4}), y({4}), dy({4}, 1.f), dx({4});
  x.v = {-1000.f, -90.f, 90.f, 1000.f};
  HCHECK_OK(vigil_unary_forward(VIGIL_SIGMOID, x.d(), y.d(), 0, 0));
  const float sig[] = {0.f, 0.f, 1.f, 1.f};
  HCHECK_CLOSE("sigmoid far", y.p(), sig, 4, 0, 1e-30);
  HCHECK_OK(vigil_unary_forward(VIGIL_SOFTPLUS, x.d(), y.d(), 0, 0));
  const float sp[] = {0.f, 0.f, 90.f, 1000.f};
  HCHECK_CLOSE("softplus far", y.p(), sp, 4, 1e-7, 1e-30);
  HCHECK_OK(vigil_unary_backward(VIGIL_SOFTPLUS, x.d(), y.d(), dy.d(), dx.d(), 0, 0));
  HCHECK_CLOSE("softplus grad far", dx.p(), sig, 4, 0, 1e-30);
}

HTEST(ew_unary_shape_errors) {
  DBuf x({2, 3}), y({3, 2}), dy({2, 3}), dx({6});
  HCHECK(error_names(vigil_unary_forward(VIGIL_TANH, x.d(), y.d(), 0, 0), VIGIL_ERR_SHAPE, "tanh"),
         "y shape");
  HCHECK(error_names(vigil_unary_backward(VIGIL_ELU, x.d(), x.d(), dy.d(), dx.d(), 1, 0),
                     VIGIL_ERR_SHAPE, "elu"),
         "dx shape");
}

// ---------------------------------------------------------------- reductions

Shape kept(const Shape& xs, uint32_t mask) {
  Shape s = xs;
  for (size_t k = 0; k < s.size(); ++k)
    if (mask >> k & 1u) s[k] = 1;
  return s;
}

// Reference: sum / mean / max of every group, and the first maximal element's index.
template <typename T>
void reduce_ref(vigil_reduce_op op, const std::vector<T>& x, const Shape& xs, uint32_t mask,
                std::vector<double>& y, std::vector<int64_t>& arg) {
  const Shape ys = kept(xs, mask);
  y.assign(count(ys), op == VIGIL_MAX ? -INFINITY : 0.0);
  arg.assign(count(ys), -1);
  for (int64_t i = 0; i < count(xs); ++i) {
    const int64_t j = ravel_broadcast(unravel(i, xs), ys);
    if (op == VIGIL_MAX) {
      if (arg[j] < 0 || x[i] > y[j]) {
        y[j] = x[i];
        arg[j] = i;
      }
    } else {
      y[j] += x[i];
    }
  }
  if (op == VIGIL_MEAN)
    for (double& v : y) v /= static_cast<double>(count(xs) / count(ys));
}

const char* kReduceNames[] = {"sum", "mean", "max"};

HTEST(ew_reduce_every_mask) {
  const Shape xs = {3, 4, 5};
  for (int op = VIGIL_SUM; op <= VIGIL_MAX; ++op) {
    for (uint32_t mask = 0; mask < 8; ++mask) {
      const auto o = static_cast<vigil_reduce_op>(op);
      DBuf x(xs), y(kept(xs, mask));
      harness::fill_uniform(x.v, 31 + mask, -2, 2);
      HCHECK_OK(vigil_reduce_forward(o, x.d(), mask, y.d()));
      std::vector<double> want;
      std::vector<int64_t> arg;
      reduce_ref(o, x.v, xs, mask, want, arg);
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
HTEST(ew_reduce_large_f32) {
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
      reduce_ref(o, x.v, xs, mask, want, arg);
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
HTEST(ew_reduce_max_ties_first) {
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

HTEST(ew_reduce_errors) {
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

// ---------------------------------------------------------------- softmax

HTEST(ew_softmax_forward_and_gradcheck) {
  const Shape xs = {3, 4, 5};
  for (int log = 0; log <= 1; ++log) {
    for (int axis : {0, 1, 2, -1, -3}) {
      DBuf x(xs), y(xs);
      harness::fill_uniform(x.v, 60 + axis, -3, 3);
      HCHECK_OK(vigil_softmax_forward(x.d(), axis, log, y.d()));
      const int ax = axis < 0 ? axis + 3 : axis;
      std::vector<double> want(x.v.size());
      for (int64_t i = 0; i < x.n(); ++i) {
        auto idx = unravel(i, xs);
        double s = 0;
        for (int64_t k = 0; k < xs[ax]; ++k) {
          auto jdx = idx;
          jdx[ax] = k;
          s += std::exp(x.v[ravel_broadcast(jdx, xs)]);
        }
        want[i] = log ? x.v[i] - std::log(s) : std::exp(x.v[i]) / s;
      }
      const std::string what = std::string(log ? "log_softmax" : "softmax") + " axis " + std::to_string(axis);
      HCHECK_CLOSE(what.c_str(), y.p(), want.data(), y.n(), 1e-13, 1e-15);
      GradCheck gc;
      gc.inputs = {&x};
      gc.out = &y;
      gc.forward = [&] { vigil_softmax_forward(x.d(), axis, log, y.d()); };
      gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
        HCHECK_OK(vigil_softmax_backward(y.d(), dy, axis, log, g[0]->d()));
      };
      HGRADCHECK(what, gc);
    }
  }
}

// Large logits: no overflow; rows sum to 1 over a strided axis wider than a column block.
HTEST(ew_softmax_stable_f32) {
  Buf<float> x({2, 3, 130}), y({2, 3, 130}), ly({2, 3, 130});
  harness::fill_uniform(x.v, 70, 900, 1000);
  HCHECK_OK(vigil_softmax_forward(x.d(), 1, 0, y.d()));
  HCHECK_OK(vigil_softmax_forward(x.d(), 1, 1, ly.d()));
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 130; ++c) {
      double s = 0;
      for (int k = 0; k < 3; ++k) {
        const float v = y.v[(b * 3 + k) * 130 + c];
        s += v;
        HCHECK(std::fabs(std::exp(ly.v[(b * 3 + k) * 130 + c]) - v) < 1e-5, "exp(log_softmax) != softmax");
      }
      HCHECK(std::fabs(s - 1) < 1e-5, "softmax column does not sum to 1");
    }
}

HTEST(ew_softmax_errors) {
  DBuf x({2, 3}), y({3, 2});
  HCHECK(error_names(vigil_softmax_forward(x.d(), 1, 0, y.d()), VIGIL_ERR_SHAPE, "softmax"), "y shape");
  HCHECK(error_names(vigil_softmax_forward(x.d(), 2, 1, x.d()), VIGIL_ERR_ARG, "log_softmax"), "axis");
}

// ---------------------------------------------------------------- permute

// y[j] = x[i] with j_k = i_{perm[k]}
template <typename T>
std::vector<T> permute_ref(const std::vector<T>& x, const Shape& xs, const std::vector<int32_t>& perm) {
  Shape ys(xs.size());
  for (size_t k = 0; k < xs.size(); ++k) ys[k] = xs[perm[k]];
  std::vector<T> y(x.size());
  for (int64_t i = 0; i < count(xs); ++i) {
    const auto idx = unravel(i, xs);
    std::vector<int64_t> jdx(xs.size());
    for (size_t k = 0; k < xs.size(); ++k) jdx[k] = idx[perm[k]];
    y[ravel_broadcast(jdx, ys)] = x[i];
  }
  return y;
}

Shape permuted(const Shape& xs, const std::vector<int32_t>& perm) {
  Shape ys(xs.size());
  for (size_t k = 0; k < xs.size(); ++k) ys[k] = xs[perm[k]];
  return ys;
}

HTEST(ew_permute_all_rank3_and_gradcheck) {
  const Shape xs = {2, 3, 4};
  std::vector<int32_t> perm = {0, 1, 2};
  do {
    DBuf x(xs), y(permuted(xs, perm));
    harness::fill_uniform(x.v, 80);
    HCHECK_OK(vigil_permute_forward(x.d(), perm.data(), y.d()));
    const auto want = permute_ref(x.v, xs, perm);
    const std::string what = "permute " + std::to_string(perm[0]) + std::to_string(perm[1]) + std::to_string(perm[2]);
    HCHECK_CLOSE(what.c_str(), y.p(), want.data(), y.n(), 0, 0);
    GradCheck gc;
    gc.inputs = {&x};
    gc.out = &y;
    gc.forward = [&] { vigil_permute_forward(x.d(), perm.data(), y.d()); };
    gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
      HCHECK_OK(vigil_permute_backward(dy, perm.data(), g[0]->d()));
    };
    HGRADCHECK(what, gc);
  } while (std::next_permutation(perm.begin(), perm.end()));
}

// Sizes that take the tiled transpose (odd tiles) and rank 5 with size-1 dims.
HTEST(ew_permute_large_f32) {
  const std::vector<std::pair<Shape, std::vector<int32_t>>> cases = {
      {{3, 67, 45}, {0, 2, 1}}, {{130, 70}, {1, 0}}, {{5, 1, 33, 7, 40}, {3, 4, 1, 0, 2}},
      {{4, 50, 6, 60}, {0, 3, 2, 1}}, {{256, 256}, {1, 0}}};
  for (const auto& [xs, perm] : cases) {
    Buf<float> x(xs), y(permuted(xs, perm)), dx(xs, 1.f);
    harness::fill_uniform(x.v, 81);
    HCHECK_OK(vigil_permute_forward(x.d(), perm.data(), y.d()));
    const auto want = permute_ref(x.v, xs, perm);
    HCHECK_CLOSE("permute f32", y.p(), want.data(), y.n(), 0, 0);
    HCHECK_OK(vigil_permute_backward(y.d(), perm.data(), dx.d()));  // dx = 1 + x
    std::vector<float> wdx(x.v);
    for (float& v : wdx) v += 1.f;
    HCHECK_CLOSE("permute backward f32", dx.p(), wdx.data(), dx.n(), 0, 0);
  }
}

HTEST(ew_permute_errors) {
  DBuf x({2, 3}), y({2, 3});
  const int32_t perm[] = {1, 0}, bad[] = {0, 0};
  HCHECK(error_names(vigil_permute_forward(x.d(), perm, y.d()), VIGIL_ERR_SHAPE, "permute"), "y shape");
  HCHECK(error_names(vigil_permute_forward(x.d(), bad, y.d()), VIGIL_ERR_ARG, "permute"), "not a permutation");
  HCHECK(error_names(vigil_permute_backward(x.d(), perm, y.d()), VIGIL_ERR_SHAPE, "permute"), "dx shape");
}

// ---------------------------------------------------------------- axis_copy

// concat of a [2,3,4] and b [2,5,4] along 1, then slicing both back out (forward and backward
// of concat and slice), with accumulation.
HTEST(ew_axis_copy_concat_and_slice) {
  DBuf a({2, 3, 4}), b({2, 5, 4}), y({2, 8, 4});
  harness::fill_uniform(a.v, 90);
  harness::fill_uniform(b.v, 91);
  HCHECK_OK(vigil_axis_copy(a.d(), 0, y.d(), 0, 1, 3, 0));
  HCHECK_OK(vigil_axis_copy(b.d(), 0, y.d(), 3, -2, 5, 0));
  std::vector<double> want(y.v.size());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 8; ++j)
      for (int k = 0; k < 4; ++k)
        want[(i * 8 + j) * 4 + k] = j < 3 ? a.v[(i * 3 + j) * 4 + k] : b.v[(i * 5 + j - 3) * 4 + k];
  HCHECK_CLOSE("concat", y.p(), want.data(), y.n(), 0, 0);
  // slice y[:, 2:6] (overwrite), then its backward adds into a gradient of y's shape
  DBuf s({2, 4, 4}, 7.0), gy({2, 8, 4}, 1.0);
  HCHECK_OK(vigil_axis_copy(y.d(), 2, s.d(), 0, 1, 4, 0));
  HCHECK_OK(vigil_axis_copy(s.d(), 0, gy.d(), 2, 1, 4, 1));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 8; ++j)
      for (int k = 0; k < 4; ++k) {
        const double v = want[(i * 8 + j) * 4 + k];
        if (j >= 2 && j < 6) {
          HCHECK(s.v[(i * 4 + j - 2) * 4 + k] == v, "slice value");
          HCHECK(gy.v[(i * 8 + j) * 4 + k] == 1.0 + v, "slice backward accumulates");
        } else {
          HCHECK(gy.v[(i * 8 + j) * 4 + k] == 1.0, "slice backward leaves the rest");
        }
      }
  // along the last axis and the first (outer = 1)
  DBuf c({3, 5}), d({3, 2}), e({6, 5});
  harness::fill_uniform(c.v, 92);
  HCHECK_OK(vigil_axis_copy(c.d(), 3, d.d(), 0, 1, 2, 0));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) HCHECK(d.v[i * 2 + j] == c.v[i * 5 + 3 + j], "last-axis slice");
  HCHECK_OK(vigil_axis_copy(c.d(), 0, e.d(), 3, 0, 3, 0));
  HCHECK_CLOSE("first-axis copy", e.p() + 15, c.p(), 15, 0, 0);
}

// Long runs (the engine accumulates whole gradients as one flat axis_copy) are split over the pool.
HTEST(ew_axis_copy_large_f32) {
  Buf<float> src({3, 50000}), dst({3, 70000}, 1.f), flat({200000}), acc({200000}, 2.f);
  harness::fill_uniform(src.v, 93);
  harness::fill_uniform(flat.v, 94);
  HCHECK_OK(vigil_axis_copy(src.d(), 5000, dst.d(), 20000, 1, 40000, 1));
  std::vector<float> want(dst.v.size(), 1.f);
  for (int o = 0; o < 3; ++o)
    for (int j = 0; j < 40000; ++j) want[o * 70000 + 20000 + j] += src.v[o * 50000 + 5000 + j];
  HCHECK_CLOSE("axis_copy rows", dst.p(), want.data(), dst.n(), 0, 0);
  HCHECK_OK(vigil_axis_copy(flat.d(), 0, acc.d(), 0, 0, 200000, 1));
  std::vector<float> wflat(flat.v);
  for (float& v : wflat) v += 2.f;
  HCHECK_CLOSE("axis_copy flat", acc.p(), wflat.data(), acc.n(), 0, 0);
}

HTEST(ew_axis_copy_errors) {
  DBuf a({2, 3}), b({3, 3}), c({2, 5});
  HCHECK(error_names(vigil_axis_copy(a.d(), 0, b.d(), 0, 1, 3, 0), VIGIL_ERR_SHAPE, "axis_copy"),
         "other dims differ");
  HCHECK(error_names(vigil_axis_copy(a.d(), 1, c.d(), 0, 1, 3, 0), VIGIL_ERR_SHAPE, "axis_copy"),
         "src range");
  HCHECK(error_names(vigil_axis_copy(a.d(), 0, c.d(), 3, 1, 3, 0), VIGIL_ERR_SHAPE, "axis_copy"),
         "dst range");
}

// ---------------------------------------------------------------- repeat

HTEST(ew_repeat_forward_and_gradcheck) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{2, 3}, {2, 1}}, {{2, 1, 3}, {1, 4, 2}}, {{3}, {5}}, {{2, 3}, {1, 1}}, {{1, 2, 2}, {3, 2, 1}}};
  for (const auto& [xs, reps] : cases) {
    Shape ys(xs.size());
    for (size_t k = 0; k < xs.size(); ++k) ys[k] = xs[k] * reps[k];
    DBuf x(xs), y(ys);
    harness::fill_uniform(x.v, 100);
    HCHECK_OK(vigil_repeat_forward(x.d(), reps.data(), y.d()));
    std::vector<double> want(y.v.size());
    for (int64_t i = 0; i < y.n(); ++i) {
      auto idx = unravel(i, ys);
      for (size_t k = 0; k < xs.size(); ++k) idx[k] %= xs[k];
      want[i] = x.v[ravel_broadcast(idx, xs)];
    }
    HCHECK_CLOSE("repeat", y.p(), want.data(), y.n(), 0, 0);
    GradCheck gc;
    gc.inputs = {&x};
    gc.out = &y;
    gc.forward = [&] { vigil_repeat_forward(x.d(), reps.data(), y.d()); };
    gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
      HCHECK_OK(vigil_repeat_backward(dy, reps.data(), g[0]->d()));
    };
    HGRADCHECK("repeat", gc);
  }
}

HTEST(ew_repeat_errors) {
  DBuf x({2, 3}), y({4, 4});
  const int64_t reps[] = {2, 1}, neg[] = {-1, 1};
  HCHECK(error_names(vigil_repeat_forward(x.d(), reps, y.d()), VIGIL_ERR_SHAPE, "repeat"), "y shape");
  HCHECK(error_names(vigil_repeat_forward(x.d(), neg, y.d()), VIGIL_ERR_ARG, "repeat"), "negative");
  HCHECK(error_names(vigil_repeat_backward(y.d(), reps, x.d()), VIGIL_ERR_SHAPE, "repeat"), "dy shape");
}

// ---------------------------------------------------------------- threads

// Reductions and broadcast gradients give bit-identical results for any pool size.
HTEST(ew_thread_count_independent) {
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
