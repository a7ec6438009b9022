// One step of a weight average (EMA) on the CPU: average += (1 - decay) (param - average).
#pragma once
#include <cstdint>

namespace vigil::cpu {

// Three roundings, as separate sub, mul and add kernels (and TensorFlow's ExponentialMovingAverage)
// give: ema.cpp is compiled without FMA contraction (CMakeLists.txt).
template <typename T>
void ema_update(T* average, const T* param, int64_t n, double decay);

}  // namespace vigil::cpu
