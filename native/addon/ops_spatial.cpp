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

// conv_lstm's options: { cell: number, hardSigmoid: boolean } (lib/ops/conv_lstm.ts).
vigil_conv_lstm_options lstm_options(const Napi::Value& v) {
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), "conv_lstm options: expected { cell, hardSigmoid }");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value cell = o.Get("cell");
  if (!cell.IsNumber()) throw Napi::TypeError::New(v.Env(), "conv_lstm options: cell must be a number");
  return {cell.As<Napi::Number>().Int32Value(), o.Get("hardSigmoid").ToBoolean().Value() ? 1 : 0};
}

}  // namespace

// convLstmSavedSize(options, B, T, F, H, W): the saved tensor's length (-1 for an unknown cell).
Napi::Value conv_lstm_saved_size(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv_lstm_options o = lstm_options(info[0]);
  return Napi::Number::New(info.Env(), static_cast<double>(vigil_conv_lstm_saved_size(
                                           &o, a.i64(1), a.i64(2), a.i64(3), a.i64(4), a.i64(5))));
}

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

// convLstmForward(options, x, params[], xMask, h0, c0, y, cN, saved)
Napi::Value conv_lstm_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv_lstm_options o = lstm_options(info[0]);
  const std::vector<const vigil_tensor*> p = a.list(2);
  RETURN_CHECKED(vigil_conv_lstm_forward(&o, a.tensor(1), p.data(), static_cast<int32_t>(p.size()),
                                         a.opt(3), a.opt(4), a.opt(5), a.tensor(6), a.opt(7),
                                         a.opt(8)));
}
// convLstmBackward(options, x, params[], xMask, h0, c0, y, saved, dy, dx, dparams[], dh0, dc0)
Napi::Value conv_lstm_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_conv_lstm_options o = lstm_options(info[0]);
  const std::vector<const vigil_tensor*> p = a.list(2), dp = a.list(10);
  if (dp.size() != p.size())
    throw Napi::TypeError::New(info.Env(), "convLstmBackward: dparams must match params in length");
  RETURN_CHECKED(vigil_conv_lstm_backward(&o, a.tensor(1), p.data(), static_cast<int32_t>(p.size()),
                                          a.opt(3), a.opt(4), a.opt(5), a.tensor(6), a.tensor(7),
                                          a.tensor(8), a.opt(9), dp.data(), a.opt(11), a.opt(12)));
}

}  // namespace op
}  // namespace vigil::addon
