"""PyTorch CPU side of tools/bench/gemm.ts: the same products, timed the same way (median over
`reps` samples after `warmup` calls, each sample `inner` calls). Two PyTorch paths per product:
the default dense one (torch.matmul / F.linear, which this Debian build sends to the generic
reference BLAS) and oneDNN ("<name> onednn": torch.utils.mkldnn's linear on mkldnn tensors, no
layout conversions timed). Prints one JSON line mapping names to GFLOP/s, plus "threads" and
"torch" (the version).
Usage: torch_gemm.py THREADS WARMUP REPS (run with OMP_WAIT_POLICY=PASSIVE)."""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torch.utils.mkldnn


def gflops(fn, flops, warmup, reps):
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(2e-3 / once))  # samples of at least ~2 ms
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return flops / statistics.median(samples) / 1e9


def main():
    threads, warmup, reps = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.rand(*s, generator=g) * 2 - 1  # noqa: E731
    out = {"threads": torch.get_num_threads(), "torch": torch.__version__}
    # (name, rows, in, out): y[rows, out] = x[rows, in] @ w[out, in]^T; the matmul is x @ b
    # with b = w^T, timed as torch.matmul on the dense path
    products = [("matmul 512x512x512", 512, 512, 512), ("linear 6400x38 -> 512", 6400, 38, 512),
                ("lstm step 64x128 -> 512", 64, 128, 512)]
    with torch.no_grad():
        for name, rows, n_in, n_out in products:
            flops = 2 * rows * n_in * n_out
            x, w = r(rows, n_in), r(n_out, n_in)
            if name.startswith("matmul"):
                b, y = w.t().contiguous(), torch.empty(rows, n_out)
                out[name] = gflops(lambda: torch.matmul(x, b, out=y), flops, warmup, reps)
            else:
                out[name] = gflops(lambda: F.linear(x, w), flops, warmup, reps)
            layer = torch.nn.Linear(n_in, n_out, bias=False)
            layer.weight.copy_(w)
            onednn, xm = torch.utils.mkldnn.to_mkldnn(layer), x.to_mkldnn()
            out[name + " onednn"] = gflops(lambda: onednn(xm), flops, warmup, reps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
