// Sigmoid, tanh, ELU and softplus over contiguous arrays, in place or out of place. The fused
// recurrent kernels and the convolutional models evaluate millions of these per step, so f32
// gets an AVX2 path (a Cephes-style exp: range reduction by ln 2, degree-6 polynomial, ~2 ulp;
// tanh uses an odd polynomial below |x| 0.625 and expm1 keeps the "- 1" inside the polynomial,
// so small inputs keep their relative precision). f64 (gradient checks) uses the libm functions.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define VIGIL_VEC_ACT_AVX2 1
#endif

namespace vigil::cpu {

namespace act_detail {

#ifdef VIGIL_VEC_ACT_AVX2
// The range reduction of exp and expm1: x = n ln2 + r, |r| <= ln2/2, e^r = 1 + r + r^2 p(r);
// returns p, with r and s = 2^n. Inputs are clamped to [-87.3, 88.3] so 2^n stays finite and
// normal (sigmoid and tanh saturate long before). min/max return their second operand when one
// is NaN: x goes second so NaN propagates.
inline __m256 exp_reduce(__m256 x, __m256& r, __m256& s) {
  x = _mm256_min_ps(_mm256_set1_ps(88.3f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  s = _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  return p;
}

// e^x = 2^n (1 + r + r^2 p(r)).
inline __m256 exp8(__m256 x) {
  __m256 r, s;
  __m256 p = exp_reduce(x, r, s);
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  return _mm256_mul_ps(p, s);
}

// e^x - 1 = 2^n (e^r - 1) + (2^n - 1) with e^r - 1 = r + r^2 p(r): no cancellation for
// |x| <= ln2/2 (n = 0), where the result is small; 2^n - 1 is exact for every n where the sum
// still matters.
inline __m256 expm1_8(__m256 x) {
  __m256 r, s;
  __m256 p = exp_reduce(x, r, s);
  __m256 q = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  return _mm256_fmadd_ps(s, q, _mm256_sub_ps(s, _mm256_set1_ps(1.0f)));
}

// x > 0 ? x : alpha (e^x - 1). min(0, x) keeps positive inputs away from exp's clamp, and a NaN
// (min returns its second operand) reaches the result through the exp branch.
inline __m256 elu8(__m256 x, __m256 alpha) {
  __m256 neg = _mm256_mul_ps(alpha, expm1_8(_mm256_min_ps(_mm256_setzero_ps(), x)));
  return _mm256_blendv_ps(neg, x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
}

inline __m256 sigmoid8(__m256 x) {
  __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// tanh x = sign(x) (1 - 2 / (e^{2|x|} + 1)) for |x| >= 0.625, an odd polynomial below.
inline __m256 tanh8(__m256 x) {
  __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  __m256 e = exp8(_mm256_add_ps(ax, ax));
  __m256 two_over = _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f)));
  __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f), two_over);
  big = _mm256_or_ps(big, sign);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954E-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531E-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422E-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

// ln(1 + u) for u in [0, 1] (softplus's range): w = 1 + u in [1, 2] is split as 2^e (1 + z) with
// 1 + z in [sqrt(1/2), sqrt(2)) and ln(1 + z) from Cephes' logf polynomial; then Kahan's
// correction ln(w) * u / (w - 1) (w - 1 is exact) restores the bits of u that 1 + u rounded off.
inline __m256 log1p8_unit(__m256 u) {
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 w = _mm256_add_ps(one, u);
  __m256 hi = _mm256_cmp_ps(w, _mm256_set1_ps(1.41421356f), _CMP_GE_OQ);
  __m256 z = _mm256_sub_ps(_mm256_blendv_ps(w, _mm256_mul_ps(w, _mm256_set1_ps(0.5f)), hi), one);
  __m256 e = _mm256_and_ps(hi, one);
  __m256 p = _mm256_set1_ps(7.0376836292E-2f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-1.1514610310E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.1676998740E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-1.2420140846E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.4249322787E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-1.6668057665E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.0000714765E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-2.4999993993E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(3.3333331174E-1f));
  __m256 z2 = _mm256_mul_ps(z, z);
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, z), z2);
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
  y = _mm256_fnmadd_ps(_mm256_set1_ps(0.5f), z2, y);
  __m256 lw = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), _mm256_add_ps(z, y));
  __m256 d = _mm256_sub_ps(w, one);
  __m256 fixed = _mm256_mul_ps(lw, _mm256_div_ps(u, d));
  return _mm256_blendv_ps(fixed, u, _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_EQ_OQ));
}

// ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|). Past exp's clamp (|x| > 87.3) e^-|x| is formed as
// (e^(-|x|/2))^2, which reaches the subnormals as the exact value does. max(0, x) passes NaN.
inline __m256 softplus8(__m256 x) {
  __m256 nax = _mm256_or_ps(x, _mm256_set1_ps(-0.0f));  // -|x|
  __m256 u = exp8(nax);
  __m256 far = _mm256_cmp_ps(nax, _mm256_set1_ps(-87.0f), _CMP_LT_OQ);
  if (_mm256_movemask_ps(far)) {
    __m256 h = exp8(_mm256_mul_ps(nax, _mm256_set1_ps(0.5f)));
    u = _mm256_blendv_ps(u, _mm256_mul_ps(h, h), far);
  }
  return _mm256_add_ps(_mm256_max_ps(_mm256_setzero_ps(), x), log1p8_unit(u));
}

// Applies f8 to whole vectors and f8 on a zero-padded copy to the tail.
template <typename F8>
inline void map8(const float* x, float* y, int64_t n, F8 f8) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t j = i; j < n; ++j) buf[j - i] = x[j];
    _mm256_store_ps(buf, f8(_mm256_load_ps(buf)));
    for (int64_t j = i; j < n; ++j) y[j] = buf[j - i];
  }
}
#endif

}  // namespace act_detail

// y[i] = 1 / (1 + e^-x[i]); x may equal y.
template <typename T>
inline void sigmoid_n(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
}
// y[i] = tanh x[i]; x may equal y.
template <typename T>
inline void tanh_n(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

// y[i] = x[i] > 0 ? x[i] : alpha (e^x[i] - 1); x may equal y.
template <typename T>
inline void elu_n(const T* x, T* y, int64_t n, T alpha) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : alpha * std::expm1(x[i]);
}

// y[i] = ln(1 + e^x[i]); x may equal y.
template <typename T>
inline void softplus_n(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = (x[i] > 0 ? x[i] : T(0)) + std::log1p(std::exp(-std::fabs(x[i])));
}

#ifdef VIGIL_VEC_ACT_AVX2
template <>
inline void softplus_n<float>(const float* x, float* y, int64_t n) {
  act_detail::map8(x, y, n, act_detail::softplus8);
}
template <>
inline void elu_n<float>(const float* x, float* y, int64_t n, float alpha) {
  const __m256 a = _mm256_set1_ps(alpha);
  act_detail::map8(x, y, n, [a](__m256 v) { return act_detail::elu8(v, a); });
}
template <>
inline void sigmoid_n<float>(const float* x, float* y, int64_t n) {
  act_detail::map8(x, y, n, act_detail::sigmoid8);
}
template <>
inline void tanh_n<float>(const float* x, float* y, int64_t n) {
  act_detail::map8(x, y, n, act_detail::tanh8);
}
#endif

}  // namespace vigil::cpu
