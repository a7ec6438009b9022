// matmul and linear: C ABI entry points (ops.h). Every shape is checked here, errors name the op
// and the shapes, then the kernels of cpu/matmul.cpp run.
#include <string>
#include <vector>

#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/matmul.h"
#include "cuda/matmul.h"

using namespace vigil;

namespace {

std::string dims_str(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

bool shape_is(const vigil_tensor* t, const std::vector<int64_t>& dims) {
  if (!t || t->ndim != static_cast<int32_t>(dims.size())) return false;
  for (size_t i = 0; i < dims.size(); ++i)
    if (t->shape[i] != dims[i]) return false;
  return true;
}

// Fails unless the (non-null) tensor t has exactly `dims`.
vigil_status expect(const char* op, const char* name, const vigil_tensor* t,
                    const std::vector<int64_t>& dims, std::initializer_list<Named> all) {
  if (!t || shape_is(t, dims)) return VIGIL_OK;
  return fail(VIGIL_ERR_SHAPE, op, std::string(name) + " must be " + dims_str(dims), all);
}

// Reads the matmul sizes and y's shape from a and b (see ops.h).
vigil_status matmul_dims(const char* op, vt a, vt b, int ta, int tb,
                         std::initializer_list<Named> all, cpu::MatmulDims* d,
                         std::vector<int64_t>* y_shape) {
  if (!a || !b) return fail(VIGIL_ERR_ARG, op, "a and b are required", all);
  if (a->ndim < 2 || b->ndim < 2)
    return fail(VIGIL_ERR_SHAPE, op, "a and b need at least 2 dims", all);
  d->shared_b = b->ndim == 2 && a->ndim > 2;
  d->batch = 1;
  for (int k = 0; k < a->ndim - 2; ++k) d->batch *= a->shape[k];
  if (!d->shared_b) {
    bool same = a->ndim == b->ndim;
    for (int k = 0; same && k < a->ndim - 2; ++k) same = a->shape[k] == b->shape[k];
    if (!same)
      return fail(VIGIL_ERR_SHAPE, op,
                  "b must have a's batch dims or be 2-D (shared by every batch)", all);
  }
  const int64_t a0 = a->shape[a->ndim - 2], a1 = a->shape[a->ndim - 1];
  const int64_t b0 = b->shape[b->ndim - 2], b1 = b->shape[b->ndim - 1];
  d->ta = ta != 0;
  d->tb = tb != 0;
  d->M = d->ta ? a1 : a0;
  d->K = d->ta ? a0 : a1;
  const int64_t kb = d->tb ? b1 : b0;
  d->N = d->tb ? b0 : b1;
  if (kb != d->K)
    return fail(VIGIL_ERR_SHAPE, op,
                "inner dims differ: op(a) is " + dims_str({d->M, d->K}) + ", op(b) is " +
                    dims_str({kb, d->N}) + " (trans_a " + std::to_string(d->ta) + ", trans_b " +
                    std::to_string(d->tb) + ")",
                all);
  y_shape->assign(a->shape, a->shape + a->ndim - 2);
  y_shape->push_back(d->M);
  y_shape->push_back(d->N);
  return VIGIL_OK;
}

// Reads rows (product of x's leading dims), in and out from x [..., in] and w [out, in].
vigil_status linear_dims(const char* op, vt x, vt w, vt bias, std::initializer_list<Named> all,
                         int64_t* rows, int64_t* in, int64_t* out,
                         std::vector<int64_t>* y_shape) {
  if (!x || !w) return fail(VIGIL_ERR_ARG, op, "x and w are required", all);
  if (x->ndim < 1) return fail(VIGIL_ERR_SHAPE, op, "x must be [..., in]", all);
  *in = x->shape[x->ndim - 1];
  if (!has_shape(w, {-1, *in}))
    return fail(VIGIL_ERR_SHAPE, op, "w must be [out, in] with in = x's last dim", all);
  *out = w->shape[0];
  *rows = 1;
  for (int k = 0; k < x->ndim - 1; ++k) *rows *= x->shape[k];
  VIGIL_CHECK(expect(op, "bias", bias, {*out}, all));
  y_shape->assign(x->shape, x->shape + x->ndim - 1);
  y_shape->push_back(*out);
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_matmul_forward(vt a, vt b, vt y, int trans_a, int trans_b) {
  const char* op = "matmul";
  return guarded(op, [&]() -> vigil_status {
    const auto all = {Named{"a", a}, Named{"b", b}, Named{"y", y}};
    VIGIL_CHECK(check_same(op, all));
    cpu::MatmulDims d;
    std::vector<int64_t> ys;
    VIGIL_CHECK(matmul_dims(op, a, b, trans_a, trans_b, all, &d, &ys));
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is required", all);
    VIGIL_CHECK(expect(op, "y", y, ys, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(a->dtype, T,
                       s = VIGIL_DISPATCH(op, a->device, matmul_forward<T>, d, data<T>(a),
                                          data<T>(b), data<T>(y)));
    return s;
  });
}

extern "C" vigil_status vigil_matmul_backward(vt a, vt b, vt dy, vt da, vt db, int trans_a,
                                              int trans_b) {
  const char* op = "matmul_backward";
  return guarded(op, [&]() -> vigil_status {
    const auto all = {Named{"a", a}, Named{"b", b}, Named{"dy", dy}, Named{"da", da},
                      Named{"db", db}};
    VIGIL_CHECK(check_same(op, all));
    cpu::MatmulDims d;
    std::vector<int64_t> ys;
    VIGIL_CHECK(matmul_dims(op, a, b, trans_a, trans_b, all, &d, &ys));
    if (!dy) return fail(VIGIL_ERR_ARG, op, "dy is required", all);
    VIGIL_CHECK(expect(op, "dy", dy, ys, all));
    VIGIL_CHECK(expect(op, "da", da, {a->shape, a->shape + a->ndim}, all));
    VIGIL_CHECK(expect(op, "db", db, {b->shape, b->shape + b->ndim}, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(a->dtype, T,
                       s = VIGIL_DISPATCH(op, a->device, matmul_backward<T>, d, data<T>(a),
                                          data<T>(b), data<T>(dy), data<T>(da), data<T>(db)));
    return s;
  });
}

extern "C" vigil_status vigil_linear_forward(vt x, vt w, vt bias, vt y) {
  const char* op = "linear";
  return guarded(op, [&]() -> vigil_status {
    const auto all = {Named{"x", x}, Named{"w", w}, Named{"bias", bias}, Named{"y", y}};
    VIGIL_CHECK(check_same(op, all));
    int64_t rows, in, out;
    std::vector<int64_t> ys;
    VIGIL_CHECK(linear_dims(op, x, w, bias, all, &rows, &in, &out, &ys));
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is required", all);
    VIGIL_CHECK(expect(op, "y", y, ys, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T,
                       s = VIGIL_DISPATCH(op, x->device, linear_forward<T>, rows, in, out,
                                          data<T>(x), data<T>(w), data<T>(bias), data<T>(y)));
    return s;
  });
}

extern "C" vigil_status vigil_linear_backward(vt x, vt w, vt dy, vt dx, vt dw, vt dbias) {
  const char* op = "linear_backward";
  return guarded(op, [&]() -> vigil_status {
    const auto all = {Named{"x", x},   Named{"w", w},   Named{"dy", dy},
                      Named{"dx", dx}, Named{"dw", dw}, Named{"dbias", dbias}};
    VIGIL_CHECK(check_same(op, all));
    int64_t rows, in, out;
    std::vector<int64_t> ys;
    VIGIL_CHECK(linear_dims(op, x, w, nullptr, all, &rows, &in, &out, &ys));
    if (!dy) return fail(VIGIL_ERR_ARG, op, "dy is required", all);
    VIGIL_CHECK(expect(op, "dy", dy, ys, all));
    VIGIL_CHECK(expect(op, "dx", dx, {x->shape, x->shape + x->ndim}, all));
    VIGIL_CHECK(expect(op, "dw", dw, {w->shape, w->shape + w->ndim}, all));
    VIGIL_CHECK(expect(op, "dbias", dbias, {out}, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T,
                       s = VIGIL_DISPATCH(op, x->device, linear_backward<T>, rows, in, out,
                                          data<T>(x), data<T>(w), data<T>(dy), data<T>(dx),
                                          data<T>(dw), data<T>(dbias)));
    return s;
  });
}
