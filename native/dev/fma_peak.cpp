// fp32 FMA peak: each thread runs 12 independent 8-wide FMA chains (enough to cover the latency
// of two FMA pipes) held in registers, for `seconds`; GFLOP/s = 2 * 8 * chains * iterations / t.
#include "dev/fma_peak.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace {

double run_thread(double seconds) {
  using clock = std::chrono::steady_clock;
  const int64_t inner = 1 << 16;
  int64_t iters = 0;
  auto start = clock::now();
  double elapsed = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  do {
    for (int64_t k = 0; k < inner; ++k) {
      for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    iters += inner;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  float sink[8];
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_storeu_ps(sink, s);
  volatile float keep = sink[0];
  (void)keep;
  return 2.0 * 8 * 12 * static_cast<double>(iters) / elapsed / 1e9;
#else
  float acc[8] = {0};
  do {
    for (int64_t k = 0; k < inner; ++k)
      for (int i = 0; i < 8; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
    iters += inner;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  volatile float keep = acc[0];
  (void)keep;
  return 2.0 * 8 * static_cast<double>(iters) / elapsed / 1e9;
#endif
}

}  // namespace

extern "C" double vigil_dev_fma_peak_gflops(int threads, double seconds) {
  if (threads < 1) threads = 1;
  std::vector<double> rates(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) ts.emplace_back([&, t] { rates[t] = run_thread(seconds); });
  for (auto& t : ts) t.join();
  double total = 0;
  for (double r : rates) total += r;
  return total;
}
