// The checks test_conv2d.cpp and test_conv_transpose2d.cpp share: one call's shapes (ConvCall),
// and, for an op given as a policy Op (its C entry points and its cpu/ref/ loops), the fast
// kernel against the reference (forward, and backward accumulating into random gradients, with
// and without the optional tensors) and f64 central-difference checks of both backwards.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/conv2d.h"
#include "harness.h"
#include "loss_grad.h"

namespace conv_test {

using harness::Buf;

// One call: the geometry, the shapes of x, w and y (bias is [y[1]]) and the sizes the
// reference and kernels take.
struct ConvCall {
  std::string label;
  vigil_conv2d_geometry geo;
  std::vector<int64_t> xs, ws, ys;
  vigil::cpu::Conv2dDims dims;
};

inline std::string str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

template <typename T>
struct Tensors {
  Buf<T> x, w, bias, y;
  Tensors(const ConvCall& c, uint64_t seed) : x(c.xs), w(c.ws), bias({c.ys[1]}), y(c.ys) {
    harness::fill_uniform(x.v, seed + 1);
    harness::fill_uniform(w.v, seed + 2, -0.5, 0.5);
    harness::fill_uniform(bias.v, seed + 3);
  }
};

template <typename T>
const vigil_tensor* opt(Buf<T>* b) {
  return b ? b->d() : nullptr;
}

template <typename T>
std::vector<double> widen(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// Fast vs reference for dtype T: forward with and without bias, then backward with every
// gradient (each starting from random values, so "+=" is checked) and with dw alone.
template <class Op, typename T>
void matches_reference_as(const ConvCall& c, double rtol, double atol) {
  Tensors<T> t(c, 7);
  const std::string tag = std::string(Op::name) + " " + c.label + (sizeof(T) == 8 ? " f64" : " f32");
  for (bool with_bias : {true, false}) {
    Buf<T>* bias = with_bias ? &t.bias : nullptr;
    HCHECK_OK(Op::forward(t.x.d(), t.w.d(), opt(bias), &c.geo, t.y.d()));
    std::vector<double> ry(t.y.v.size());
    Op::ref_forward(c.dims, t.x.p(), t.w.p(), bias ? bias->p() : nullptr, ry.data());
    HCHECK_CLOSE((tag + " y").c_str(), widen(t.y.v).data(), ry.data(), t.y.n(), rtol, atol);
  }
  Buf<T> dy(c.ys), dx(c.xs), dw(c.ws), db({c.ys[1]});
  harness::fill_uniform(dy.v, 11);
  harness::fill_uniform(dx.v, 12);
  harness::fill_uniform(dw.v, 13);
  harness::fill_uniform(db.v, 14);
  std::vector<double> rdx = widen(dx.v), rdw = widen(dw.v), rdb = widen(db.v);
  HCHECK_OK(Op::backward(t.x.d(), t.w.d(), dy.d(), &c.geo, dx.d(), dw.d(), db.d()));
  Op::ref_backward(c.dims, t.x.p(), t.w.p(), dy.p(), rdx.data(), rdw.data(), rdb.data());
  HCHECK_CLOSE((tag + " dx").c_str(), widen(dx.v).data(), rdx.data(), dx.n(), rtol, atol);
  HCHECK_CLOSE((tag + " dw").c_str(), widen(dw.v).data(), rdw.data(), dw.n(), rtol, atol);
  HCHECK_CLOSE((tag + " dbias").c_str(), widen(db.v).data(), rdb.data(), db.n(), rtol, atol);
  Buf<T> dw_only(c.ws);
  HCHECK_OK(Op::backward(t.x.d(), t.w.d(), dy.d(), &c.geo, nullptr, dw_only.d(), nullptr));
  std::vector<double> rdw_only(dw_only.v.size());
  Op::ref_backward(c.dims, t.x.p(), t.w.p(), dy.p(), nullptr, rdw_only.data(), nullptr);
  HCHECK_CLOSE((tag + " dw alone").c_str(), widen(dw_only.v).data(), rdw_only.data(), dw_only.n(),
               rtol, atol);
}

// f64 to rounding; f32 to its precision over sums of a few hundred terms.
template <class Op>
void matches_reference(const ConvCall& c) {
  matches_reference_as<Op, double>(c, 1e-11, 1e-12);
  matches_reference_as<Op, float>(c, 1e-4, 1e-5);
}

// The gradients of L = sum(y * gy) from the fast backward and from the reference backward,
// each against central differences of its own forward, for x, w and bias.
template <class Op>
void gradients_check(const ConvCall& c) {
  Tensors<double> t(c, 21);
  std::vector<double> gy(t.y.v.size());
  harness::fill_uniform(gy, 22);
  Buf<double> gyb(c.ys), dx(c.xs), dw(c.ws), db({c.ys[1]});
  gyb.v = gy;
  HCHECK_OK(Op::backward(t.x.d(), t.w.d(), gyb.d(), &c.geo, dx.d(), dw.d(), db.d()));
  auto fast_loss = [&] {
    Op::forward(t.x.d(), t.w.d(), t.bias.d(), &c.geo, t.y.d());
    return harness::dot(t.y.v, gy);
  };
  const std::string tag = std::string(Op::name) + " " + c.label;
  harness::check_grad(tag + " fast x", t.x.v, dx.v, fast_loss);
  harness::check_grad(tag + " fast w", t.w.v, dw.v, fast_loss);
  harness::check_grad(tag + " fast bias", t.bias.v, db.v, fast_loss);
  std::vector<double> rdx(dx.v.size()), rdw(dw.v.size()), rdb(db.v.size());
  Op::ref_backward(c.dims, t.x.p(), t.w.p(), gy.data(), rdx.data(), rdw.data(), rdb.data());
  std::vector<double> ry(gy.size());
  auto ref_loss = [&] {
    Op::ref_forward(c.dims, t.x.p(), t.w.p(), t.bias.p(), ry.data());
    return harness::dot(ry, gy);
  };
  harness::check_grad(tag + " ref x", t.x.v, rdx, ref_loss);
  harness::check_grad(tag + " ref w", t.w.v, rdw, ref_loss);
  harness::check_grad(tag + " ref bias", t.bias.v, rdb, ref_loss);
}

// The check above is able to fail: a backward fed a slightly wrong upstream gradient (0.1% off)
// must exceed its tolerance for x and for w.
template <class Op>
void gradcheck_rejects_wrong_backward(const ConvCall& c) {
  Tensors<double> t(c, 31);
  Buf<double> gy(c.ys), dx(c.xs), dw(c.ws);
  harness::fill_uniform(gy.v, 32);
  std::vector<double> right = gy.v;
  for (double& v : gy.v) v *= 1.001;
  HCHECK_OK(Op::backward(t.x.d(), t.w.d(), gy.d(), &c.geo, dx.d(), dw.d(), nullptr));
  auto loss = [&] {
    Op::forward(t.x.d(), t.w.d(), nullptr, &c.geo, t.y.d());
    return harness::dot(t.y.v, right);
  };
  HCHECK(harness::loss_grad_excess(t.x.v, dx.v, loss) > 0, "gradcheck accepted a wrong dx");
  HCHECK(harness::loss_grad_excess(t.w.v, dw.v, loss) > 0, "gradcheck accepted a wrong dw");
}

}  // namespace conv_test

// The policy struct of op `op` (conv2d or conv_transpose2d) for the checks above: its C entry
// points vigil_<op>_forward/_backward and its reference vigil::ref::<op>_forward/_backward.
#define CONV_TEST_OP(Struct, op)                                                                \
  struct Struct {                                                                               \
    static constexpr const char* name = #op;                                                    \
    static vigil_status forward(vt x, vt w, vt b, const vigil_conv2d_geometry* g, vt y) {      \
      return vigil_##op##_forward(x, w, b, g, y);                                               \
    }                                                                                           \
    static vigil_status backward(vt x, vt w, vt dy, const vigil_conv2d_geometry* g, vt dx,     \
                                 vt dw, vt db) {                                                \
      return vigil_##op##_backward(x, w, dy, g, dx, dw, db);                                    \
    }                                                                                           \
    template <typename T>                                                                       \
    static void ref_forward(const vigil::cpu::Conv2dDims& d, const T* x, const T* w,           \
                            const T* b, double* y) {                                            \
      vigil::ref::op##_forward(d, x, w, b, y);                                                  \
    }                                                                                           \
    template <typename T>                                                                       \
    static void ref_backward(const vigil::cpu::Conv2dDims& d, const T* x, const T* w,          \
                             const T* dy, double* dx, double* dw, double* db) {                 \
      vigil::ref::op##_backward(d, x, w, dy, dx, dw, db);                                       \
    }                                                                                           \
  }
