// Entry points of the losses (ops.h): mse, gaussian_nll, kl_normal, bce_with_logits.
// Inputs and gradients share one shape; y / dy hold one element.
#include <string>

#include "api/same_shapes.h"
#include "core/dispatch.h"
#include "cpu/losses.h"
#include "cuda/losses.h"

using namespace vigil;

namespace {

// y (or dy) is a one-element tensor of x's dtype and device; r is MEAN or SUM.
vigil_status check_scalar(const char* op, vigil_reduction r, const vigil_tensor* x,
                          Named y) {
  if (r != VIGIL_REDUCE_MEAN && r != VIGIL_REDUCE_SUM)
    return fail(VIGIL_ERR_ARG, op, "reduction must be MEAN (0) or SUM (1), got " +
                                       std::to_string(static_cast<int>(r)));
  if (!y.t) return fail(VIGIL_ERR_ARG, op, std::string(y.name) + " is required");
  VIGIL_CHECK(check_same(op, {{"x", x}, y}));
  if (numel(y.t) != 1)
    return fail(VIGIL_ERR_SHAPE, op, std::string(y.name) + " must have one element", {y});
  return VIGIL_OK;
}

double count_div(vigil_reduction r, int64_t n) {
  return r == VIGIL_REDUCE_MEAN ? static_cast<double>(n) : 1.0;
}

// Writes the reduced loss into the one-element y (CPU).
template <typename T>
void write_loss(const vigil_tensor* y, double sum, vigil_reduction r, int64_t n) {
  *data<T>(y) = static_cast<T>(sum / count_div(r, n));
}

// The factor every per-element derivative is multiplied by: dy, divided by n for MEAN (CPU; the
// CUDA kernels read dy on the device).
template <typename T>
double grad_scale(const vigil_tensor* dy, vigil_reduction r, int64_t n) {
  return static_cast<double>(*data<T>(dy)) / count_div(r, n);
}

}  // namespace

// ------------------------------------------------------------------------------------ mse

extern "C" vigil_status vigil_mse_forward(const vigil_tensor* pred, const vigil_tensor* target,
                                          vigil_reduction r, const vigil_tensor* y) {
  const char* op = "mse_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!pred || !target) return fail(VIGIL_ERR_ARG, op, "pred and target are required");
    VIGIL_CHECK(check_elementwise(op, {{"pred", pred}, {"target", target}}));
    VIGIL_CHECK(check_scalar(op, r, pred, {"y", y}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(pred);
    VIGIL_FLOAT_SWITCH(pred->dtype, T, {
      const T *p = data<T>(pred), *t = data<T>(target);
      s = dispatch(
          op, pred->device, [&] { write_loss<T>(y, cpu::mse_sum(p, t, n), r, n); },
          VIGIL_CUDA_KERNEL([&] { return cuda::mse_forward(p, t, n, count_div(r, n), data<T>(y)); }));
    });
    return s;
  });
}

extern "C" vigil_status vigil_mse_backward(const vigil_tensor* pred, const vigil_tensor* target,
                                           const vigil_tensor* dy, vigil_reduction r,
                                           const vigil_tensor* dpred,
                                           const vigil_tensor* dtarget) {
  const char* op = "mse_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!pred || !target) return fail(VIGIL_ERR_ARG, op, "pred and target are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"pred", pred}, {"target", target}, {"dpred", dpred}, {"dtarget", dtarget}}));
    VIGIL_CHECK(check_scalar(op, r, pred, {"dy", dy}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(pred);
    VIGIL_FLOAT_SWITCH(pred->dtype, T, {
      const T *p = data<T>(pred), *t = data<T>(target);
      T *dp = data<T>(dpred), *dt = data<T>(dtarget);
      s = dispatch(
          op, pred->device, [&] { cpu::mse_backward(p, t, n, grad_scale<T>(dy, r, n), dp, dt); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::mse_backward(p, t, n, data<T>(dy), count_div(r, n), dp, dt);
          }));
    });
    return s;
  });
}

// ---------------------------------------------------------------------------- gaussian_nll

extern "C" vigil_status vigil_gaussian_nll_forward(const vigil_tensor* x, const vigil_tensor* mu,
                                                   const vigil_tensor* logvar, vigil_reduction r,
                                                   const vigil_tensor* y) {
  const char* op = "gaussian_nll_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!x || !mu || !logvar) return fail(VIGIL_ERR_ARG, op, "x, mu and logvar are required");
    VIGIL_CHECK(check_elementwise(op, {{"x", x}, {"mu", mu}, {"logvar", logvar}}));
    VIGIL_CHECK(check_scalar(op, r, x, {"y", y}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(x);
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      const T *xp = data<T>(x), *m = data<T>(mu), *lv = data<T>(logvar);
      s = dispatch(
          op, x->device, [&] { write_loss<T>(y, cpu::gaussian_nll_sum(xp, m, lv, n), r, n); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::gaussian_nll_forward(xp, m, lv, n, count_div(r, n), data<T>(y));
          }));
    });
    return s;
  });
}

extern "C" vigil_status vigil_gaussian_nll_backward(const vigil_tensor* x,
                                                    const vigil_tensor* mu,
                                                    const vigil_tensor* logvar,
                                                    const vigil_tensor* dy, vigil_reduction r,
                                                    const vigil_tensor* dx,
                                                    const vigil_tensor* dmu,
                                                    const vigil_tensor* dlogvar) {
  const char* op = "gaussian_nll_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!x || !mu || !logvar) return fail(VIGIL_ERR_ARG, op, "x, mu and logvar are required");
    VIGIL_CHECK(check_elementwise(op, {{"x", x},
                                       {"mu", mu},
                                       {"logvar", logvar},
                                       {"dx", dx},
                                       {"dmu", dmu},
                                       {"dlogvar", dlogvar}}));
    VIGIL_CHECK(check_scalar(op, r, x, {"dy", dy}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(x);
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      const T *xp = data<T>(x), *m = data<T>(mu), *lv = data<T>(logvar);
      T *gx = data<T>(dx), *gm = data<T>(dmu), *glv = data<T>(dlogvar);
      s = dispatch(
          op, x->device,
          [&] { cpu::gaussian_nll_backward(xp, m, lv, n, grad_scale<T>(dy, r, n), gx, gm, glv); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::gaussian_nll_backward(xp, m, lv, n, data<T>(dy), count_div(r, n), gx, gm,
                                               glv);
          }));
    });
    return s;
  });
}

// ------------------------------------------------------------------------------- kl_normal

extern "C" vigil_status vigil_kl_normal_forward(const vigil_tensor* mu, const vigil_tensor* logvar,
                                                vigil_reduction r, const vigil_tensor* y) {
  const char* op = "kl_normal_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!mu || !logvar) return fail(VIGIL_ERR_ARG, op, "mu and logvar are required");
    VIGIL_CHECK(check_elementwise(op, {{"mu", mu}, {"logvar", logvar}}));
    VIGIL_CHECK(check_scalar(op, r, mu, {"y", y}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(mu);
    VIGIL_FLOAT_SWITCH(mu->dtype, T, {
      const T *m = data<T>(mu), *lv = data<T>(logvar);
      s = dispatch(
          op, mu->device, [&] { write_loss<T>(y, cpu::kl_normal_sum(m, lv, n), r, n); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::kl_normal_forward(m, lv, n, count_div(r, n), data<T>(y));
          }));
    });
    return s;
  });
}

extern "C" vigil_status vigil_kl_normal_backward(const vigil_tensor* mu,
                                                 const vigil_tensor* logvar,
                                                 const vigil_tensor* dy, vigil_reduction r,
                                                 const vigil_tensor* dmu,
                                                 const vigil_tensor* dlogvar) {
  const char* op = "kl_normal_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!mu || !logvar) return fail(VIGIL_ERR_ARG, op, "mu and logvar are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"mu", mu}, {"logvar", logvar}, {"dmu", dmu}, {"dlogvar", dlogvar}}));
    VIGIL_CHECK(check_scalar(op, r, mu, {"dy", dy}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(mu);
    VIGIL_FLOAT_SWITCH(mu->dtype, T, {
      const T *m = data<T>(mu), *lv = data<T>(logvar);
      T *gm = data<T>(dmu), *glv = data<T>(dlogvar);
      s = dispatch(
          op, mu->device,
          [&] { cpu::kl_normal_backward(m, lv, n, grad_scale<T>(dy, r, n), gm, glv); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::kl_normal_backward(m, lv, n, data<T>(dy), count_div(r, n), gm, glv);
          }));
    });
    return s;
  });
}

// ------------------------------------------------------------------------- bce_with_logits

extern "C" vigil_status vigil_bce_with_logits_forward(const vigil_tensor* logits,
                                                      const vigil_tensor* target,
                                                      vigil_reduction r, const vigil_tensor* y) {
  const char* op = "bce_with_logits_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!logits || !target) return fail(VIGIL_ERR_ARG, op, "logits and target are required");
    VIGIL_CHECK(check_elementwise(op, {{"logits", logits}, {"target", target}}));
    VIGIL_CHECK(check_scalar(op, r, logits, {"y", y}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(logits);
    VIGIL_FLOAT_SWITCH(logits->dtype, T, {
      const T *l = data<T>(logits), *t = data<T>(target);
      s = dispatch(
          op, logits->device, [&] { write_loss<T>(y, cpu::bce_with_logits_sum(l, t, n), r, n); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::bce_with_logits_forward(l, t, n, count_div(r, n), data<T>(y));
          }));
    });
    return s;
  });
}

extern "C" vigil_status vigil_bce_with_logits_backward(const vigil_tensor* logits,
                                                       const vigil_tensor* target,
                                                       const vigil_tensor* dy, vigil_reduction r,
                                                       const vigil_tensor* dlogits,
                                                       const vigil_tensor* dtarget) {
  const char* op = "bce_with_logits_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!logits || !target) return fail(VIGIL_ERR_ARG, op, "logits and target are required");
    VIGIL_CHECK(check_elementwise(op, {{"logits", logits},
                                       {"target", target},
                                       {"dlogits", dlogits},
                                       {"dtarget", dtarget}}));
    VIGIL_CHECK(check_scalar(op, r, logits, {"dy", dy}));
    vigil_status s = VIGIL_OK;
    const int64_t n = numel(logits);
    VIGIL_FLOAT_SWITCH(logits->dtype, T, {
      const T *l = data<T>(logits), *t = data<T>(target);
      T *gl = data<T>(dlogits), *gt = data<T>(dtarget);
      s = dispatch(
          op, logits->device,
          [&] { cpu::bce_with_logits_backward(l, t, n, grad_scale<T>(dy, r, n), gl, gt); },
          VIGIL_CUDA_KERNEL([&] {
            return cuda::bce_with_logits_backward(l, t, n, data<T>(dy), count_div(r, n), gl, gt);
          }));
    });
    return s;
  });
}
