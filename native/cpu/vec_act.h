// Sigmoid and tanh over contiguous arrays, in place or out of place. The fused recurrent kernels
// evaluate millions of these per layer, so f32 gets an AVX2 path (a Cephes-style exp: range
// reduction by ln 2, degree-6 polynomial, ~2 ulp; tanh uses an odd polynomial below |x| 0.625 so
// small inputs keep their relative precision). f64 (gradient checks) uses the libm functions.
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
// e^x for x in float range: 2^n * p(r), x = n ln2 + r, |r| <= ln2/2. Inputs are clamped to
// [-87.3, 88.3] so the result stays finite and normal (sigmoid and tanh saturate long before).
// min/max return their second operand when one is NaN: x goes second so NaN propagates.
inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(88.3f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  e = _mm256_slli_epi32(e, 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
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

#ifdef VIGIL_VEC_ACT_AVX2
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
