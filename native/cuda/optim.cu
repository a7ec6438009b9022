// Optimiser updates on the device, element-wise in the parameter's type with the scalars folded
// once on the host, in the order of operations of cpu/optim.cpp (see the math there), so both
// devices round alike.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/optim.h"

namespace vigil::cuda {

// vmax null: plain Adam; else AMSGrad (vmax = max(vmax, v) as on the CPU, NaN v through).
template <typename T>
vigil_status adam_step(T* param, const T* grad, T* m, T* v, T* vmax, int64_t n,
                       const AdamHyper& h) {
  const cpu::AdamScalars<T> k(h);
  return for_each(n, "adam_step", [=] __device__(int64_t i) {
    const T g = grad[i] + k.l2 * param[i];
    const T mi = k.b1 * m[i] + k.one_b1 * g;
    T vi = k.b2 * v[i] + k.one_b2 * g * g;
    m[i] = mi;
    v[i] = vi;
    if (vmax) {
      const T vm = vmax[i];
      vi = vm >= vi ? vm : vi;
      vmax[i] = vi;
    }
    const T p = param[i] * k.shrink;
    param[i] = p - k.step_size * mi / (sqrt(vi) / k.bc2_sqrt + k.eps);
  });
}

template <typename T>
vigil_status sgd_step(T* param, const T* grad, T* buf, int64_t n, const SgdHyper& h) {
  const T lr = static_cast<T>(h.lr), mom = static_cast<T>(h.momentum);
  const T wd = static_cast<T>(h.weight_decay);
  const bool use_buf = h.momentum != 0, first = h.first_step, nesterov = h.nesterov;
  return for_each(n, "sgd_step", [=] __device__(int64_t i) {
    T g = grad[i] + wd * param[i];
    if (use_buf) {
      const T b = first ? g : mom * buf[i] + g;
      buf[i] = b;
      g = nesterov ? g + mom * b : b;
    }
    param[i] -= lr * g;
  });
}

template <typename T>
vigil_status sum_squares(const T* x, int64_t n, double* out) {
  Scratch<double> result;
  VIGIL_CHECK(result.alloc(1));
  double* r = result.p;
  VIGIL_CHECK(flat_sum(
      n, "sum_squares",
      [=] __device__(int64_t i) {
        const double a = x[i];
        return a * a;
      },
      [=] __device__(double s) { *r = s; }));
  VIGIL_CUDA_TRY(cudaMemcpyAsync(out, r, sizeof(double), cudaMemcpyDeviceToHost, stream()));
  VIGIL_CUDA_TRY(cudaStreamSynchronize(stream()));
  return VIGIL_OK;
}

template <typename T>
vigil_status scale_inplace(T* x, int64_t n, double alpha) {
  const T a = static_cast<T>(alpha);
  return for_each(n, "scale_inplace", [=] __device__(int64_t i) { x[i] *= a; });
}

__device__ inline float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ inline float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ inline double add_rn(double a, double b) { return __dadd_rn(a, b); }

template <typename T>
vigil_status ema_update(T* average, const T* param, int64_t n, double decay) {
  const T w = static_cast<T>(1 - decay);
  // Three roundings as the CPU (cpu/ema.h): the _rn intrinsics are never fused into an FMA.
  return for_each(n, "ema_update", [=] __device__(int64_t i) {
    average[i] = add_rn(average[i], mul_rn(w, param[i] - average[i]));
  });
}

#define VIGIL_INSTANTIATE(T)                                                               \
  template vigil_status ema_update<T>(T*, const T*, int64_t, double);                     \
  template vigil_status adam_step<T>(T*, const T*, T*, T*, T*, int64_t, const AdamHyper&); \
  template vigil_status sgd_step<T>(T*, const T*, T*, int64_t, const SgdHyper&);           \
  template vigil_status sum_squares<T>(const T*, int64_t, double*);                        \
  template vigil_status scale_inplace<T>(T*, int64_t, double);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
