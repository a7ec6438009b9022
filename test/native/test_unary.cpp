// unary ops: forward against the scalar formulas of ops.h, f64 gradient checks, f32 on large
// sizes, stability far out, and shape errors.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "grad_check.h"
#include "cpu/ref/unary.h"
#include "harness.h"
#include "shape_index.h"

using harness::Buf;

namespace {

using namespace harness;

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

double unary_ref(const UnaryCase& c, double x) { return vigil::ref::unary(c.op, x, c.p0, c.p1); }

// inputs in [lo, hi], kept 0.05 away from 0 so kinks (relu, abs, ...) are not straddled by h
void fill_unary_input(DBuf& x, const UnaryCase& c, uint64_t seed) {
  harness::fill_uniform(x.v, seed, c.lo, c.hi);
  for (double& v : x.v)
    if (std::fabs(v) < 0.05) v = v < 0 ? -0.05 - v : 0.05 + v;
}

HTEST(unary_forward_and_gradcheck) {
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
HTEST(unary_large_f32) {
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
HTEST(unary_stable_far_out) {
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

HTEST(unary_shape_errors) {
  DBuf x({2, 3}), y({3, 2}), dy({2, 3}), dx({6});
  HCHECK(error_names(vigil_unary_forward(VIGIL_TANH, x.d(), y.d(), 0, 0), VIGIL_ERR_SHAPE, "tanh"),
         "y shape");
  HCHECK(error_names(vigil_unary_backward(VIGIL_ELU, x.d(), x.d(), dy.d(), dx.d(), 1, 0),
                     VIGIL_ERR_SHAPE, "elu"),
         "dx shape");
}

}  // namespace
