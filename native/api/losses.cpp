// Entry points of the losses (ops.h): mse, gaussian_nll, kl_normal, bce_with_logits.
// Inputs and gradients share one shape; y / dy hold one element.
#include <string>

#include "api/same_shapes.h"
#include "cpu/losses.h"

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
  VIGIL_CHECK(require_cpu(op, {y}));
  if (numel(y.t) != 1)
    return fail(VIGIL_ERR_SHAPE, op, std::string(y.name) + " must have one element", {y});
  return VIGIL_OK;
}

double count_div(vigil_reduction r, int64_t n) {
  return r == VIGIL_REDUCE_MEAN ? static_cast<double>(n) : 1.0;
}

// Writes the reduced loss into the one-element y.
template <typename T>
void write_loss(const vigil_tensor* y, double sum, vigil_reduction r, int64_t n) {
  *data<T>(y) = static_cast<T>(sum / count_div(r, n));
}

// The factor every per-element derivative is multiplied by: dy, divided by n for MEAN.
template <typename T>
double grad_scale(const vigil_tensor* dy, vigil_reduction r, int64_t n) {
  return static_cast<double>(*data<T>(dy)) / count_div(r, n);
}

}  // namespace

// ------------------------------------------------------------------------------------ mse

extern "C" vigil_status vigil_mse_forward(const vigil_tensor* pred, const vigil_tensor* target,
                                          vigil_reduction r, const vigil_tensor* y) {
  const char* op = "mse_forward";
  return guarded(op, [&] {
    if (!pred || !target) return fail(VIGIL_ERR_ARG, op, "pred and target are required");
    VIGIL_CHECK(check_elementwise(op, {{"pred", pred}, {"target", target}}));
    VIGIL_CHECK(check_scalar(op, r, pred, {"y", y}));
    VIGIL_FLOAT_SWITCH(pred->dtype, T, {
      write_loss<T>(y, cpu::mse_sum(data<T>(pred), data<T>(target), numel(pred)), r,
                    numel(pred));
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_mse_backward(const vigil_tensor* pred, const vigil_tensor* target,
                                           const vigil_tensor* dy, vigil_reduction r,
                                           const vigil_tensor* dpred,
                                           const vigil_tensor* dtarget) {
  const char* op = "mse_backward";
  return guarded(op, [&] {
    if (!pred || !target) return fail(VIGIL_ERR_ARG, op, "pred and target are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"pred", pred}, {"target", target}, {"dpred", dpred}, {"dtarget", dtarget}}));
    VIGIL_CHECK(check_scalar(op, r, pred, {"dy", dy}));
    VIGIL_FLOAT_SWITCH(pred->dtype, T, {
      cpu::mse_backward(data<T>(pred), data<T>(target), numel(pred),
                        grad_scale<T>(dy, r, numel(pred)), data<T>(dpred), data<T>(dtarget));
    });
    return VIGIL_OK;
  });
}

// ---------------------------------------------------------------------------- gaussian_nll

extern "C" vigil_status vigil_gaussian_nll_forward(const vigil_tensor* x, const vigil_tensor* mu,
                                                   const vigil_tensor* logvar, vigil_reduction r,
                                                   const vigil_tensor* y) {
  const char* op = "gaussian_nll_forward";
  return guarded(op, [&] {
    if (!x || !mu || !logvar) return fail(VIGIL_ERR_ARG, op, "x, mu and logvar are required");
    VIGIL_CHECK(check_elementwise(op, {{"x", x}, {"mu", mu}, {"logvar", logvar}}));
    VIGIL_CHECK(check_scalar(op, r, x, {"y", y}));
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      write_loss<T>(y, cpu::gaussian_nll_sum(data<T>(x), data<T>(mu), data<T>(logvar), numel(x)),
                    r, numel(x));
    });
    return VIGIL_OK;
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
  return guarded(op, [&] {
    if (!x || !mu || !logvar) return fail(VIGIL_ERR_ARG, op, "x, mu and logvar are required");
    VIGIL_CHECK(check_elementwise(op, {{"x", x},
                                       {"mu", mu},
                                       {"logvar", logvar},
                                       {"dx", dx},
                                       {"dmu", dmu},
                                       {"dlogvar", dlogvar}}));
    VIGIL_CHECK(check_scalar(op, r, x, {"dy", dy}));
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      cpu::gaussian_nll_backward(data<T>(x), data<T>(mu), data<T>(logvar), numel(x),
                                 grad_scale<T>(dy, r, numel(x)), data<T>(dx), data<T>(dmu),
                                 data<T>(dlogvar));
    });
    return VIGIL_OK;
  });
}

// ------------------------------------------------------------------------------- kl_normal

extern "C" vigil_status vigil_kl_normal_forward(const vigil_tensor* mu, const vigil_tensor* logvar,
                                                vigil_reduction r, const vigil_tensor* y) {
  const char* op = "kl_normal_forward";
  return guarded(op, [&] {
    if (!mu || !logvar) return fail(VIGIL_ERR_ARG, op, "mu and logvar are required");
    VIGIL_CHECK(check_elementwise(op, {{"mu", mu}, {"logvar", logvar}}));
    VIGIL_CHECK(check_scalar(op, r, mu, {"y", y}));
    VIGIL_FLOAT_SWITCH(mu->dtype, T, {
      write_loss<T>(y, cpu::kl_normal_sum(data<T>(mu), data<T>(logvar), numel(mu)), r,
                    numel(mu));
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_kl_normal_backward(const vigil_tensor* mu,
                                                 const vigil_tensor* logvar,
                                                 const vigil_tensor* dy, vigil_reduction r,
                                                 const vigil_tensor* dmu,
                                                 const vigil_tensor* dlogvar) {
  const char* op = "kl_normal_backward";
  return guarded(op, [&] {
    if (!mu || !logvar) return fail(VIGIL_ERR_ARG, op, "mu and logvar are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"mu", mu}, {"logvar", logvar}, {"dmu", dmu}, {"dlogvar", dlogvar}}));
    VIGIL_CHECK(check_scalar(op, r, mu, {"dy", dy}));
    VIGIL_FLOAT_SWITCH(mu->dtype, T, {
      cpu::kl_normal_backward(data<T>(mu), data<T>(logvar), numel(mu),
                              grad_scale<T>(dy, r, numel(mu)), data<T>(dmu), data<T>(dlogvar));
    });
    return VIGIL_OK;
  });
}

// ------------------------------------------------------------------------- bce_with_logits

extern "C" vigil_status vigil_bce_with_logits_forward(const vigil_tensor* logits,
                                                      const vigil_tensor* target,
                                                      vigil_reduction r, const vigil_tensor* y) {
  const char* op = "bce_with_logits_forward";
  return guarded(op, [&] {
    if (!logits || !target) return fail(VIGIL_ERR_ARG, op, "logits and target are required");
    VIGIL_CHECK(check_elementwise(op, {{"logits", logits}, {"target", target}}));
    VIGIL_CHECK(check_scalar(op, r, logits, {"y", y}));
    VIGIL_FLOAT_SWITCH(logits->dtype, T, {
      write_loss<T>(y, cpu::bce_with_logits_sum(data<T>(logits), data<T>(target), numel(logits)),
                    r, numel(logits));
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_bce_with_logits_backward(const vigil_tensor* logits,
                                                       const vigil_tensor* target,
                                                       const vigil_tensor* dy, vigil_reduction r,
                                                       const vigil_tensor* dlogits,
                                                       const vigil_tensor* dtarget) {
  const char* op = "bce_with_logits_backward";
  return guarded(op, [&] {
    if (!logits || !target) return fail(VIGIL_ERR_ARG, op, "logits and target are required");
    VIGIL_CHECK(check_elementwise(op, {{"logits", logits},
                                       {"target", target},
                                       {"dlogits", dlogits},
                                       {"dtarget", dtarget}}));
    VIGIL_CHECK(check_scalar(op, r, logits, {"dy", dy}));
    VIGIL_FLOAT_SWITCH(logits->dtype, T, {
      cpu::bce_with_logits_backward(data<T>(logits), data<T>(target), numel(logits),
                                    grad_scale<T>(dy, r, numel(logits)), data<T>(dlogits),
                                    data<T>(dtarget));
    });
    return VIGIL_OK;
  });
}
