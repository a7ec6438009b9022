// conv2d: C ABI entry points (validation, then the kernels of cpu/conv2d.cpp or cuda/conv2d.cu).
#include <cstdint>
#include <string>

#include "api/conv2d_geometry.h"
#include "api/expect.h"
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/conv2d.h"
#include "cuda/conv2d.h"

using namespace vigil;

namespace {

// x [B,Cin,H,W] and w [Cout,Cin/groups,KH,KW] with groups dividing Cin and Cout; the output
// size from the geometry must be at least 1x1.
vigil_status read_dims(const char* op, vt x, vt w, const vigil_conv2d_geometry* geo,
                       std::initializer_list<Named> all, cpu::Conv2dDims* d) {
  if (!x || !w) return fail(VIGIL_ERR_ARG, op, "x and w are required", all);
  VIGIL_CHECK(check_conv2d_geometry(op, geo, w, all, d));
  if (!has_shape(x, {-1, -1, -1, -1}))
    return fail(VIGIL_ERR_SHAPE, op, "x must be [B,Cin,H,W]", all);
  d->B = x->shape[0];
  d->Cin = x->shape[1];
  d->H = x->shape[2];
  d->W = x->shape[3];
  d->Cout = w->shape[0];
  if (d->Cin % d->groups || d->Cout % d->groups || w->shape[1] * d->groups != d->Cin)
    return fail(VIGIL_ERR_SHAPE, op,
                "w must be [Cout,Cin/groups,KH,KW] with groups (" + std::to_string(d->groups) +
                    ") dividing Cin and Cout",
                all);
  d->Ho = cpu::conv_out_len(d->H, d->KH, d->sh, d->dil_h, geo->pad_top + geo->pad_bottom);
  d->Wo = cpu::conv_out_len(d->W, d->KW, d->sw, d->dil_w, geo->pad_left + geo->pad_right);
  if (d->Ho < 1 || d->Wo < 1)
    return fail(VIGIL_ERR_SHAPE, op,
                "the dilated kernel is larger than the padded input (output would be " +
                    std::to_string(d->Ho) + "x" + std::to_string(d->Wo) + ")",
                all);
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_conv2d_forward(vt x, vt w, vt bias, const vigil_conv2d_geometry* geo,
                                             vt y) {
  const char* op = "conv2d";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x}, {"w", w}, {"bias", bias}, {"y", y}};
    VIGIL_CHECK(check_same(op, all));
    cpu::Conv2dDims d;
    VIGIL_CHECK(read_dims(op, x, w, geo, all, &d));
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is required", all);
    VIGIL_CHECK(check_expected(op, conv2d_sizes(d),
                               {{"bias", bias, {d.Cout}}, {"y", y, {d.B, d.Cout, d.Ho, d.Wo}}},
                               all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, conv2d_forward<S>, d, data<S>(x), data<S>(w),
                         data<S>(bias), data<S>(y), false);
    });
    return s;
  });
}

extern "C" vigil_status vigil_conv2d_backward(vt x, vt w, vt dy, const vigil_conv2d_geometry* geo,
                                              vt dx, vt dw, vt dbias) {
  const char* op = "conv2d_backward";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x},   {"w", w},   {"dy", dy},
                                        {"dx", dx}, {"dw", dw}, {"dbias", dbias}};
    VIGIL_CHECK(check_same(op, all));
    cpu::Conv2dDims d;
    VIGIL_CHECK(read_dims(op, x, w, geo, all, &d));
    if (!dy) return fail(VIGIL_ERR_ARG, op, "dy is required", all);
    VIGIL_CHECK(check_expected(op, conv2d_sizes(d),
                               {{"dy", dy, {d.B, d.Cout, d.Ho, d.Wo}},
                                {"dx", dx, {d.B, d.Cin, d.H, d.W}},
                                {"dw", dw, {d.Cout, d.cg(), d.KH, d.KW}},
                                {"dbias", dbias, {d.Cout}}},
                               all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, conv2d_backward<S>, d, data<S>(x), data<S>(w),
                         data<S>(dy), data<S>(dx), data<S>(dw), data<S>(dbias));
    });
    return s;
  });
}
