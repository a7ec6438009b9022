// Losses, optimiser steps, gradient-norm helpers and the FMA peak probe for benchmarks.
#include "addon/common.h"
#include "dev/fma_peak.h"

namespace vigil::addon {
namespace {

// <loss>Forward(a, b, reduction, y) for the two-input losses
#define LOSS2(Name, fwd, bwd)                                                                  \
  Napi::Value Name##Forward(const Napi::CallbackInfo& info) {                                  \
    Args a(info);                                                                              \
    RETURN_CHECKED(fwd(a.tensor(0), a.tensor(1), static_cast<vigil_reduction>(a.i64(2)),       \
                       a.tensor(3)));                                                          \
  }                                                                                            \
  /* <loss>Backward(a, b, dy, reduction, da, db) */                                            \
  Napi::Value Name##Backward(const Napi::CallbackInfo& info) {                                 \
    Args a(info);                                                                              \
    RETURN_CHECKED(bwd(a.tensor(0), a.tensor(1), a.tensor(2),                                  \
                       static_cast<vigil_reduction>(a.i64(3)), a.opt(4), a.opt(5)));           \
  }

LOSS2(Mse, vigil_mse_forward, vigil_mse_backward)
LOSS2(KlNormal, vigil_kl_normal_forward, vigil_kl_normal_backward)
LOSS2(BceWithLogits, vigil_bce_with_logits_forward, vigil_bce_with_logits_backward)

// gaussianNllForward(x, mu, logvar, reduction, y)
Napi::Value GaussianNllForward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_gaussian_nll_forward(a.tensor(0), a.tensor(1), a.tensor(2),
                                            static_cast<vigil_reduction>(a.i64(3)), a.tensor(4)));
}
// gaussianNllBackward(x, mu, logvar, dy, reduction, dx, dmu, dlogvar)
Napi::Value GaussianNllBackward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_gaussian_nll_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.tensor(3),
                                             static_cast<vigil_reduction>(a.i64(4)), a.opt(5),
                                             a.opt(6), a.opt(7)));
}
// adamStep(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, decoupled)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_adam_step(a.tensor(0), a.tensor(1), a.tensor(2), a.tensor(3), a.num(4),
                                 a.num(5), a.num(6), a.num(7), a.num(8), a.i64(9), a.flag(10)));
}
// sgdStep(param, grad, momentumBuf, lr, momentum, weightDecay, nesterov, firstStep)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_sgd_step(a.tensor(0), a.tensor(1), a.opt(2), a.num(3), a.num(4), a.num(5),
                                a.flag(6), a.flag(7)));
}
// sumSquares(x) -> number
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args a(info);
  double out = 0;
  check(a.env(), vigil_sum_squares(a.tensor(0), &out));
  return Napi::Number::New(info.Env(), out);
}
// scaleInplace(x, alpha)
Napi::Value ScaleInplace(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_scale_inplace(a.tensor(0), a.num(1)));
}
// fmaPeakGflops(threads, seconds) -> measured fp32 FMA GFLOP/s
Napi::Value FmaPeakGflops(const Napi::CallbackInfo& info) {
  Args a(info);
  return Napi::Number::New(info.Env(), vigil_dev_fma_peak_gflops(static_cast<int>(a.i64(0)), a.num(1)));
}

}  // namespace

void register_train(Napi::Env env, Napi::Object exports) {
  VIGIL_EXPORT("mseForward", MseForward);
  VIGIL_EXPORT("mseBackward", MseBackward);
  VIGIL_EXPORT("klNormalForward", KlNormalForward);
  VIGIL_EXPORT("klNormalBackward", KlNormalBackward);
  VIGIL_EXPORT("bceWithLogitsForward", BceWithLogitsForward);
  VIGIL_EXPORT("bceWithLogitsBackward", BceWithLogitsBackward);
  VIGIL_EXPORT("gaussianNllForward", GaussianNllForward);
  VIGIL_EXPORT("gaussianNllBackward", GaussianNllBackward);
  VIGIL_EXPORT("adamStep", AdamStep);
  VIGIL_EXPORT("sgdStep", SgdStep);
  VIGIL_EXPORT("sumSquares", SumSquares);
  VIGIL_EXPORT("scaleInplace", ScaleInplace);
  VIGIL_EXPORT("fmaPeakGflops", FmaPeakGflops);
}

}  // namespace vigil::addon
