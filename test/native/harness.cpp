// The harness's main(): runs every registered case (or those whose name contains argv[1]) and
// ends with the line "N passed, N failed, N skipped".
#include "harness.h"

#include <cstring>
#include <utility>

namespace harness {
namespace {
std::vector<std::pair<const char*, Fn>>& registry() {
  static std::vector<std::pair<const char*, Fn>> r;
  return r;
}
std::vector<std::string> g_failures;
std::string g_skipped;  // the running case's skip reason; empty: it ran
}  // namespace

Registrar::Registrar(const char* name, Fn fn) { registry().emplace_back(name, fn); }

void record_failure(const char* file, int line, const std::string& msg) {
  g_failures.push_back(std::string(file) + ":" + std::to_string(line) + ": " + msg);
}

void skip(const std::string& reason) { g_skipped = reason.empty() ? "skipped" : reason; }

template <typename T>
Buf<T>::Buf(std::vector<int64_t> shape, T fill) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  v.assign(static_cast<size_t>(n), fill);
  t.data = v.data();
  t.dtype = sizeof(T) == 8 ? VIGIL_F64 : VIGIL_F32;
  t.device = VIGIL_CPU;
  t.ndim = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
}
template struct Buf<float>;
template struct Buf<double>;

std::vector<double> numeric_grad(std::vector<double>& v, const std::function<double()>& f,
                                 double h) {
  std::vector<double> g(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double keep = v[i];
    v[i] = keep + h;
    const double fp = f();
    v[i] = keep - h;
    const double fm = f();
    v[i] = keep;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

double grad_excess(const std::vector<double>& analytic, const std::vector<double>& numeric,
                   double rtol, double atol, std::string* worst) {
  double max_excess = -INFINITY;
  for (size_t i = 0; i < analytic.size(); ++i) {
    double excess = std::fabs(analytic[i] - numeric[i]) - (atol + rtol * std::fabs(numeric[i]));
    if (std::isnan(analytic[i]) || std::isnan(numeric[i])) excess = INFINITY;
    if (excess > max_excess) {
      max_excess = excess;
      if (worst)
        *worst = "element " + std::to_string(i) + ": analytic " + std::to_string(analytic[i]) +
                 ", numeric " + std::to_string(numeric[i]);
    }
  }
  return max_excess;
}

template <typename T>
void fill_uniform(std::vector<T>& v, uint64_t seed, double lo, double hi) {
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (T& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
    x = static_cast<T>(lo + (hi - lo) * u);
  }
}
template void fill_uniform<float>(std::vector<float>&, uint64_t, double, double);
template void fill_uniform<double>(std::vector<double>&, uint64_t, double, double);

}  // namespace harness

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0, skipped = 0;
  for (auto& [name, fn] : harness::registry()) {
    if (filter && !std::strstr(name, filter)) continue;
    size_t before = harness::g_failures.size();
    harness::g_skipped.clear();
    fn();
    if (harness::g_failures.size() == before && !harness::g_skipped.empty()) {
      ++skipped;
      std::printf("  skip %s: %s\n", name, harness::g_skipped.c_str());
    } else if (harness::g_failures.size() == before) {
      ++passed;
      std::printf("  ok   %s\n", name);
    } else {
      ++failed;
      std::printf("  FAIL %s\n", name);
      for (size_t i = before; i < harness::g_failures.size(); ++i)
        std::printf("       %s\n", harness::g_failures[i].c_str());
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
