// Compiled with -ffp-contract=off (CMakeLists.txt): fused into an FMA, w * d + average would round
// once where the average's recurrence is defined with three roundings (ema.h).
#include "cpu/ema.h"

#include "core/parallel.h"

namespace vigil::cpu {

template <typename T>
void ema_update(T* average, const T* param, int64_t n, double decay) {
  const T w = static_cast<T>(1 - decay);
  parallel_for(0, n, 1 << 15, [&](int64_t b, int64_t e) {
    T* __restrict a = average;
    const T* __restrict p = param;
    for (int64_t i = b; i < e; ++i) {
      const T step = w * (p[i] - a[i]);
      a[i] = a[i] + step;
    }
  });
}

template void ema_update<float>(float*, const float*, int64_t, double);
template void ema_update<double>(double*, const double*, int64_t, double);

}  // namespace vigil::cpu
