// Entry points of the Philox stream: random_fill, dropout, reparam_sample (ops.h).
#include <cmath>

#include "api/same_shapes.h"
#include "core/dispatch.h"
#include "cpu/random.h"
#include "cuda/random.h"

using namespace vigil;

extern "C" uint64_t vigil_random_blocks(vigil_rng_dist dist, int64_t n) {
  return dist == VIGIL_RNG_NORMAL ? cpu::normal_blocks(n) : cpu::uniform_blocks(n);
}

extern "C" vigil_status vigil_random_fill(const vigil_tensor* y, vigil_rng_dist dist, double a,
                                          double b, uint64_t seed, uint64_t offset) {
  const char* op = "random_fill";
  return guarded(op, [&]() -> vigil_status {
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is null");
    VIGIL_CHECK(check_same(op, {{"y", y}}));
    if (dist != VIGIL_RNG_UNIFORM && dist != VIGIL_RNG_NORMAL)
      return fail(VIGIL_ERR_ARG, op, "dist must be UNIFORM (0) or NORMAL (1), got " +
                                         std::to_string(static_cast<int>(dist)));
    if (!std::isfinite(a) || !std::isfinite(b))
      return fail(VIGIL_ERR_ARG, op, "a and b must be finite");
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(y->dtype, T, {
      if (dist == VIGIL_RNG_UNIFORM)
        s = VIGIL_DISPATCH(op, y->device, random_uniform<T>, data<T>(y), numel(y), a, b, seed,
                           offset);
      else
        s = VIGIL_DISPATCH(op, y->device, random_normal<T>, data<T>(y), numel(y), a, b, seed,
                           offset);
    });
    return s;
  });
}

extern "C" vigil_status vigil_dropout_forward(const vigil_tensor* x, double p, uint64_t seed,
                                              uint64_t offset, const vigil_tensor* y,
                                              const vigil_tensor* mask) {
  const char* op = "dropout_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!x || !y || !mask) return fail(VIGIL_ERR_ARG, op, "x, y and mask are required");
    VIGIL_CHECK(check_elementwise(op, {{"x", x}, {"y", y}, {"mask", mask}}));
    if (!(p >= 0 && p < 1))
      return fail(VIGIL_ERR_ARG, op, "p must be in [0, 1), got " + std::to_string(p));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(op, x->device, dropout_forward<T>, data<T>(x), numel(x), p, seed, offset,
                         data<T>(y), data<T>(mask));
    });
    return s;
  });
}

extern "C" vigil_status vigil_dropout_backward(const vigil_tensor* dy, const vigil_tensor* mask,
                                               const vigil_tensor* dx) {
  const char* op = "dropout_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!dy || !mask) return fail(VIGIL_ERR_ARG, op, "dy and mask are required");
    VIGIL_CHECK(check_elementwise(op, {{"dy", dy}, {"mask", mask}, {"dx", dx}}));
    if (!dx) return VIGIL_OK;
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(dy->dtype, T, {
      s = VIGIL_DISPATCH(op, dy->device, dropout_backward<T>, data<T>(dy), data<T>(mask),
                         numel(dy), data<T>(dx));
    });
    return s;
  });
}

extern "C" vigil_status vigil_reparam_sample_forward(const vigil_tensor* mu,
                                                     const vigil_tensor* logvar, uint64_t seed,
                                                     uint64_t offset, const vigil_tensor* z,
                                                     const vigil_tensor* eps) {
  const char* op = "reparam_sample_forward";
  return guarded(op, [&]() -> vigil_status {
    if (!mu || !logvar || !z || !eps)
      return fail(VIGIL_ERR_ARG, op, "mu, logvar, z and eps are required");
    VIGIL_CHECK(
        check_elementwise(op, {{"mu", mu}, {"logvar", logvar}, {"z", z}, {"eps", eps}}));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(mu->dtype, T, {
      s = VIGIL_DISPATCH(op, mu->device, reparam_sample_forward<T>, data<T>(mu), data<T>(logvar),
                         numel(mu), seed, offset, data<T>(z), data<T>(eps));
    });
    return s;
  });
}

extern "C" vigil_status vigil_reparam_sample_backward(const vigil_tensor* logvar,
                                                      const vigil_tensor* eps,
                                                      const vigil_tensor* dz,
                                                      const vigil_tensor* dmu,
                                                      const vigil_tensor* dlogvar) {
  const char* op = "reparam_sample_backward";
  return guarded(op, [&]() -> vigil_status {
    if (!logvar || !eps || !dz) return fail(VIGIL_ERR_ARG, op, "logvar, eps and dz are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"logvar", logvar}, {"eps", eps}, {"dz", dz}, {"dmu", dmu}, {"dlogvar", dlogvar}}));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(dz->dtype, T, {
      s = VIGIL_DISPATCH(op, dz->device, reparam_sample_backward<T>, data<T>(logvar),
                         data<T>(eps), data<T>(dz), numel(dz), data<T>(dmu), data<T>(dlogvar));
    });
    return s;
  });
}
