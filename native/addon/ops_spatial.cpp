// conv2d and conv_transpose2d. Their geometry travels as one array of nine integers,
// [strideH, strideW, dilationH, dilationW, padTop, padBottom, padLeft, padRight, groups]
// (lib/ops/conv2d.ts builds it), checked by the op itself once read.
#include "addon/common.h"

namespace vigil::addon {
namespace {

vigil_conv2d_geometry geometry(const Napi::Value& v) {
  const auto bad = [&] {
    return Napi::TypeError::New(v.Env(), "conv2d geometry: expected an array of 9 integers "
                                         "[strideH, strideW, dilationH, dilationW, padTop, "
                                         "padBottom, padLeft, padRight, groups]");
  };
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 9) throw bad();
  Napi::Array a = v.As<Napi::Array>();
  int64_t f[9];
  for (uint32_t i = 0; i < 9; ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw bad();
    const double d = e.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) throw bad();
    f[i] = static_cast<int64_t>(d);
  }
  return {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]};
}

}  // namespace

namespace op {

// conv2dForward(x, w, bias, geometry, y)
Napi::Value conv2d_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv2d_geometry g = geometry(info[3]);
  RETURN_CHECKED(vigil_conv2d_forward(a.tensor(0), a.tensor(1), a.opt(2), &g, a.tensor(4)));
}
// conv2dBackward(x, w, dy, geometry, dx, dw, dbias)
Napi::Value conv2d_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv2d_geometry g = geometry(info[3]);
  RETURN_CHECKED(vigil_conv2d_backward(a.tensor(0), a.tensor(1), a.tensor(2), &g, a.opt(4),
                                       a.opt(5), a.opt(6)));
}
// convTranspose2dForward(x, w, bias, geometry, y)
Napi::Value conv_transpose2d_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv2d_geometry g = geometry(info[3]);
  RETURN_CHECKED(
      vigil_conv_transpose2d_forward(a.tensor(0), a.tensor(1), a.opt(2), &g, a.tensor(4)));
}
// convTranspose2dBackward(x, w, dy, geometry, dx, dw, dbias)
Napi::Value conv_transpose2d_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv2d_geometry g = geometry(info[3]);
  RETURN_CHECKED(vigil_conv_transpose2d_backward(a.tensor(0), a.tensor(1), a.tensor(2), &g,
                                                 a.opt(4), a.opt(5), a.opt(6)));
}

}  // namespace op
}  // namespace vigil::addon
