// Batch normalisation on the CPU. x is viewed as [outer, C, inner] with C the channel axis, so one
// kernel serves [B,C], [B,C,T], [B,C,H,W] and channel-last [B,T,C] alike.
#pragma once
#include <cstdint>

namespace vigil::cpu {

struct BnLayout {
  int64_t outer, C, inner;
  int64_t count() const { return outer * inner; }  // elements per channel
};

// training: mean/var of the batch (biased var normalises; running_var gets the unbiased one);
// eval: mean/var = running stats. Optional (nullable): gamma, beta, running_*, save_*.
template <typename T>
void batch_norm_forward(const T* x, const BnLayout& L, const T* gamma, const T* beta,
                        T* running_mean, T* running_var, bool training, double momentum,
                        double eps, T* y, T* save_mean, T* save_invstd);

// Accumulates dx (through the batch statistics when training), dgamma, dbeta (each nullable).
template <typename T>
void batch_norm_backward(const T* x, const BnLayout& L, const T* gamma, const T* save_mean,
                         const T* save_invstd, const T* dy, bool training, T* dx, T* dgamma,
                         T* dbeta);

}  // namespace vigil::cpu
