// Sample moments of a vector of draws, for the statistical checks of the random ops.
#pragma once
#include <cmath>
#include <vector>

namespace harness {

struct Moments {
  double mean, var, skew, kurt;
};
template <typename T>
inline Moments moments(const std::vector<T>& v) {
  double m = 0;
  for (T x : v) m += x;
  m /= static_cast<double>(v.size());
  double m2 = 0, m3 = 0, m4 = 0;
  for (T x : v) {
    const double d = x - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  const double n = static_cast<double>(v.size());
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {m, m2, m3 / std::pow(m2, 1.5), m4 / (m2 * m2)};
}

}  // namespace harness
