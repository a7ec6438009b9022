// Entry points of batch_norm (ops.h): validation, then the [outer, C, inner] kernels.
#include <cmath>
#include <string>

#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/batch_norm.h"
#include "cuda/batch_norm.h"

using namespace vigil;

namespace {

// Normalises `axis` (negative counts from the end) and views x as [outer, C, inner].
vigil_status bn_layout(const char* op, const vigil_tensor* x, int axis, cpu::BnLayout* L,
                       int* ax) {
  if (x->ndim < 1) return fail(VIGIL_ERR_SHAPE, op, "x must have a channel axis", {{"x", x}});
  const int a = axis < 0 ? axis + x->ndim : axis;
  if (a < 0 || a >= x->ndim)
    return fail(VIGIL_ERR_SHAPE, op, "axis " + std::to_string(axis) + " out of range",
                {{"x", x}});
  L->outer = 1;
  L->inner = 1;
  for (int k = 0; k < a; ++k) L->outer *= x->shape[k];
  for (int k = a + 1; k < x->ndim; ++k) L->inner *= x->shape[k];
  L->C = x->shape[a];
  if (L->outer * L->C * L->inner == 0)
    return fail(VIGIL_ERR_SHAPE, op, "x has no elements", {{"x", x}});
  *ax = a;
  return VIGIL_OK;
}

// Every non-null per-channel tensor is 1-D of size C.
vigil_status per_channel(const char* op, int64_t C, std::initializer_list<Named> ts,
                         std::initializer_list<Named> all) {
  for (const Named& n : ts)
    if (n.t && !has_shape(n.t, {C}))
      return fail(VIGIL_ERR_SHAPE, op,
                  std::string(n.name) + " must be [" + std::to_string(C) + "] (channels)", all);
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_batch_norm_forward(const vigil_tensor* x, int axis,
                                                 const vigil_tensor* gamma,
                                                 const vigil_tensor* beta,
                                                 const vigil_tensor* running_mean,
                                                 const vigil_tensor* running_var, int training,
                                                 double momentum, double eps,
                                                 const vigil_tensor* y,
                                                 const vigil_tensor* save_mean,
                                                 const vigil_tensor* save_invstd) {
  const char* op = "batch_norm_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!x || !y) return fail(VIGIL_ERR_ARG, op, "x and y are required");
    const std::initializer_list<Named> all = {
        {"x", x},       {"gamma", gamma}, {"beta", beta},           {"running_mean", running_mean},
        {"running_var", running_var},     {"y", y},                 {"save_mean", save_mean},
        {"save_invstd", save_invstd}};
    VIGIL_CHECK(check_same(op, all));
    cpu::BnLayout L;
    int ax = 0;
    VIGIL_CHECK(bn_layout(op, x, axis, &L, &ax));
    if (!same_shape(x, y)) return fail(VIGIL_ERR_SHAPE, op, "y must have x's shape", all);
    VIGIL_CHECK(per_channel(op, L.C,
                            {{"gamma", gamma}, {"beta", beta}, {"running_mean", running_mean},
                             {"running_var", running_var}, {"save_mean", save_mean},
                             {"save_invstd", save_invstd}},
                            all));
    if (!training && (!running_mean || !running_var))
      return fail(VIGIL_ERR_ARG, op, "eval mode needs running_mean and running_var", all);
    if ((running_mean == nullptr) != (running_var == nullptr))
      return fail(VIGIL_ERR_ARG, op, "running_mean and running_var come together", all);
    if (training && L.count() < 2)
      return fail(VIGIL_ERR_SHAPE, op,
                  "training needs more than one value per channel (axis " + std::to_string(ax) +
                      ")",
                  all);
    if (!(eps >= 0) || !std::isfinite(eps))
      return fail(VIGIL_ERR_ARG, op, "eps must be finite and >= 0");
    if (!(momentum >= 0 && momentum <= 1))
      return fail(VIGIL_ERR_ARG, op, "momentum must be in [0, 1]");
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(op, x->device, batch_norm_forward<T>, data<T>(x), L, data<T>(gamma),
                         data<T>(beta), data<T>(running_mean), data<T>(running_var),
                         training != 0, momentum, eps, data<T>(y), data<T>(save_mean),
                         data<T>(save_invstd));
    });
    return s;
  });
}

extern "C" vigil_status vigil_batch_norm_backward(const vigil_tensor* x, int axis,
                                                  const vigil_tensor* gamma,
                                                  const vigil_tensor* save_mean,
                                                  const vigil_tensor* save_invstd,
                                                  const vigil_tensor* dy, int training,
                                                  const vigil_tensor* dx,
                                                  const vigil_tensor* dgamma,
                                                  const vigil_tensor* dbeta) {
  const char* op = "batch_norm_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!x || !save_mean || !save_invstd || !dy)
      return fail(VIGIL_ERR_ARG, op, "x, save_mean, save_invstd and dy are required");
    const std::initializer_list<Named> all = {
        {"x", x},   {"gamma", gamma}, {"save_mean", save_mean}, {"save_invstd", save_invstd},
        {"dy", dy}, {"dx", dx},       {"dgamma", dgamma},       {"dbeta", dbeta}};
    VIGIL_CHECK(check_same(op, all));
    cpu::BnLayout L;
    int ax = 0;
    VIGIL_CHECK(bn_layout(op, x, axis, &L, &ax));
    if (!same_shape(x, dy) || (dx && !same_shape(x, dx)))
      return fail(VIGIL_ERR_SHAPE, op, "dy and dx must have x's shape", all);
    VIGIL_CHECK(per_channel(op, L.C,
                            {{"gamma", gamma}, {"save_mean", save_mean},
                             {"save_invstd", save_invstd}, {"dgamma", dgamma}, {"dbeta", dbeta}},
                            all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(op, x->device, batch_norm_backward<T>, data<T>(x), L, data<T>(gamma),
                         data<T>(save_mean), data<T>(save_invstd), data<T>(dy), training != 0,
                         data<T>(dx), data<T>(dgamma), data<T>(dbeta));
    });
    return s;
  });
}
