// causal_conv1d: C ABI entry points (validation, then the CPU kernels of cpu/causal_conv1d.cpp).
#include <cstdint>
#include <string>

#include "api/expect.h"
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/causal_conv1d.h"
#include "cuda/causal_conv1d.h"

using namespace vigil;

namespace {

// Reads B, Cin, T from x [B,Cin,T] and Cout, K from w [Cout,Cin,K].
vigil_status read_dims(const char* op, vt x, vt w, int64_t dilation, cpu::CausalConv1dDims* d) {
  if (!x || !w) return fail(VIGIL_ERR_ARG, op, "x and w are required");
  if (!has_shape(x, {-1, -1, -1}) || !has_shape(w, {-1, x->shape[1], -1}) || w->shape[2] < 1)
    return fail(VIGIL_ERR_SHAPE, op, "x must be [B,Cin,T] and w [Cout,Cin,K] with K >= 1",
                {{"x", x}, {"w", w}});
  if (dilation < 1 || (w->shape[2] > 1 && dilation > INT64_MAX / (w->shape[2] - 1)))
    return fail(VIGIL_ERR_ARG, op,
                "dilation must be >= 1 with (K-1)*dilation in range, got " +
                    std::to_string(dilation));
  *d = {x->shape[0], x->shape[1], w->shape[0], x->shape[2], w->shape[2], dilation};
  return VIGIL_OK;
}

std::string sizes(const cpu::CausalConv1dDims& d) {
  return "B=" + std::to_string(d.B) + " Cin=" + std::to_string(d.Cin) +
         " Cout=" + std::to_string(d.Cout) + " T=" + std::to_string(d.T) +
         " K=" + std::to_string(d.K);
}

}  // namespace

extern "C" vigil_status vigil_causal_conv1d_forward(vt x, vt w, vt bias, int64_t dilation, vt y) {
  const char* op = "causal_conv1d";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x}, {"w", w}, {"bias", bias}, {"y", y}};
    VIGIL_CHECK(check_same(op, all));
    cpu::CausalConv1dDims d;
    VIGIL_CHECK(read_dims(op, x, w, dilation, &d));
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is required", all);
    VIGIL_CHECK(check_expected(op, sizes(d),
                               {{"bias", bias, {d.Cout}}, {"y", y, {d.B, d.Cout, d.T}}}, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, causal_conv1d_forward<S>, d, data<S>(x), data<S>(w),
                         data<S>(bias), data<S>(y));
    });
    return s;
  });
}

extern "C" vigil_status vigil_causal_conv1d_backward(vt x, vt w, vt dy, int64_t dilation, vt dx,
                                                     vt dw, vt dbias) {
  const char* op = "causal_conv1d_backward";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x},   {"w", w},   {"dy", dy},
                                        {"dx", dx}, {"dw", dw}, {"dbias", dbias}};
    VIGIL_CHECK(check_same(op, all));
    cpu::CausalConv1dDims d;
    VIGIL_CHECK(read_dims(op, x, w, dilation, &d));
    if (!dy) return fail(VIGIL_ERR_ARG, op, "dy is required", all);
    VIGIL_CHECK(check_expected(op, sizes(d),
                               {{"dy", dy, {d.B, d.Cout, d.T}},
                                {"dx", dx, {d.B, d.Cin, d.T}},
                                {"dw", dw, {d.Cout, d.Cin, d.K}},
                                {"dbias", dbias, {d.Cout}}},
                               all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, causal_conv1d_backward<S>, d, data<S>(x), data<S>(w),
                         data<S>(dy), data<S>(dx), data<S>(dw), data<S>(dbias));
    });
    return s;
  });
}
