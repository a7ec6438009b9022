// Reference causal_conv1d forward of ops.h, summed in double:
//   y[b,o,t] = bias[o] + sum_{c,k} w[o,c,k] * x[b, c, t - (K-1-k)*d]   (x = 0 before t = 0)
// x [B,Cin,T], w [Cout,Cin,K], bias [Cout] or null, y [B,Cout,T].
#pragma once
#include <cstdint>

namespace vigil::ref {

template <typename T>
void causal_conv1d_forward(const T* x, const T* w, const T* bias, int64_t B, int64_t Cin,
                           int64_t Cout, int64_t Tn, int64_t K, int64_t dilation, double* y) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < Cout; ++o)
      for (int64_t t = 0; t < Tn; ++t) {
        double s = bias ? double(bias[o]) : 0;
        for (int64_t c = 0; c < Cin; ++c)
          for (int64_t k = 0; k < K; ++k) {
            const int64_t src = t - (K - 1 - k) * dilation;
            if (src >= 0)
              s += double(w[(o * Cin + c) * K + k]) * double(x[(b * Cin + c) * Tn + src]);
          }
        y[(b * Cout + o) * Tn + t] = s;
      }
}

}  // namespace vigil::ref
