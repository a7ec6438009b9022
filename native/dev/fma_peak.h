// Measures the machine's fp32 FMA throughput with independent register-resident FMA chains,
// the denominator of "fraction of peak" in the benchmarks.
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
double vigil_dev_fma_peak_gflops(int threads, double seconds);
#ifdef __cplusplus
}
#endif
