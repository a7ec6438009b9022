// fill, copy, cast: the data movers every layer needs.
#include <cstring>

#include "core/check.h"
#include "core/parallel.h"

using namespace vigil;

extern "C" vigil_status vigil_fill(const vigil_tensor* y, double value) {
  return guarded("fill", [&] {
    VIGIL_CHECK(check_same("fill", {{"y", y}}));
    VIGIL_CHECK(require_cpu("fill", {{"y", y}}));
    VIGIL_FLOAT_SWITCH(y->dtype, T, {
      T* p = data<T>(y);
      T v = static_cast<T>(value);
      parallel_for(0, numel(y), 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) p[i] = v;
      });
    });
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_copy(const vigil_tensor* x, const vigil_tensor* y) {
  return guarded("copy", [&] {
    VIGIL_CHECK(check_same("copy", {{"x", x}, {"y", y}}));
    VIGIL_CHECK(require_cpu("copy", {{"x", x}, {"y", y}}));
    if (numel(x) != numel(y))
      return fail(VIGIL_ERR_SHAPE, "copy", "element counts differ", {{"x", x}, {"y", y}});
    if (x->data != y->data)
      std::memcpy(y->data, x->data, static_cast<size_t>(numel(x)) * vigil_dtype_size(x->dtype));
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_cast(const vigil_tensor* x, const vigil_tensor* y) {
  return guarded("cast", [&]() -> vigil_status {
    if (!x || !y) return fail(VIGIL_ERR_ARG, "cast", "x and y are required");
    VIGIL_CHECK(require_cpu("cast", {{"x", x}, {"y", y}}));
    if (numel(x) != numel(y))
      return fail(VIGIL_ERR_SHAPE, "cast", "element counts differ", {{"x", x}, {"y", y}});
    int64_t n = numel(x);
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      VIGIL_FLOAT_SWITCH(y->dtype, D, {
        const S* s = data<S>(x);
        D* d = data<D>(y);
        for (int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(s[i]);
      });
    });
    return VIGIL_OK;
  });
}
