// Entry points of the optimiser steps and the gradient-norm helpers (ops.h).
#include <cmath>
#include <string>

#include "api/same_shapes.h"
#include "core/dispatch.h"
#include "cpu/ema.h"
#include "cpu/optim.h"
#include "cuda/optim.h"

using namespace vigil;

extern "C" vigil_status vigil_adam_step(const vigil_tensor* param, const vigil_tensor* grad,
                                        const vigil_tensor* m, const vigil_tensor* v,
                                        const vigil_tensor* vmax, double lr, double beta1,
                                        double beta2, double eps, double weight_decay,
                                        int64_t step, int decoupled) {
  const char* op = "adam_step";
  return guarded(op, [&]() -> vigil_status {
    if (!param || !grad || !m || !v)
      return fail(VIGIL_ERR_ARG, op, "param, grad, m and v are required");
    // vmax (AMSGrad's running maximum of v) is optional; NULL is plain Adam.
    VIGIL_CHECK(check_elementwise(
        op, {{"param", param}, {"grad", grad}, {"m", m}, {"v", v}, {"vmax", vmax}}));
    if (step < 1) return fail(VIGIL_ERR_ARG, op, "step is 1-based, got " + std::to_string(step));
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
      return fail(VIGIL_ERR_ARG, op, "beta1 and beta2 must be in [0, 1)");
    if (!(eps >= 0) || !(lr >= 0) || !(weight_decay >= 0))
      return fail(VIGIL_ERR_ARG, op, "lr, eps and weight_decay must be >= 0");
    const cpu::AdamHyper h{lr, beta1, beta2, eps, weight_decay, step, decoupled != 0};
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(param->dtype, T, {
      s = VIGIL_DISPATCH(op, param->device, adam_step<T>, data<T>(param), data<T>(grad),
                         data<T>(m), data<T>(v), data<T>(vmax), numel(param), h);
    });
    return s;
  });
}

extern "C" vigil_status vigil_sgd_step(const vigil_tensor* param, const vigil_tensor* grad,
                                       const vigil_tensor* momentum_buf, double lr,
                                       double momentum, double weight_decay, int nesterov,
                                       int first_step) {
  const char* op = "sgd_step";
  return guarded(op, [&]() -> vigil_status {
    if (!param || !grad) return fail(VIGIL_ERR_ARG, op, "param and grad are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"param", param}, {"grad", grad}, {"momentum_buf", momentum_buf}}));
    if (!(momentum >= 0) || !(lr >= 0) || !(weight_decay >= 0))
      return fail(VIGIL_ERR_ARG, op, "lr, momentum and weight_decay must be >= 0");
    if (momentum != 0 && !momentum_buf)
      return fail(VIGIL_ERR_ARG, op, "momentum > 0 needs momentum_buf");
    if (nesterov && momentum == 0) return fail(VIGIL_ERR_ARG, op, "nesterov needs momentum > 0");
    const cpu::SgdHyper h{lr, momentum, weight_decay, nesterov != 0, first_step != 0};
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(param->dtype, T, {
      s = VIGIL_DISPATCH(op, param->device, sgd_step<T>, data<T>(param), data<T>(grad),
                         data<T>(momentum_buf), numel(param), h);
    });
    return s;
  });
}

extern "C" vigil_status vigil_sum_squares(const vigil_tensor* x, double* out) {
  const char* op = "sum_squares";
  return guarded(op, [&]() -> vigil_status {
    if (!x || !out) return fail(VIGIL_ERR_ARG, op, "x and out are required");
    VIGIL_CHECK(check_same(op, {{"x", x}}));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      const T* p = data<T>(x);
      s = dispatch(
          op, x->device, [&] { *out = cpu::sum_squares(p, numel(x)); },
          VIGIL_CUDA_KERNEL([&] { return cuda::sum_squares(p, numel(x), out); }));
    });
    return s;
  });
}

extern "C" vigil_status vigil_ema_update(const vigil_tensor* average, const vigil_tensor* param,
                                         double decay) {
  const char* op = "ema_update";
  return guarded(op, [&]() -> vigil_status {
    if (!average || !param) return fail(VIGIL_ERR_ARG, op, "average and param are required");
    VIGIL_CHECK(check_elementwise(op, {{"average", average}, {"param", param}}));
    if (!(decay >= 0 && decay <= 1)) return fail(VIGIL_ERR_ARG, op, "decay must be in [0, 1]");
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(average->dtype, T, {
      s = VIGIL_DISPATCH(op, average->device, ema_update<T>, data<T>(average), data<T>(param),
                         numel(average), decay);
    });
    return s;
  });
}

extern "C" vigil_status vigil_scale_inplace(const vigil_tensor* x, double alpha) {
  const char* op = "scale_inplace";
  return guarded(op, [&]() -> vigil_status {
    if (!x) return fail(VIGIL_ERR_ARG, op, "x is required");
    VIGIL_CHECK(check_same(op, {{"x", x}}));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(op, x->device, scale_inplace<T>, data<T>(x), numel(x), alpha);
    });
    return s;
  });
}
