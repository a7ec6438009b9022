// Loss kernels on the CPU. Each *_sum returns the sum of the per-element terms in double
// (deterministic for any thread count); each *_backward accumulates s * d(term)/d(input) into the
// non-null gradients, s = dy (SUM) or dy / n (MEAN) chosen by the caller.
#pragma once
#include <cstdint>

namespace vigil::cpu {

// (p - t)^2
template <typename T>
double mse_sum(const T* p, const T* t, int64_t n);
template <typename T>
void mse_backward(const T* p, const T* t, int64_t n, double s, T* dp, T* dt);

// 0.5 * (lv + (x - mu)^2 e^-lv + ln 2pi)
template <typename T>
double gaussian_nll_sum(const T* x, const T* mu, const T* lv, int64_t n);
template <typename T>
void gaussian_nll_backward(const T* x, const T* mu, const T* lv, int64_t n, double s, T* dx,
                           T* dmu, T* dlv);

// -0.5 * (1 + lv - mu^2 - e^lv)
template <typename T>
double kl_normal_sum(const T* mu, const T* lv, int64_t n);
template <typename T>
void kl_normal_backward(const T* mu, const T* lv, int64_t n, double s, T* dmu, T* dlv);

// max(l, 0) - l t + ln(1 + e^-|l|)
template <typename T>
double bce_with_logits_sum(const T* l, const T* t, int64_t n);
template <typename T>
void bce_with_logits_backward(const T* l, const T* t, int64_t n, double s, T* dl, T* dt);

}  // namespace vigil::cpu
