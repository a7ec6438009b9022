"""PyTorch CPU side of tools/bench/gemm.ts: the same products, timed the same way (median over
`reps` samples after `warmup` calls, each sample `inner` calls). Two PyTorch paths per product:
the default dense one (torch.matmul / F.linear: the system BLAS, OpenBLAS when the libblas.so.3
alternative points at it; the probe says which) and oneDNN ("<name> onednn": torch.utils.mkldnn's
linear on mkldnn tensors, no layout conversions timed). Serves runs (torch_common.serve): each
answers a dict mapping names to GFLOP/s.
Usage: torch_gemm.py THREADS WARMUP REPS"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torch.utils.mkldnn

from torch_common import serve, set_threads


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
    set_threads(threads)
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.rand(*s, generator=g) * 2 - 1  # noqa: E731
    calls = {}
    # (name, rows, in, out): y[rows, out] = x[rows, in] @ w[out, in]^T; the matmul is x @ b
    # with b = w^T, timed as torch.matmul on the dense path
    products = [("matmul 512x512x512", 512, 512, 512), ("linear 6400x38 -> 512", 6400, 38, 512),
                ("lstm step 64x128 -> 512", 64, 128, 512)]
    torch.set_grad_enabled(False)
    for name, rows, n_in, n_out in products:
        flops = 2 * rows * n_in * n_out
        x, w = r(rows, n_in), r(n_out, n_in)
        if name.startswith("matmul"):
            b, y = w.t().contiguous(), torch.empty(rows, n_out)
            calls[name] = (flops, lambda x=x, b=b, y=y: torch.matmul(x, b, out=y))
        else:
            calls[name] = (flops, lambda x=x, w=w: F.linear(x, w))
        layer = torch.nn.Linear(n_in, n_out, bias=False)
        layer.weight.copy_(w)
        onednn, xm = torch.utils.mkldnn.to_mkldnn(layer), x.to_mkldnn()
        calls[name + " onednn"] = (flops, lambda f=onednn, xm=xm: f(xm))
    serve({"threads": torch.get_num_threads(), "torch": torch.__version__},
          lambda: {k: gflops(fn, flops, warmup, reps) for k, (flops, fn) in calls.items()})


if __name__ == "__main__":
    main()
