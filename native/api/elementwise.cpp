// Entry points of the element-wise ops: broadcast and shape checks, then the CPU kernels.
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/elementwise.h"
#include "cuda/elementwise.h"

using namespace vigil;

namespace {

const char* binary_name(vigil_binary_op op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow"};
  return op >= VIGIL_ADD && op <= VIGIL_POW ? names[op] : "binary op";
}

const char* unary_name(vigil_unary_op op) {
  static const char* names[] = {"neg",  "exp",     "log",      "sqrt",   "tanh",
                                "sigmoid", "relu", "leaky_relu", "elu", "selu",
                                "softplus", "affine", "pows",   "abs",    "square",
                                "hard_sigmoid"};
  return op >= VIGIL_NEG && op <= VIGIL_HARD_SIGMOID ? names[op] : "unary op";
}

// ys = the numpy broadcast of a and b; false when some dim pair is neither equal nor has a 1
bool broadcast_shape(const vigil_tensor* a, const vigil_tensor* b, cpu::Shape& ys) {
  ys.ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
  for (int k = 0; k < ys.ndim; ++k) {
    const int ia = k - (ys.ndim - a->ndim), ib = k - (ys.ndim - b->ndim);
    const int64_t da = ia < 0 ? 1 : a->shape[ia], db = ib < 0 ? 1 : b->shape[ib];
    if (da != db && da != 1 && db != 1) return false;
    ys.d[k] = da == 1 ? db : da;
  }
  return true;
}

bool has_dims(const vigil_tensor* t, const cpu::Shape& s) {
  if (t->ndim != s.ndim) return false;
  for (int k = 0; k < s.ndim; ++k)
    if (t->shape[k] != s.d[k]) return false;
  return true;
}

// Shared prologue of binary forward and backward: y_or_dy must have the broadcast shape.
vigil_status check_binary(const char* op, const vigil_tensor* a, const vigil_tensor* b,
                          const vigil_tensor* y, const char* y_name, cpu::Shape& ys) {
  if (!a || !b || !y) return fail(VIGIL_ERR_ARG, op, std::string("a, b and ") + y_name + " are required");
  VIGIL_CHECK(check_same(op, {{"a", a}, {"b", b}, {y_name, y}}));
  if (!broadcast_shape(a, b, ys))
    return fail(VIGIL_ERR_SHAPE, op, "a and b do not broadcast", {{"a", a}, {"b", b}});
  if (!has_dims(y, ys))
    return fail(VIGIL_ERR_SHAPE, op, std::string(y_name) + " must have the broadcast shape of a and b",
                {{"a", a}, {"b", b}, {y_name, y}});
  return VIGIL_OK;
}

bool valid_binary(vigil_binary_op op) { return op >= VIGIL_ADD && op <= VIGIL_POW; }
bool valid_unary(vigil_unary_op op) { return op >= VIGIL_NEG && op <= VIGIL_HARD_SIGMOID; }

}  // namespace

extern "C" vigil_status vigil_binary_forward(vigil_binary_op op, const vigil_tensor* a,
                                             const vigil_tensor* b, const vigil_tensor* y) {
  const char* name = binary_name(op);
  return guarded(name, [&]() -> vigil_status {
    if (!valid_binary(op)) return fail(VIGIL_ERR_ARG, name, "unknown binary op " + std::to_string(op));
    cpu::Shape ys;
    VIGIL_CHECK(check_binary(name, a, b, y, "y", ys));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(a->dtype, T, {
      s = VIGIL_DISPATCH(name, a->device, binary_forward<T>, op, data<T>(a), cpu::Shape(a),
                         data<T>(b), cpu::Shape(b), data<T>(y), ys);
    });
    return s;
  });
}

extern "C" vigil_status vigil_binary_backward(vigil_binary_op op, const vigil_tensor* a,
                                              const vigil_tensor* b, const vigil_tensor* dy,
                                              const vigil_tensor* da, const vigil_tensor* db) {
  const char* name = binary_name(op);
  return guarded(name, [&]() -> vigil_status {
    if (!valid_binary(op)) return fail(VIGIL_ERR_ARG, name, "unknown binary op " + std::to_string(op));
    cpu::Shape ys;
    VIGIL_CHECK(check_binary(name, a, b, dy, "dy", ys));
    VIGIL_CHECK(check_same(name, {{"a", a}, {"dy", dy}, {"da", da}, {"db", db}}));
    if (da && !same_shape(da, a))
      return fail(VIGIL_ERR_SHAPE, name, "da must have the shape of a", {{"a", a}, {"da", da}});
    if (db && !same_shape(db, b))
      return fail(VIGIL_ERR_SHAPE, name, "db must have the shape of b", {{"b", b}, {"db", db}});
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(a->dtype, T, {
      s = VIGIL_DISPATCH(name, a->device, binary_backward<T>, op, data<T>(a), cpu::Shape(a),
                         data<T>(b), cpu::Shape(b), data<T>(dy), ys, data<T>(da), data<T>(db));
    });
    return s;
  });
}

extern "C" vigil_status vigil_unary_forward(vigil_unary_op op, const vigil_tensor* x,
                                            const vigil_tensor* y, double p0, double p1) {
  const char* name = unary_name(op);
  return guarded(name, [&]() -> vigil_status {
    if (!valid_unary(op)) return fail(VIGIL_ERR_ARG, name, "unknown unary op " + std::to_string(op));
    if (!x || !y) return fail(VIGIL_ERR_ARG, name, "x and y are required");
    VIGIL_CHECK(check_same(name, {{"x", x}, {"y", y}}));
    if (!same_shape(x, y)) return fail(VIGIL_ERR_SHAPE, name, "y must have the shape of x", {{"x", x}, {"y", y}});
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(name, x->device, unary_forward<T>, op, data<T>(x), data<T>(y), numel(x),
                         p0, p1);
    });
    return s;
  });
}

extern "C" vigil_status vigil_unary_backward(vigil_unary_op op, const vigil_tensor* x,
                                             const vigil_tensor* y, const vigil_tensor* dy,
                                             const vigil_tensor* dx, double p0, double p1) {
  const char* name = unary_name(op);
  return guarded(name, [&]() -> vigil_status {
    if (!valid_unary(op)) return fail(VIGIL_ERR_ARG, name, "unknown unary op " + std::to_string(op));
    if (!x || !y || !dy) return fail(VIGIL_ERR_ARG, name, "x, y and dy are required");
    const std::initializer_list<Named> ts = {{"x", x}, {"y", y}, {"dy", dy}, {"dx", dx}};
    VIGIL_CHECK(check_same(name, ts));
    if (!same_shape(x, y) || !same_shape(x, dy) || (dx && !same_shape(x, dx)))
      return fail(VIGIL_ERR_SHAPE, name, "x, y, dy and dx must have one shape", ts);
    if (!dx) return VIGIL_OK;
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH(name, x->device, unary_backward<T>, op, data<T>(x), data<T>(y),
                         data<T>(dy), data<T>(dx), numel(x), p0, p1);
    });
    return s;
  });
}
