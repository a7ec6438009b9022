// A tiny test framework for the C++ op harness: HTEST registers a case, HCHECK records a
// failure and continues, check_close compares arrays with a stated tolerance (NaN never passes).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "vigil/ops.h"

namespace harness {

using Fn = void (*)();
struct Registrar {
  Registrar(const char* name, Fn fn);
};
void record_failure(const char* file, int line, const std::string& msg);
// Marks the running case as not run (e.g. no GPU): counted as skipped, not passed, unless it
// also recorded a failure.
void skip(const std::string& reason);

// |a - b| <= atol + rtol * |b| element-wise; reports the worst element.
template <typename T>
bool check_close(const char* what, const T* a, const T* b, int64_t n, double rtol, double atol,
                 const char* file, int line) {
  int64_t worst = -1;
  double worst_excess = 0;
  for (int64_t i = 0; i < n; ++i) {
    double x = a[i], y = b[i];
    double excess = std::fabs(x - y) - (atol + rtol * std::fabs(y));
    if (std::isnan(x) || std::isnan(y)) excess = INFINITY;
    if (excess > 0 && (worst < 0 || excess > worst_excess)) {
      worst = i;
      worst_excess = excess;
    }
  }
  if (worst < 0) return true;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: element %lld: got %.9g, want %.9g (rtol %g, atol %g)", what,
                static_cast<long long>(worst), static_cast<double>(a[worst]),
                static_cast<double>(b[worst]), rtol, atol);
  record_failure(file, line, buf);
  return false;
}

// An owned CPU tensor for tests.
template <typename T>
struct Buf {
  std::vector<T> v;
  vigil_tensor t{};
  explicit Buf(std::vector<int64_t> shape, T fill = T(0));
  int64_t n() const { return static_cast<int64_t>(v.size()); }
  T* p() { return v.data(); }
  const vigil_tensor* d() { return &t; }
};

// Central difference of f over every element of v (each restored afterwards):
// (f(v + h e_i) - f(v - h e_i)) / 2h.
std::vector<double> numeric_grad(std::vector<double>& v, const std::function<double()>& f,
                                 double h = 1e-6);

// Largest |analytic - numeric| - (atol + rtol |numeric|) over the elements, NaN counting as
// infinite; <= 0 passes. *worst (if given) describes the worst element.
double grad_excess(const std::vector<double>& analytic, const std::vector<double>& numeric,
                   double rtol, double atol, std::string* worst = nullptr);

// Deterministic uniform values in [lo, hi) (a small LCG: the harness needs no library RNG).
template <typename T>
void fill_uniform(std::vector<T>& v, uint64_t seed, double lo = -1, double hi = 1);

// True when s is `want` and vigil_last_error() names `op`.
inline bool error_names(vigil_status s, vigil_status want, const char* op) {
  return s == want && std::strstr(vigil_last_error(), op) != nullptr;
}

// True when vigil_last_error() starts with `prefix` (the op's name and the failed rule).
inline bool names_op(const char* prefix) {
  return std::strncmp(vigil_last_error(), prefix, std::strlen(prefix)) == 0;
}

inline bool shape_error(vigil_status s, const char* op) { return error_names(s, VIGIL_ERR_SHAPE, op); }

// A tensor of deterministic uniform values in [-1, 1).
template <typename T>
Buf<T> random_buf(std::vector<int64_t> shape, uint64_t seed) {
  Buf<T> b(std::move(shape));
  fill_uniform(b.v, seed);
  return b;
}

}  // namespace harness

#define HTEST(name)                                                  \
  static void name();                                                \
  static harness::Registrar name##_registrar(#name, name);          \
  static void name()

#define HCHECK(cond, msg)                                                           \
  do {                                                                              \
    if (!(cond)) harness::record_failure(__FILE__, __LINE__, std::string(msg));     \
  } while (0)

#define HCHECK_OK(call)                                                                   \
  do {                                                                                    \
    vigil_status _s = (call);                                                             \
    if (_s != VIGIL_OK)                                                                   \
      harness::record_failure(__FILE__, __LINE__, std::string(#call) + " -> " + vigil_last_error()); \
  } while (0)

#define HCHECK_CLOSE(what, a, b, n, rtol, atol) \
  harness::check_close(what, a, b, n, rtol, atol, __FILE__, __LINE__)
