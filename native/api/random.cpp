// Entry points of the Philox stream: random_fill, dropout, reparam_sample (ops.h).
#include <cmath>

#include "api/same_shapes.h"
#include "cpu/random.h"

using namespace vigil;

extern "C" uint64_t vigil_random_blocks(vigil_rng_dist dist, int64_t n) {
  return dist == VIGIL_RNG_NORMAL ? cpu::normal_blocks(n) : cpu::uniform_blocks(n);
}

extern "C" vigil_status vigil_random_fill(const vigil_tensor* y, vigil_rng_dist dist, double a,
                                          double b, uint64_t seed, uint64_t offset) {
  const char* op = "random_fill";
  return guarded(op, [&] {
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is null");
    VIGIL_CHECK(check_same(op, {{"y", y}}));
    VIGIL_CHECK(require_cpu(op, {{"y", y}}));
    if (dist != VIGIL_RNG_UNIFORM && dist != VIGIL_RNG_NORMAL)
      return fail(VIGIL_ERR_ARG, op, "dist must be UNIFORM (0) or NORMAL (1), got " +
                                         std::to_string(static_cast<int>(dist)));
    if (!std::isfinite(a) || !std::isfinite(b))
      return fail(VIGIL_ERR_ARG, op, "a and b must be finite");
    VIGIL_FLOAT_SWITCH(y->dtype, T, {
      if (dist == VIGIL_RNG_UNIFORM)
        cpu::random_uniform(data<T>(y), numel(y), a, b, seed, offset);
      else
        cpu::random_normal(data<T>(y), numel(y), a, b, seed, offset);
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_dropout_forward(const vigil_tensor* x, double p, uint64_t seed,
                                              uint64_t offset, const vigil_tensor* y,
                                              const vigil_tensor* mask) {
  const char* op = "dropout_forward";
  return guarded(op, [&] {
    if (!x || !y || !mask) return fail(VIGIL_ERR_ARG, op, "x, y and mask are required");
    VIGIL_CHECK(check_elementwise(op, {{"x", x}, {"y", y}, {"mask", mask}}));
    if (!(p >= 0 && p < 1))
      return fail(VIGIL_ERR_ARG, op, "p must be in [0, 1), got " + std::to_string(p));
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      cpu::dropout_forward(data<T>(x), numel(x), p, seed, offset, data<T>(y), data<T>(mask));
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_dropout_backward(const vigil_tensor* dy, const vigil_tensor* mask,
                                               const vigil_tensor* dx) {
  const char* op = "dropout_backward";
  return guarded(op, [&] {
    if (!dy || !mask) return fail(VIGIL_ERR_ARG, op, "dy and mask are required");
    VIGIL_CHECK(check_elementwise(op, {{"dy", dy}, {"mask", mask}, {"dx", dx}}));
    if (!dx) return VIGIL_OK;
    VIGIL_FLOAT_SWITCH(dy->dtype, T, {
      cpu::dropout_backward(data<T>(dy), data<T>(mask), numel(dy), data<T>(dx));
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_reparam_sample_forward(const vigil_tensor* mu,
                                                     const vigil_tensor* logvar, uint64_t seed,
                                                     uint64_t offset, const vigil_tensor* z,
                                                     const vigil_tensor* eps) {
  const char* op = "reparam_sample_forward";
  return guarded(op, [&] {
    if (!mu || !logvar || !z || !eps)
      return fail(VIGIL_ERR_ARG, op, "mu, logvar, z and eps are required");
    VIGIL_CHECK(
        check_elementwise(op, {{"mu", mu}, {"logvar", logvar}, {"z", z}, {"eps", eps}}));
    VIGIL_FLOAT_SWITCH(mu->dtype, T, {
      cpu::reparam_sample_forward(data<T>(mu), data<T>(logvar), numel(mu), seed, offset,
                                  data<T>(z), data<T>(eps));
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_reparam_sample_backward(const vigil_tensor* logvar,
                                                      const vigil_tensor* eps,
                                                      const vigil_tensor* dz,
                                                      const vigil_tensor* dmu,
                                                      const vigil_tensor* dlogvar) {
  const char* op = "reparam_sample_backward";
  return guarded(op, [&] {
    if (!logvar || !eps || !dz) return fail(VIGIL_ERR_ARG, op, "logvar, eps and dz are required");
    VIGIL_CHECK(check_elementwise(
        op, {{"logvar", logvar}, {"eps", eps}, {"dz", dz}, {"dmu", dmu}, {"dlogvar", dlogvar}}));
    VIGIL_FLOAT_SWITCH(dz->dtype, T, {
      cpu::reparam_sample_backward(data<T>(logvar), data<T>(eps), data<T>(dz), numel(dz),
                                   data<T>(dmu), data<T>(dlogvar));
    });
    return VIGIL_OK;
  });
}
