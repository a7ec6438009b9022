// fill, copy, cast: the data movers every layer needs.
#include <cstring>

#include "core/check.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "cuda/basic.h"

using namespace vigil;

extern "C" vigil_status vigil_fill(const vigil_tensor* y, double value) {
  return guarded("fill", [&]() -> vigil_status {
    if (!y) return fail(VIGIL_ERR_ARG, "fill", "y is required");
    VIGIL_CHECK(check_same("fill", {{"y", y}}));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(y->dtype, T, {
      T* p = data<T>(y);
      s = dispatch(
          "fill", y->device,
          [&] {
            T v = static_cast<T>(value);
            parallel_for(0, numel(y), 1 << 16, [&](int64_t b, int64_t e) {
              for (int64_t i = b; i < e; ++i) p[i] = v;
            });
          },
          VIGIL_CUDA_KERNEL([&] { return cuda::fill<T>(p, numel(y), value); }));
    });
    return s;
  });
}

extern "C" vigil_status vigil_copy(const vigil_tensor* x, const vigil_tensor* y) {
  return guarded("copy", [&]() -> vigil_status {
    if (!x || !y) return fail(VIGIL_ERR_ARG, "copy", "x and y are required");
    VIGIL_CHECK(check_same("copy", {{"x", x}, {"y", y}}));
    if (numel(x) != numel(y))
      return fail(VIGIL_ERR_SHAPE, "copy", "element counts differ", {{"x", x}, {"y", y}});
    if (x->data == y->data) return VIGIL_OK;
    const size_t bytes = static_cast<size_t>(numel(x)) * vigil_dtype_size(x->dtype);
    return dispatch(
        "copy", x->device, [&] { std::memcpy(y->data, x->data, bytes); },
        VIGIL_CUDA_KERNEL([&] { return cuda::copy_bytes(x->data, y->data, bytes); }));
  });
}

extern "C" vigil_status vigil_cast(const vigil_tensor* x, const vigil_tensor* y) {
  return guarded("cast", [&]() -> vigil_status {
    if (!x || !y) return fail(VIGIL_ERR_ARG, "cast", "x and y are required");
    if (x->device != y->device)
      return fail(VIGIL_ERR_DEVICE, "cast", "tensors on different devices", {{"x", x}, {"y", y}});
    if (numel(x) != numel(y))
      return fail(VIGIL_ERR_SHAPE, "cast", "element counts differ", {{"x", x}, {"y", y}});
    const int64_t n = numel(x);
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      VIGIL_FLOAT_SWITCH(y->dtype, D, {
        const S* src = data<S>(x);
        D* dst = data<D>(y);
        s = dispatch(
            "cast", x->device,
            [&] {
              for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<D>(src[i]);
            },
            VIGIL_CUDA_KERNEL([&] { return cuda::cast<S, D>(src, dst, n); }));
      });
    });
    return s;
  });
}
