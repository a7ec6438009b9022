// matmul, linear, elementwise, reductions, softmax and shape ops.
#include <vector>

#include "addon/common.h"

namespace vigil::addon {
namespace {

template <typename I>
std::vector<I> int_list(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of integers");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<I> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out[i] = static_cast<I>(arr.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

}  // namespace

namespace op {

// matmulForward(a, b, y, transA, transB)
Napi::Value matmul_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_matmul_forward(a.tensor(0), a.tensor(1), a.tensor(2), a.flag(3), a.flag(4)));
}
// matmulBackward(a, b, dy, da, db, transA, transB)
Napi::Value matmul_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_matmul_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4),
                                       a.flag(5), a.flag(6)));
}
// linearForward(x, w, bias, y)
Napi::Value linear_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_linear_forward(a.tensor(0), a.tensor(1), a.opt(2), a.tensor(3)));
}
// linearBackward(x, w, dy, dx, dw, dbias)
Napi::Value linear_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_linear_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4),
                                       a.opt(5)));
}
// binaryForward(op, a, b, y)
Napi::Value binary_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_binary_forward(static_cast<vigil_binary_op>(a.i64(0)), a.tensor(1),
                                      a.tensor(2), a.tensor(3)));
}
// binaryBackward(op, a, b, dy, da, db)
Napi::Value binary_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_binary_backward(static_cast<vigil_binary_op>(a.i64(0)), a.tensor(1),
                                       a.tensor(2), a.tensor(3), a.opt(4), a.opt(5)));
}
// unaryForward(op, x, y, p0, p1)
Napi::Value unary_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_unary_forward(static_cast<vigil_unary_op>(a.i64(0)), a.tensor(1),
                                     a.tensor(2), a.num(3), a.num(4)));
}
// unaryBackward(op, x, y, dy, dx, p0, p1)
Napi::Value unary_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_unary_backward(static_cast<vigil_unary_op>(a.i64(0)), a.tensor(1),
                                      a.tensor(2), a.tensor(3), a.tensor(4), a.num(5), a.num(6)));
}
// reduceForward(op, x, axesMask, y)
Napi::Value reduce_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_reduce_forward(static_cast<vigil_reduce_op>(a.i64(0)), a.tensor(1),
                                      static_cast<uint32_t>(a.i64(2)), a.tensor(3)));
}
// reduceBackward(op, x, y, dy, axesMask, dx)
Napi::Value reduce_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_reduce_backward(static_cast<vigil_reduce_op>(a.i64(0)), a.tensor(1),
                                       a.tensor(2), a.tensor(3), static_cast<uint32_t>(a.i64(4)),
                                       a.tensor(5)));
}
// softmaxForward(x, axis, log, y)
Napi::Value softmax_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_softmax_forward(a.tensor(0), static_cast<int>(a.i64(1)), a.flag(2), a.tensor(3)));
}
// softmaxBackward(y, dy, axis, log, dx)
Napi::Value softmax_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_softmax_backward(a.tensor(0), a.tensor(1), static_cast<int>(a.i64(2)),
                                        a.flag(3), a.tensor(4)));
}
// permuteForward(x, perm, y)
Napi::Value permute_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int32_t> perm = int_list<int32_t>(info[1]);
  RETURN_CHECKED(vigil_permute_forward(a.tensor(0), perm.data(), a.tensor(2)));
}
// permuteBackward(dy, perm, dx)
Napi::Value permute_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int32_t> perm = int_list<int32_t>(info[1]);
  RETURN_CHECKED(vigil_permute_backward(a.tensor(0), perm.data(), a.tensor(2)));
}
// axisCopy(src, srcStart, dst, dstStart, axis, len, accumulate)
Napi::Value axis_copy(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_axis_copy(a.tensor(0), a.i64(1), a.tensor(2), a.i64(3),
                                 static_cast<int>(a.i64(4)), a.i64(5), a.flag(6)));
}
// repeatForward(x, repeats, y)
Napi::Value repeat_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int64_t> reps = int_list<int64_t>(info[1]);
  RETURN_CHECKED(vigil_repeat_forward(a.tensor(0), reps.data(), a.tensor(2)));
}
// repeatBackward(dy, repeats, dx)
Napi::Value repeat_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int64_t> reps = int_list<int64_t>(info[1]);
  RETURN_CHECKED(vigil_repeat_backward(a.tensor(0), reps.data(), a.tensor(2)));
}

}  // namespace op

}  // namespace vigil::addon
