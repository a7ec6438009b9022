// vigil_fma_peak <threads> <seconds>: the machine's fp32 FMA throughput, the denominator of
// "fraction of peak" in the benchmarks. Prints one JSON line
//   {"gflops": <number>, "threads": <n>, "seconds": <s>}
// Each thread runs 12 independent 8-wide FMA chains (enough to cover the latency of two FMA
// pipes) held in registers, for `seconds`; GFLOP/s = 2 * 8 * chains * iterations / t.
// A probe, not part of the addon: built as its own executable (CMakeLists.txt).
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

double fma_peak_gflops(int threads, double seconds) {
  std::vector<double> rates(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) ts.emplace_back([&, t] { rates[t] = run_thread(seconds); });
  for (auto& t : ts) t.join();
  double total = 0;
  for (double r : rates) total += r;
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  char* end1 = nullptr;
  char* end2 = nullptr;
  const long threads = argc == 3 ? std::strtol(argv[1], &end1, 10) : 0;
  const double seconds = argc == 3 ? std::strtod(argv[2], &end2) : 0;
  if (argc != 3 || *end1 || *end2 || threads < 1 || threads > 1024 || !(seconds > 0)) {
    std::fprintf(stderr, "usage: vigil_fma_peak <threads >= 1> <seconds > 0>\n");
    return 2;
  }
  const double gflops = fma_peak_gflops(static_cast<int>(threads), seconds);
  std::printf("{\"gflops\": %.6g, \"threads\": %ld, \"seconds\": %.6g}\n", gflops, threads, seconds);
  return 0;
}
