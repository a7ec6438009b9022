// Losses, optimiser steps and the gradient-norm helpers.
#include "addon/common.h"

namespace vigil::addon::op {

// <loss>Forward(a, b, reduction, y) for the two-input losses
#define LOSS2(name)                                                                       \
  Napi::Value name##_forward(const Napi::CallbackInfo& info) {                            \
    Args a(info);                                                                         \
    RETURN_CHECKED(vigil_##name##_forward(a.tensor(0), a.tensor(1),                       \
                                          static_cast<vigil_reduction>(a.i64(2)), a.tensor(3))); \
  }                                                                                       \
  /* <loss>Backward(a, b, dy, reduction, da, db) */                                       \
  Napi::Value name##_backward(const Napi::CallbackInfo& info) {                           \
    Args a(info);                                                                         \
    RETURN_CHECKED(vigil_##name##_backward(a.tensor(0), a.tensor(1), a.tensor(2),         \
                                           static_cast<vigil_reduction>(a.i64(3)), a.opt(4), \
                                           a.opt(5)));                                    \
  }

LOSS2(mse)
LOSS2(kl_normal)
LOSS2(bce_with_logits)

// gaussianNllForward(x, mu, logvar, reduction, y)
Napi::Value gaussian_nll_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_gaussian_nll_forward(a.tensor(0), a.tensor(1), a.tensor(2),
                                            static_cast<vigil_reduction>(a.i64(3)), a.tensor(4)));
}
// gaussianNllBackward(x, mu, logvar, dy, reduction, dx, dmu, dlogvar)
Napi::Value gaussian_nll_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_gaussian_nll_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.tensor(3),
                                             static_cast<vigil_reduction>(a.i64(4)), a.opt(5),
                                             a.opt(6), a.opt(7)));
}
// adamStep(param, grad, m, v, vmax | null, lr, beta1, beta2, eps, weightDecay, step, decoupled)
Napi::Value adam_step(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_adam_step(a.tensor(0), a.tensor(1), a.tensor(2), a.tensor(3), a.opt(4),
                                 a.num(5), a.num(6), a.num(7), a.num(8), a.num(9), a.i64(10),
                                 a.flag(11)));
}
// sgdStep(param, grad, momentumBuf, lr, momentum, weightDecay, nesterov, firstStep)
Napi::Value sgd_step(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_sgd_step(a.tensor(0), a.tensor(1), a.opt(2), a.num(3), a.num(4), a.num(5),
                                a.flag(6), a.flag(7)));
}
// sumSquares(x) -> number
Napi::Value sum_squares(const Napi::CallbackInfo& info) {
  Args a(info);
  double out = 0;
  check(a.env(), vigil_sum_squares(a.tensor(0), &out));
  return Napi::Number::New(info.Env(), out);
}
// emaUpdate(average, param, decay)
Napi::Value ema_update(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_ema_update(a.tensor(0), a.tensor(1), a.num(2)));
}
// scaleInplace(x, alpha)
Napi::Value scale_inplace(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_scale_inplace(a.tensor(0), a.num(1)));
}

}  // namespace vigil::addon::op
