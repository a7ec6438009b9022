// Random streams on the CPU: Philox4x32-10 fills, dropout and the VAE's reparameterised sample.
// The stream layout (which block and lane feeds which element) is the one of ops.h.
#pragma once
#include <cstdint>

namespace vigil::cpu {

// Blocks a fill of n elements consumes: one per 4 uniforms, one per normal.
uint64_t uniform_blocks(int64_t n);
uint64_t normal_blocks(int64_t n);

// y[i] = a + (b - a) * U_i,  U_i = (lane i%4 of block i/4 >> 8) * 2^-24
template <typename T>
void random_uniform(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset);
// y[i] = a + b * N_i, N_i Box-Muller on lanes 0 and 1 of block i
template <typename T>
void random_normal(T* y, int64_t n, double a, double b, uint64_t seed, uint64_t offset);

// mask[i] = U_i >= p ? 1/(1-p) : 0, y = x * mask
template <typename T>
void dropout_forward(const T* x, int64_t n, double p, uint64_t seed, uint64_t offset, T* y,
                     T* mask);
// dx += dy * mask
template <typename T>
void dropout_backward(const T* dy, const T* mask, int64_t n, T* dx);

// eps[i] = N_i, z = mu + exp(logvar/2) * eps
template <typename T>
void reparam_sample_forward(const T* mu, const T* logvar, int64_t n, uint64_t seed,
                            uint64_t offset, T* z, T* eps);
// dmu += dz, dlogvar += dz * eps * exp(logvar/2) / 2 (either may be null)
template <typename T>
void reparam_sample_backward(const T* logvar, const T* eps, const T* dz, int64_t n, T* dmu,
                             T* dlogvar);

}  // namespace vigil::cpu
