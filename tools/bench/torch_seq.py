"""PyTorch CPU side of tools/bench/seq.ts: the same LSTM layer and causal conv, forward +
backward, timed the same way (median of `reps` after `warmup`). Serves runs
(torch_common.serve): each answers {"lstm": ms, "causal_conv1d": ms}.
Usage: torch_seq.py THREADS WARMUP LSTM_REPS CONV_REPS"""
import sys

import torch
import torch.nn.functional as F

from torch_common import median_ms, serve, set_threads


def lstm_step_fn(B=64, T=100, I=38, H=128):
    lstm = torch.nn.LSTM(I, H, batch_first=True)
    x = torch.randn(B, T, I, requires_grad=True)
    gy = torch.randn(B, T, H)
    params = [x] + list(lstm.parameters())

    def step():
        for p in params:
            p.grad = None
        y, _ = lstm(x)
        y.backward(gy)
    return step


def conv_step_fn(B=32, C=64, T=512, K=2, d=16):
    x = torch.randn(B, C, T, requires_grad=True)
    w = (torch.randn(C, C, K) * 0.1).requires_grad_()
    b = torch.randn(C, requires_grad=True)
    gy = torch.randn(B, C, T)

    def step():
        for p in (x, w, b):
            p.grad = None
        y = F.conv1d(F.pad(x, ((K - 1) * d, 0)), w, b, dilation=d)
        y.backward(gy)
    return step


def main():
    threads, warmup, lstm_reps, conv_reps = (int(a) for a in sys.argv[1:5])
    set_threads(threads)
    torch.manual_seed(0)
    lstm, conv = lstm_step_fn(), conv_step_fn()
    serve({"threads": torch.get_num_threads(), "torch": torch.__version__},
          lambda: {"lstm": median_ms(lstm, warmup, lstm_reps), "causal_conv1d": median_ms(conv, warmup, conv_reps)})


if __name__ == "__main__":
    main()
