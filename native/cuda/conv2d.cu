// conv2d on the device, direct: one thread per element of the tensor being written, each
// summing its own terms in double (grid-stride loops through for_each), so no two threads write
// one element and nothing needs atomics or scratch:
//   forward  y[b,o,i,j]    = sum over the Cg*KH*KW taps of its window (+ bias, or += y)
//   dx       dx[b,c,yy,xx] += sum over the outputs whose window reads it (o of its group, and
//                             the taps with (yy + pad_t - ki*dil_h) a multiple of sh in range)
//   dw       dw[o,c,ki,kj] += sum over b, i, j of dy * x at that tap
//   dbias    the reduction of dy over batch and space (cuda/reduce.h)
// A first, simple kernel (no tiling in shared memory yet); cpu/ref/conv2d.h has the math.
#include "cuda/common.cuh"
#include "cuda/conv2d.h"
#include "cuda/reduce.h"

namespace vigil::cuda {

template <typename T>
vigil_status conv2d_forward(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y,
                            bool accumulate) {
  const int64_t Cin = d.Cin, H = d.H, W = d.W, Cout = d.Cout, Ho = d.Ho, Wo = d.Wo;
  const int64_t KH = d.KH, KW = d.KW, Cg = d.cg(), Cog = d.cog();
  const int64_t sh = d.sh, sw = d.sw, dh = d.dil_h, dw = d.dil_w, pt = d.pad_t, pl = d.pad_l;
  return for_each(d.B * Cout * Ho * Wo, "conv2d_forward", [=] __device__(int64_t n) {
    const int64_t j = n % Wo, i = (n / Wo) % Ho, o = (n / (Wo * Ho)) % Cout, b = n / (Wo * Ho * Cout);
    const T* xg = x + (b * Cin + (o / Cog) * Cg) * H * W;
    const T* wo = w + o * Cg * KH * KW;
    double s = accumulate ? double(y[n]) : bias ? double(bias[o]) : 0.0;
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t ki = 0; ki < KH; ++ki) {
        const int64_t yy = i * sh - pt + ki * dh;
        if (yy < 0 || yy >= H) continue;
        for (int64_t kj = 0; kj < KW; ++kj) {
          const int64_t xx = j * sw - pl + kj * dw;
          if (xx < 0 || xx >= W) continue;
          s += double(wo[(c * KH + ki) * KW + kj]) * double(xg[(c * H + yy) * W + xx]);
        }
      }
    y[n] = static_cast<T>(s);
  });
}

template <typename T>
vigil_status conv2d_backward(const Conv2dDims& d, const T* x, const T* w, const T* dy, T* dx,
                             T* dw, T* dbias) {
  const int64_t B = d.B, Cin = d.Cin, H = d.H, W = d.W, Cout = d.Cout, Ho = d.Ho, Wo = d.Wo;
  const int64_t KH = d.KH, KW = d.KW, Cg = d.cg(), Cog = d.cog();
  const int64_t sh = d.sh, sw = d.sw, dh = d.dil_h, dwl = d.dil_w, pt = d.pad_t, pl = d.pad_l;
  if (dbias)
    VIGIL_CHECK(sum_to(dy, cpu::Shape{B, Cout, Ho * Wo}, dbias, cpu::Shape{1, Cout, 1}, 1.0, true));
  if (dx)
    VIGIL_CHECK(for_each(B * Cin * H * W, "conv2d_dx", [=] __device__(int64_t n) {
      const int64_t xx = n % W, yy = (n / W) % H, c = (n / (W * H)) % Cin, b = n / (W * H * Cin);
      const int64_t g = c / Cg, cl = c % Cg;
      double s = 0;
      for (int64_t ki = 0; ki < KH; ++ki) {
        const int64_t ti = yy + pt - ki * dh;  // = i * sh for the output row i that reads yy
        if (ti < 0 || ti % sh || ti / sh >= Ho) continue;
        for (int64_t kj = 0; kj < KW; ++kj) {
          const int64_t tj = xx + pl - kj * dwl;
          if (tj < 0 || tj % sw || tj / sw >= Wo) continue;
          for (int64_t o = g * Cog; o < (g + 1) * Cog; ++o)
            s += double(w[((o * Cg + cl) * KH + ki) * KW + kj]) *
                 double(dy[((b * Cout + o) * Ho + ti / sh) * Wo + tj / sw]);
        }
      }
      dx[n] = static_cast<T>(dx[n] + s);
    }));
  if (dw)
    VIGIL_CHECK(for_each(Cout * Cg * KH * KW, "conv2d_dw", [=] __device__(int64_t n) {
      const int64_t kj = n % KW, ki = (n / KW) % KH, cl = (n / (KW * KH)) % Cg;
      const int64_t o = n / (KW * KH * Cg), c = (o / Cog) * Cg + cl;
      double s = 0;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < Ho; ++i) {
          const int64_t yy = i * sh - pt + ki * dh;
          if (yy < 0 || yy >= H) continue;
          for (int64_t j = 0; j < Wo; ++j) {
            const int64_t xx = j * sw - pl + kj * dwl;
            if (xx < 0 || xx >= W) continue;
            s += double(dy[((b * Cout + o) * Ho + i) * Wo + j]) *
                 double(x[((b * Cin + c) * H + yy) * W + xx]);
          }
        }
      dw[n] = static_cast<T>(dw[n] + s);
    }));
  return VIGIL_OK;
}

#define VIGIL_INSTANTIATE(T)                                                                   \
  template vigil_status conv2d_forward<T>(const Conv2dDims&, const T*, const T*, const T*, T*, \
                                          bool);                                               \
  template vigil_status conv2d_backward<T>(const Conv2dDims&, const T*, const T*, const T*, T*, \
                                           T*, T*);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
