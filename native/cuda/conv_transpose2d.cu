// conv_transpose2d on the device from conv2d's kernels (cuda/conv2d.cu), the same composition
// as cpu/conv_transpose2d.cpp: with c the conv2d it transposes,
//   y = bias + c's input gradient of x;  dx += c(dy);  dw += c's weight gradient with
//   x := dy, dy := x;  dbias += sum of dy over batch and space.
#include "cuda/common.cuh"
#include "cuda/conv2d.h"
#include "cuda/conv_transpose2d.h"
#include "cuda/reduce.h"

// The calls below name cuda:: because Conv2dDims lives in vigil::cpu, so argument-dependent
// lookup would also find the CPU kernels of the same name.

namespace vigil::cuda {

template <typename T>
vigil_status conv_transpose2d_forward(const Conv2dDims& c, const T* x, const T* w, const T* bias,
                                      T* y) {
  const int64_t C = c.Cin, HW = c.H * c.W;
  VIGIL_CHECK(for_each(c.B * C * HW, "conv_transpose2d_bias", [=] __device__(int64_t n) {
    y[n] = bias ? bias[(n / HW) % C] : T(0);
  }));
  return cuda::conv2d_backward<T>(c, nullptr, w, x, y, nullptr, nullptr);
}

template <typename T>
vigil_status conv_transpose2d_backward(const Conv2dDims& c, const T* x, const T* w, const T* dy,
                                       T* dx, T* dw, T* dbias) {
  if (dbias)
    VIGIL_CHECK(sum_to(dy, cpu::Shape{c.B, c.Cin, c.H * c.W}, dbias, cpu::Shape{1, c.Cin, 1}, 1.0,
                       true));
  if (dx) VIGIL_CHECK(cuda::conv2d_forward<T>(c, dy, w, nullptr, dx, /*accumulate=*/true));
  if (dw) VIGIL_CHECK(cuda::conv2d_backward<T>(c, dy, w, x, nullptr, dw, nullptr));
  return VIGIL_OK;
}

#define VIGIL_INSTANTIATE(T)                                                                   \
  template vigil_status conv_transpose2d_forward<T>(const Conv2dDims&, const T*, const T*,     \
                                                    const T*, T*);                             \
  template vigil_status conv_transpose2d_backward<T>(const Conv2dDims&, const T*, const T*,    \
                                                     const T*, T*, T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
