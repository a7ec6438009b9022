// Entry points of sum/mean/max over an axes mask and of softmax / log_softmax.
#include <limits>

#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/reduce.h"
#include "cuda/basic.h"
#include "cuda/reduce.h"

using namespace vigil;

namespace {

const char* reduce_name(vigil_reduce_op op) {
  static const char* names[] = {"sum", "mean", "max"};
  return op >= VIGIL_SUM && op <= VIGIL_MAX ? names[op] : "reduce";
}

// x's shape with the masked axes set to 1 (the keep-dim output shape)
cpu::Shape kept_shape(const vigil_tensor* x, uint32_t mask) {
  cpu::Shape s(x);
  for (int k = 0; k < s.ndim; ++k)
    if (mask >> k & 1u) s.d[k] = 1;
  return s;
}

bool has_dims(const vigil_tensor* t, const cpu::Shape& s) {
  if (!t || t->ndim != s.ndim) return false;
  for (int k = 0; k < s.ndim; ++k)
    if (t->shape[k] != s.d[k]) return false;
  return true;
}

// Validates op, mask and the keep-dim tensors; sets ys and the group size.
vigil_status check_reduce(const char* name, vigil_reduce_op op, const vigil_tensor* x,
                          uint32_t mask, std::initializer_list<Named> kept, cpu::Shape& ys,
                          int64_t& count) {
  if (op < VIGIL_SUM || op > VIGIL_MAX) return fail(VIGIL_ERR_ARG, name, "unknown reduce op");
  if (!x) return fail(VIGIL_ERR_ARG, name, "x is required");
  if (x->ndim < 32 && (mask >> x->ndim) != 0)
    return fail(VIGIL_ERR_ARG, name,
                "axes mask " + std::to_string(mask) + " names an axis beyond the rank of x",
                {{"x", x}});
  ys = kept_shape(x, mask);
  count = 1;
  for (int k = 0; k < x->ndim; ++k)
    if (mask >> k & 1u) count *= x->shape[k];
  for (const Named& n : kept)
    if (!has_dims(n.t, ys))
      return fail(VIGIL_ERR_SHAPE, name,
                  std::string(n.name) + " must have the shape of x with the reduced axes set to 1",
                  {{"x", x}, n});
  if (op == VIGIL_MAX && count == 0 && ys.numel() > 0)
    return fail(VIGIL_ERR_SHAPE, name, "max over an empty axis", {{"x", x}});
  return VIGIL_OK;
}

// [outer, n, inner] view of x around `axis` (negative counts from the end); false when out of range
bool axis_view(const vigil_tensor* x, int& axis, int64_t& outer, int64_t& n, int64_t& inner) {
  if (axis < 0) axis += x->ndim;
  if (axis < 0 || axis >= x->ndim) return false;
  outer = inner = 1;
  for (int k = 0; k < axis; ++k) outer *= x->shape[k];
  for (int k = axis + 1; k < x->ndim; ++k) inner *= x->shape[k];
  n = x->shape[axis];
  return true;
}

}  // namespace

extern "C" vigil_status vigil_reduce_forward(vigil_reduce_op op, const vigil_tensor* x,
                                             uint32_t axes_mask, const vigil_tensor* y) {
  const char* name = reduce_name(op);
  return guarded(name, [&]() -> vigil_status {
    VIGIL_CHECK(check_same(name, {{"x", x}, {"y", y}}));
    cpu::Shape ys;
    int64_t count = 0;
    VIGIL_CHECK(check_reduce(name, op, x, axes_mask, {{"y", y}}, ys, count));
    const cpu::Shape xs(x);
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      if (op == VIGIL_MAX) {
        s = VIGIL_DISPATCH(name, x->device, max_to<T>, data<T>(x), xs, data<T>(y), ys);
      } else if (count == 0 && op == VIGIL_MEAN) {  // the mean of nothing, as PyTorch: NaN
        const double nan = std::numeric_limits<double>::quiet_NaN();
        T* p = data<T>(y);
        s = dispatch(
            name, x->device,
            [&] {
              for (int64_t j = 0; j < ys.numel(); ++j) p[j] = static_cast<T>(nan);
            },
            VIGIL_CUDA_KERNEL([&] { return cuda::fill<T>(p, ys.numel(), nan); }));
      } else {
        const double scale = op == VIGIL_MEAN ? 1.0 / static_cast<double>(count) : 1.0;
        s = VIGIL_DISPATCH(name, x->device, sum_to<T>, data<T>(x), xs, data<T>(y), ys, scale,
                           false);
      }
    });
    return s;
  });
}

extern "C" vigil_status vigil_reduce_backward(vigil_reduce_op op, const vigil_tensor* x,
                                              const vigil_tensor* y, const vigil_tensor* dy,
                                              uint32_t axes_mask, const vigil_tensor* dx) {
  const char* name = reduce_name(op);
  return guarded(name, [&]() -> vigil_status {
    const std::initializer_list<Named> ts = {{"x", x}, {"y", y}, {"dy", dy}, {"dx", dx}};
    VIGIL_CHECK(check_same(name, ts));
    cpu::Shape ys;
    int64_t count = 0;
    VIGIL_CHECK(check_reduce(name, op, x, axes_mask, {{"y", y}, {"dy", dy}}, ys, count));
    if (dx && !same_shape(dx, x))
      return fail(VIGIL_ERR_SHAPE, name, "dx must have the shape of x", {{"x", x}, {"dx", dx}});
    if (!dx || count == 0) return VIGIL_OK;
    const cpu::Shape xs(x);
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      if (op == VIGIL_MAX)
        s = VIGIL_DISPATCH(name, x->device, max_to_backward<T>, data<T>(x), xs, data<T>(dy), ys,
                           data<T>(dx));
      else
        s = VIGIL_DISPATCH(name, x->device, expand_add<T>, data<T>(dy), ys, data<T>(dx), xs,
                           op == VIGIL_MEAN ? 1.0 / static_cast<double>(count) : 1.0);
    });
    return s;
  });
}

extern "C" vigil_status vigil_softmax_forward(const vigil_tensor* x, int axis, int log,
                                              const vigil_tensor* y) {
  const char* name = log ? "log_softmax" : "softmax";
  return guarded(name, [&]() -> vigil_status {
    if (!x || !y) return fail(VIGIL_ERR_ARG, name, "x and y are required");
    VIGIL_CHECK(check_same(name, {{"x", x}, {"y", y}}));
    int64_t outer, n, inner;
    const int given = axis;
    if (!axis_view(x, axis, outer, n, inner))
      return fail(VIGIL_ERR_ARG, name, "axis " + std::to_string(given) + " out of range", {{"x", x}});
    if (!same_shape(x, y)) return fail(VIGIL_ERR_SHAPE, name, "y must have the shape of x", {{"x", x}, {"y", y}});
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(name, x->device, softmax_forward<T>, data<T>(x), outer, n, inner,
                         log != 0, data<T>(y));
    });
    return s;
  });
}

extern "C" vigil_status vigil_softmax_backward(const vigil_tensor* y, const vigil_tensor* dy,
                                               int axis, int log, const vigil_tensor* dx) {
  const char* name = log ? "log_softmax" : "softmax";
  return guarded(name, [&]() -> vigil_status {
    if (!y || !dy) return fail(VIGIL_ERR_ARG, name, "y and dy are required");
    const std::initializer_list<Named> ts = {{"y", y}, {"dy", dy}, {"dx", dx}};
    VIGIL_CHECK(check_same(name, ts));
    int64_t outer, n, inner;
    const int given = axis;
    if (!axis_view(y, axis, outer, n, inner))
      return fail(VIGIL_ERR_ARG, name, "axis " + std::to_string(given) + " out of range", {{"y", y}});
    if (!same_shape(y, dy) || (dx && !same_shape(y, dx)))
      return fail(VIGIL_ERR_SHAPE, name, "y, dy and dx must have one shape", ts);
    if (!dx) return VIGIL_OK;
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(y->dtype, T, {
      s = VIGIL_DISPATCH(name, y->device, softmax_backward<T>, data<T>(y), data<T>(dy), outer, n,
                         inner, log != 0, data<T>(dx));
    });
    return s;
  });
}
