// conv_transpose2d on the CPU from conv2d's kernels (cpu/conv2d.cpp): it is conv2d's input
// gradient map, so with c the conv2d it transposes (cpu/conv_transpose2d.h)
//   y       = bias + conv2d_backward's dx of c with dy := x
//   dx     += conv2d(dy)                        (c's forward, accumulating)
//   dw     += conv2d_backward's dw of c with x := dy, dy := x
//   dbias  += sum of dy over batch and space
#include "cpu/conv_transpose2d.h"

#include <algorithm>

namespace vigil::cpu {

template <typename T>
void conv_transpose2d_forward(const Conv2dDims& c, const T* x, const T* w, const T* bias, T* y) {
  const int64_t HW = c.H * c.W;
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t o = 0; o < c.Cin; ++o) {
      T* p = y + (b * c.Cin + o) * HW;
      std::fill(p, p + HW, bias ? bias[o] : T(0));
    }
  conv2d_backward<T>(c, nullptr, w, x, y, nullptr, nullptr);
}

template <typename T>
void conv_transpose2d_backward(const Conv2dDims& c, const T* x, const T* w, const T* dy, T* dx,
                               T* dw, T* dbias) {
  if (dx) conv2d_forward<T>(c, dy, w, nullptr, dx, /*accumulate=*/true);
  if (dw) conv2d_backward<T>(c, dy, w, x, nullptr, dw, nullptr);
  if (dbias) {
    const int64_t HW = c.H * c.W;
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t o = 0; o < c.Cin; ++o) {
        const T* p = dy + (b * c.Cin + o) * HW;
        T s = 0;
        for (int64_t i = 0; i < HW; ++i) s += p[i];
        dbias[o] += s;
      }
  }
}

#define VIGIL_CONV_TRANSPOSE2D_INSTANTIATE(T)                                                    \
  template void conv_transpose2d_forward<T>(const Conv2dDims&, const T*, const T*, const T*,   \
                                            T*);                                               \
  template void conv_transpose2d_backward<T>(const Conv2dDims&, const T*, const T*, const T*,  \
                                             T*, T*, T*);
VIGIL_CONV_TRANSPOSE2D_INSTANTIATE(float)
VIGIL_CONV_TRANSPOSE2D_INSTANTIATE(double)

}  // namespace vigil::cpu
