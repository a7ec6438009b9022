// conv_transpose2d: C ABI entry points (validation, then the kernels of cpu/conv_transpose2d.cpp
// or cuda/conv_transpose2d.cu). The kernels take the sizes of the conv2d being transposed
// (cpu/conv_transpose2d.h), built here from x, w, the geometry and the output's shape.
#include <cstdint>
#include <string>

#include "api/conv2d_geometry.h"
#include "api/expect.h"
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/conv_transpose2d.h"
#include "cuda/conv_transpose2d.h"

using namespace vigil;

namespace {

// x [B,Cin,H,W], w [Cin,Cout/groups,KH,KW] with groups dividing Cin, and `out` (y or dy)
// [B, Cout, Ho, Wo] whose Ho - ((H-1)*sh - top - bottom + dh*(KH-1) + 1) is the output padding,
// in [0, sh) (likewise for W). Fills t, the conv2d that maps out's shape to x's.
vigil_status read_dims(const char* op, vt x, vt w, const vigil_conv2d_geometry* geo, vt out,
                       const char* out_name, std::initializer_list<Named> all,
                       cpu::Conv2dDims* t) {
  if (!x || !w || !out)
    return fail(VIGIL_ERR_ARG, op, std::string("x, w and ") + out_name + " are required", all);
  VIGIL_CHECK(check_conv2d_geometry(op, geo, w, all, t));
  if (!has_shape(x, {-1, -1, -1, -1}))
    return fail(VIGIL_ERR_SHAPE, op, "x must be [B,Cin,H,W]", all);
  const int64_t B = x->shape[0], Cin = x->shape[1], H = x->shape[2], W = x->shape[3];
  const int64_t G = t->groups;
  if (Cin % G || w->shape[0] != Cin)
    return fail(VIGIL_ERR_SHAPE, op,
                "w must be [Cin,Cout/groups,KH,KW] with groups (" + std::to_string(G) +
                    ") dividing Cin",
                all);
  const int64_t Cout = w->shape[1] * G;
  // The output size before output padding; large pads can leave it below 1 (checked below).
  const int64_t Ho0 = (H - 1) * t->sh - geo->pad_top - geo->pad_bottom + t->dil_h * (t->KH - 1) + 1;
  const int64_t Wo0 = (W - 1) * t->sw - geo->pad_left - geo->pad_right + t->dil_w * (t->KW - 1) + 1;
  const std::string want = std::string(out_name) + " must be [" + std::to_string(B) + "," +
                           std::to_string(Cout) + ",Ho,Wo] with Ho in [" + std::to_string(Ho0) +
                           "," + std::to_string(Ho0 + t->sh) + ") and Wo in [" +
                           std::to_string(Wo0) + "," + std::to_string(Wo0 + t->sw) +
                           ") (output padding below the stride)";
  if (H < 1 || W < 1 || Ho0 < 1 || Wo0 < 1)
    return fail(VIGIL_ERR_SHAPE, op,
                "the pads leave no output (" + std::to_string(Ho0) + "x" + std::to_string(Wo0) +
                    " before output padding)",
                all);
  if (!has_shape(out, {B, Cout, -1, -1}) || out->shape[2] < Ho0 || out->shape[2] >= Ho0 + t->sh ||
      out->shape[3] < Wo0 || out->shape[3] >= Wo0 + t->sw)
    return fail(VIGIL_ERR_SHAPE, op, want, all);
  t->B = B;
  t->Cin = Cout;  // the transposed conv2d reads our output...
  t->H = out->shape[2];
  t->W = out->shape[3];
  t->Cout = Cin;  // ...and writes our input
  t->Ho = H;
  t->Wo = W;
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_conv_transpose2d_forward(vt x, vt w, vt bias,
                                                       const vigil_conv2d_geometry* geo, vt y) {
  const char* op = "conv_transpose2d";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x}, {"w", w}, {"bias", bias}, {"y", y}};
    VIGIL_CHECK(check_same(op, all));
    cpu::Conv2dDims t;
    VIGIL_CHECK(read_dims(op, x, w, geo, y, "y", all, &t));
    VIGIL_CHECK(check_expected(op, conv2d_sizes(t, /*transposed=*/true), {{"bias", bias, {t.Cin}}}, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, conv_transpose2d_forward<S>, t, data<S>(x), data<S>(w),
                         data<S>(bias), data<S>(y));
    });
    return s;
  });
}

extern "C" vigil_status vigil_conv_transpose2d_backward(vt x, vt w, vt dy,
                                                        const vigil_conv2d_geometry* geo, vt dx,
                                                        vt dw, vt dbias) {
  const char* op = "conv_transpose2d_backward";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x},   {"w", w},   {"dy", dy},
                                        {"dx", dx}, {"dw", dw}, {"dbias", dbias}};
    VIGIL_CHECK(check_same(op, all));
    cpu::Conv2dDims t;
    VIGIL_CHECK(read_dims(op, x, w, geo, dy, "dy", all, &t));
    VIGIL_CHECK(check_expected(op, conv2d_sizes(t, /*transposed=*/true),
                               {{"dx", dx, {t.B, t.Cout, t.Ho, t.Wo}},
                                {"dw", dw, {t.Cout, t.cg(), t.KH, t.KW}},
                                {"dbias", dbias, {t.Cin}}},
                               all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, conv_transpose2d_backward<S>, t, data<S>(x), data<S>(w),
                         data<S>(dy), data<S>(dx), data<S>(dw), data<S>(dbias));
    });
    return s;
  });
}
