// fill, copy and cast on the device.
#include "cuda/basic.h"
#include "cuda/common.cuh"

namespace vigil::cuda {

template <typename T>
vigil_status fill(T* y, int64_t n, double value) {
  const T v = static_cast<T>(value);
  return for_each(n, "fill", [=] __device__(int64_t i) { y[i] = v; });
}

vigil_status copy_bytes(const void* x, void* y, size_t nbytes) {
  if (!nbytes || x == y) return VIGIL_OK;
  VIGIL_CUDA_TRY(cudaMemcpyAsync(y, x, nbytes, cudaMemcpyDeviceToDevice, stream()));
  return VIGIL_OK;
}

template <typename S, typename D>
vigil_status cast(const S* x, D* y, int64_t n) {
  return for_each(n, "cast", [=] __device__(int64_t i) { y[i] = static_cast<D>(x[i]); });
}

template vigil_status fill<float>(float*, int64_t, double);
template vigil_status fill<double>(double*, int64_t, double);
template vigil_status cast<float, float>(const float*, float*, int64_t);
template vigil_status cast<float, double>(const float*, double*, int64_t);
template vigil_status cast<double, float>(const double*, float*, int64_t);
template vigil_status cast<double, double>(const double*, double*, int64_t);

}  // namespace vigil::cuda
