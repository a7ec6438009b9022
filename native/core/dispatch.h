// Device dispatch for op entry points: the CPU kernel for CPU tensors, the CUDA kernel for CUDA
// tensors when this build has them, and a clear error otherwise. check_same has already made
// every tensor of the call agree on one device, so the first tensor's device decides.
//
//   VIGIL_DISPATCH(op, x->device, sum_to<T>, args...)
// calls vigil::cpu::sum_to<T>(args...) or vigil::cuda::sum_to<T>(args...) (same arguments; the
// CUDA kernels return a vigil_status). Where the two sides need different code, pass two
// lambdas: dispatch(op, dev, [&] { cpu side }, VIGIL_CUDA_KERNEL([&] { return cuda side; })).
#pragma once
#include <cstddef>
#include <type_traits>

#include "core/check.h"
#include "core/cuda_api.h"

#ifndef VIGIL_WITH_CUDA
#define VIGIL_WITH_CUDA 0
#endif

namespace vigil {

// The error for a device this build has no kernel for (VIGIL_ERR_DEVICE without CUDA support,
// VIGIL_ERR_UNSUPPORTED for an op without a CUDA kernel).
vigil_status no_kernel(const char* op, vigil_device dev);

template <class Cpu, class Cuda>
vigil_status dispatch(const char* op, vigil_device dev, Cpu&& cpu, Cuda&& cuda) {
  if (dev == VIGIL_CPU) {
    if constexpr (std::is_void_v<decltype(cpu())>) {
      cpu();
      return VIGIL_OK;
    } else {
      return cpu();
    }
  }
  if constexpr (std::is_same_v<std::decay_t<Cuda>, std::nullptr_t>) {
    return no_kernel(op, dev);
  } else {
    if (dev != VIGIL_CUDA) return no_kernel(op, dev);
    VIGIL_CHECK(cuda_ready(op));
    return cuda();
  }
}

}  // namespace vigil

// The CUDA side of a dispatch: the lambda itself in CUDA builds, nullptr (no kernel) otherwise,
// so CPU-only builds never refer to a CUDA symbol.
#if VIGIL_WITH_CUDA
#define VIGIL_CUDA_KERNEL(...) __VA_ARGS__
#else
#define VIGIL_CUDA_KERNEL(...) nullptr
#endif

#define VIGIL_DISPATCH(op, dev, fn, ...)                                         \
  ::vigil::dispatch((op), (dev), [&] { return ::vigil::cpu::fn(__VA_ARGS__); }, \
                    VIGIL_CUDA_KERNEL([&] { return ::vigil::cuda::fn(__VA_ARGS__); }))
