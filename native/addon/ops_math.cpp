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

// matmulForward(a, b, y, transA, transB)
Napi::Value MatmulForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_matmul_forward(a.tensor(0), a.tensor(1), a.tensor(2), a.flag(3), a.flag(4)));
}
// matmulBackward(a, b, dy, da, db, transA, transB)
Napi::Value MatmulBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_matmul_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4),
                                       a.flag(5), a.flag(6)));
}
// linearForward(x, w, bias, y)
Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_linear_forward(a.tensor(0), a.tensor(1), a.opt(2), a.tensor(3)));
}
// linearBackward(x, w, dy, dx, dw, dbias)
Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_linear_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4),
                                       a.opt(5)));
}
// binaryForward(op, a, b, y)
Napi::Value BinaryForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_binary_forward(static_cast<vigil_binary_op>(a.i64(0)), a.tensor(1),
                                      a.tensor(2), a.tensor(3)));
}
// binaryBackward(op, a, b, dy, da, db)
Napi::Value BinaryBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_binary_backward(static_cast<vigil_binary_op>(a.i64(0)), a.tensor(1),
                                       a.tensor(2), a.tensor(3), a.opt(4), a.opt(5)));
}
// unaryForward(op, x, y, p0, p1)
Napi::Value UnaryForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_unary_forward(static_cast<vigil_unary_op>(a.i64(0)), a.tensor(1),
                                     a.tensor(2), a.num(3), a.num(4)));
}
// unaryBackward(op, x, y, dy, dx, p0, p1)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_unary_backward(static_cast<vigil_unary_op>(a.i64(0)), a.tensor(1),
                                      a.tensor(2), a.tensor(3), a.tensor(4), a.num(5), a.num(6)));
}
// reduceForward(op, x, axesMask, y)
Napi::Value ReduceForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_reduce_forward(static_cast<vigil_reduce_op>(a.i64(0)), a.tensor(1),
                                      static_cast<uint32_t>(a.i64(2)), a.tensor(3)));
}
// reduceBackward(op, x, y, dy, axesMask, dx)
Napi::Value ReduceBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_reduce_backward(static_cast<vigil_reduce_op>(a.i64(0)), a.tensor(1),
                                       a.tensor(2), a.tensor(3), static_cast<uint32_t>(a.i64(4)),
                                       a.tensor(5)));
}
// softmaxForward(x, axis, log, y)
Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_softmax_forward(a.tensor(0), static_cast<int>(a.i64(1)), a.flag(2), a.tensor(3)));
}
// softmaxBackward(y, dy, axis, log, dx)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_softmax_backward(a.tensor(0), a.tensor(1), static_cast<int>(a.i64(2)),
                                        a.flag(3), a.tensor(4)));
}
// permuteForward(x, perm, y)
Napi::Value PermuteForward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int32_t> perm = int_list<int32_t>(info[1]);
  RETURN_CHECKED(vigil_permute_forward(a.tensor(0), perm.data(), a.tensor(2)));
}
// permuteBackward(dy, perm, dx)
Napi::Value PermuteBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int32_t> perm = int_list<int32_t>(info[1]);
  RETURN_CHECKED(vigil_permute_backward(a.tensor(0), perm.data(), a.tensor(2)));
}
// axisCopy(src, srcStart, dst, dstStart, axis, len, accumulate)
Napi::Value AxisCopy(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_axis_copy(a.tensor(0), a.i64(1), a.tensor(2), a.i64(3),
                                 static_cast<int>(a.i64(4)), a.i64(5), a.flag(6)));
}
// repeatForward(x, repeats, y)
Napi::Value RepeatForward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int64_t> reps = int_list<int64_t>(info[1]);
  RETURN_CHECKED(vigil_repeat_forward(a.tensor(0), reps.data(), a.tensor(2)));
}
// repeatBackward(dy, repeats, dx)
Napi::Value RepeatBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  std::vector<int64_t> reps = int_list<int64_t>(info[1]);
  RETURN_CHECKED(vigil_repeat_backward(a.tensor(0), reps.data(), a.tensor(2)));
}

}  // namespace

void register_math(Napi::Env env, Napi::Object exports) {
  VIGIL_EXPORT("matmulForward", MatmulForward);
  VIGIL_EXPORT("matmulBackward", MatmulBackward);
  VIGIL_EXPORT("linearForward", LinearForward);
  VIGIL_EXPORT("linearBackward", LinearBackward);
  VIGIL_EXPORT("binaryForward", BinaryForward);
  VIGIL_EXPORT("binaryBackward", BinaryBackward);
  VIGIL_EXPORT("unaryForward", UnaryForward);
  VIGIL_EXPORT("unaryBackward", UnaryBackward);
  VIGIL_EXPORT("reduceForward", ReduceForward);
  VIGIL_EXPORT("reduceBackward", ReduceBackward);
  VIGIL_EXPORT("softmaxForward", SoftmaxForward);
  VIGIL_EXPORT("softmaxBackward", SoftmaxBackward);
  VIGIL_EXPORT("permuteForward", PermuteForward);
  VIGIL_EXPORT("permuteBackward", PermuteBackward);
  VIGIL_EXPORT("axisCopy", AxisCopy);
  VIGIL_EXPORT("repeatForward", RepeatForward);
  VIGIL_EXPORT("repeatBackward", RepeatBackward);
}

}  // namespace vigil::addon
