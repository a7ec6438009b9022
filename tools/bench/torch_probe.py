"""The PyTorch peer's own account of itself, for tools/bench/peer.ts: its version, the BLAS and
OpenMP libraries it loaded (threadpoolctl: library, version, threading layer, threads), the
thread and wait-policy variables it runs with, and the GFLOP/s of its default dense matmul
(torch.matmul of 1024^3 fp32, the path its nn.Linear / LSTM products take) at THREADS threads.
The TS side compares that figure with Vigil's FMA peak before printing any ratio. Also the
median ms of an LSTM layer's forward + backward (the ops bench's lstm: OpenMP element-wise work
and BLAS products in turn), the workload on which the peer's thread wait policy matters: the TS
side runs the probe under each candidate policy and keeps the faster.
Prints one JSON line. Usage: torch_probe.py THREADS SECONDS"""
import json
import os
import statistics
import sys
import time

import torch
import threadpoolctl  # after torch: it reports the libraries torch has loaded


def matmul_gflops(n, seconds):
    """Median GFLOP/s of samples of torch.matmul(a, b, out=c), each sample >= 50 ms."""
    a, b, c = torch.rand(n, n), torch.rand(n, n), torch.empty(n, n)
    for _ in range(3):
        torch.matmul(a, b, out=c)
    t0 = time.perf_counter()
    torch.matmul(a, b, out=c)
    inner = max(1, int(0.05 / max(time.perf_counter() - t0, 1e-6)))
    samples, end = [], time.perf_counter() + seconds
    while len(samples) < 5 or time.perf_counter() < end:
        t0 = time.perf_counter()
        for _ in range(inner):
            torch.matmul(a, b, out=c)
        samples.append((time.perf_counter() - t0) / inner)
    return 2.0 * n ** 3 / statistics.median(samples) / 1e9


def lstm_ms():
    """Median ms of nn.LSTM(38, 128) forward + backward on [64, 100, 38], 5 runs after 1."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(38, 128, batch_first=True)
    x, gy = torch.randn(64, 100, 38, requires_grad=True), torch.randn(64, 100, 128)

    def step():
        x.grad = None
        lstm(x)[0].backward(gy)
    step()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    threads, seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    gflops = matmul_gflops(1024, seconds)
    pools = [{k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version", "threading_layer",
                                    "architecture", "num_threads", "filepath")}
             for p in threadpoolctl.threadpool_info()]
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "GOMP_", "KMP_"))}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "matmul_gflops": gflops, "lstm_ms": lstm_ms(), "pools": pools, "env": env,
                      "onednn": torch.backends.mkldnn.is_available()}))


if __name__ == "__main__":
    main()
