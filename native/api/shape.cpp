// Entry points of permute, axis_copy (concat and slice) and repeat.
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/shape.h"
#include "cuda/shape.h"

using namespace vigil;

namespace {

// perm is a permutation of 0..ndim-1
bool is_permutation(const int32_t* perm, int ndim) {
  if (ndim > 0 && !perm) return false;
  bool seen[VIGIL_MAX_DIMS] = {};
  for (int k = 0; k < ndim; ++k) {
    if (perm[k] < 0 || perm[k] >= ndim || seen[perm[k]]) return false;
    seen[perm[k]] = true;
  }
  return true;
}

std::string ints_str(const int32_t* v, int n) {
  std::string s = "[";
  for (int k = 0; k < n; ++k) s += (k ? "," : "") + std::to_string(v[k]);
  return s + "]";
}

// Validates permute's tensors: `from` permuted by perm has the shape of `to`.
vigil_status check_permute(const char* from_name, const vigil_tensor* from, const int32_t* perm,
                           const char* to_name, const vigil_tensor* to) {
  if (!from || !to) return fail(VIGIL_ERR_ARG, "permute", "both tensors are required");
  const std::initializer_list<Named> ts = {{from_name, from}, {to_name, to}};
  VIGIL_CHECK(check_same("permute", ts));
  if (!is_permutation(perm, from->ndim))
    return fail(VIGIL_ERR_ARG, "permute",
                "perm " + (perm ? ints_str(perm, from->ndim) : std::string("null")) +
                    " is not a permutation of the axes", ts);
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_permute_forward(const vigil_tensor* x, const int32_t* perm,
                                              const vigil_tensor* y) {
  return guarded("permute", [&]() -> vigil_status {
    VIGIL_CHECK(check_permute("x", x, perm, "y", y));
    bool ok = y->ndim == x->ndim;
    for (int k = 0; ok && k < x->ndim; ++k) ok = y->shape[k] == x->shape[perm[k]];
    if (!ok)
      return fail(VIGIL_ERR_SHAPE, "permute",
                  "y must have shape x.shape[perm] with perm " + ints_str(perm, x->ndim),
                  {{"x", x}, {"y", y}});
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH("permute", x->device, permute<T>, data<T>(x), cpu::Shape(x), perm,
                         data<T>(y), false);
    });
    return s;
  });
}

extern "C" vigil_status vigil_permute_backward(const vigil_tensor* dy, const int32_t* perm,
                                               const vigil_tensor* dx) {
  return guarded("permute", [&]() -> vigil_status {
    VIGIL_CHECK(check_permute("dy", dy, perm, "dx", dx));
    bool ok = dx->ndim == dy->ndim;
    for (int k = 0; ok && k < dy->ndim; ++k) ok = dy->shape[k] == dx->shape[perm[k]];
    if (!ok)
      return fail(VIGIL_ERR_SHAPE, "permute",
                  "dy must have shape dx.shape[perm] with perm " + ints_str(perm, dy->ndim),
                  {{"dy", dy}, {"dx", dx}});
    int32_t inverse[VIGIL_MAX_DIMS];
    for (int k = 0; k < dy->ndim; ++k) inverse[perm[k]] = k;
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(dy->dtype, T, {
      s = VIGIL_DISPATCH("permute", dy->device, permute<T>, data<T>(dy), cpu::Shape(dy), inverse,
                         data<T>(dx), true);
    });
    return s;
  });
}

extern "C" vigil_status vigil_axis_copy(const vigil_tensor* src, int64_t src_start,
                                        const vigil_tensor* dst, int64_t dst_start, int axis,
                                        int64_t len, int accumulate) {
  return guarded("axis_copy", [&]() -> vigil_status {
    if (!src || !dst) return fail(VIGIL_ERR_ARG, "axis_copy", "src and dst are required");
    const std::initializer_list<Named> ts = {{"src", src}, {"dst", dst}};
    VIGIL_CHECK(check_same("axis_copy", ts));
    const int given = axis;
    if (axis < 0) axis += src->ndim;
    if (axis < 0 || axis >= src->ndim)
      return fail(VIGIL_ERR_ARG, "axis_copy", "axis " + std::to_string(given) + " out of range", ts);
    bool ok = src->ndim == dst->ndim;
    for (int k = 0; ok && k < src->ndim; ++k) ok = k == axis || src->shape[k] == dst->shape[k];
    if (!ok)
      return fail(VIGIL_ERR_SHAPE, "axis_copy",
                  "src and dst must agree on every dim but axis " + std::to_string(axis), ts);
    const int64_t sn = src->shape[axis], dn = dst->shape[axis];
    if (len < 0 || src_start < 0 || dst_start < 0 || src_start + len > sn || dst_start + len > dn)
      return fail(VIGIL_ERR_SHAPE, "axis_copy",
                  "ranges src [" + std::to_string(src_start) + ", " + std::to_string(src_start + len) +
                      ") and dst [" + std::to_string(dst_start) + ", " +
                      std::to_string(dst_start + len) + ") must lie within axis " +
                      std::to_string(axis),
                  ts);
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < axis; ++k) outer *= src->shape[k];
    for (int k = axis + 1; k < src->ndim; ++k) inner *= src->shape[k];
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(src->dtype, T, {
      s = VIGIL_DISPATCH("axis_copy", src->device, axis_copy<T>, data<T>(src), sn, src_start,
                         data<T>(dst), dn, dst_start, outer, inner, len, accumulate != 0);
    });
    return s;
  });
}

namespace {

// big = small tiled by repeats (big.shape[k] = small.shape[k] * repeats[k], repeats >= 0)
vigil_status check_repeat(const char* small_name, const vigil_tensor* small, const int64_t* repeats,
                          const char* big_name, const vigil_tensor* big) {
  if (!small || !big) return fail(VIGIL_ERR_ARG, "repeat", "both tensors are required");
  const std::initializer_list<Named> ts = {{small_name, small}, {big_name, big}};
  VIGIL_CHECK(check_same("repeat", ts));
  if (small->ndim > 0 && !repeats) return fail(VIGIL_ERR_ARG, "repeat", "repeats is required", ts);
  for (int k = 0; k < small->ndim; ++k)
    if (repeats[k] < 0)
      return fail(VIGIL_ERR_ARG, "repeat", "repeats must be >= 0", ts);
  bool ok = big->ndim == small->ndim;
  for (int k = 0; ok && k < small->ndim; ++k) ok = big->shape[k] == small->shape[k] * repeats[k];
  if (!ok)
    return fail(VIGIL_ERR_SHAPE, "repeat",
                std::string(big_name) + ".shape[k] must be " + small_name + ".shape[k] * repeats[k]",
                ts);
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_repeat_forward(const vigil_tensor* x, const int64_t* repeats,
                                             const vigil_tensor* y) {
  return guarded("repeat", [&]() -> vigil_status {
    VIGIL_CHECK(check_repeat("x", x, repeats, "y", y));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, T, {
      s = VIGIL_DISPATCH("repeat", x->device, repeat_forward<T>, data<T>(x), cpu::Shape(x),
                         repeats, data<T>(y));
    });
    return s;
  });
}

extern "C" vigil_status vigil_repeat_backward(const vigil_tensor* dy, const int64_t* repeats,
                                              const vigil_tensor* dx) {
  return guarded("repeat", [&]() -> vigil_status {
    VIGIL_CHECK(check_repeat("dx", dx, repeats, "dy", dy));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(dy->dtype, T, {
      s = VIGIL_DISPATCH("repeat", dy->device, repeat_backward<T>, data<T>(dy), cpu::Shape(dx),
                         repeats, data<T>(dx));
    });
    return s;
  });
}
