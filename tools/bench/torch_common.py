"""Shared timing for the PyTorch peers of tools/bench/*.ts.

The CPU peers run as small servers (serve): the TS side starts one per suite and thread count
with OPENBLAS/OMP/MKL_NUM_THREADS set (tools/bench/peer.ts), builds the workload once, and then
asks for one timed run at a time ("run" on stdin, one JSON line back), alternating with Vigil's
runs. While it waits for the next request the peer uses no CPU."""
import copy
import json
import statistics
import sys
import time

import torch


def median_ms(step, warmup, reps):
    """Median milliseconds of step() over reps runs after warmup runs."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def uniform(shape, device):
    """Uniform values in [-1, 1), as the TS side's LCG inputs."""
    return torch.rand(*shape, device=device) * 2 - 1


def set_threads(threads):
    """torch's intra-op threads; OpenBLAS's and OpenMP's own counts come from the environment
    the TS side sets (torch.set_num_threads alone leaves OpenBLAS's pool at the core count)."""
    torch.set_num_threads(threads)


def serve(ready, run_once):
    """Prints `ready` (a dict), then answers each "run" line on stdin with run_once()'s dict as
    one JSON line, until "quit" or end of input."""
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd == "run":
            print(json.dumps(run_once()), flush=True)


class _Scorer(torch.nn.Module):
    """model + its scoring function as one module, so the whole scoring pass is traced."""

    def __init__(self, model, score_of):
        super().__init__()
        self.model, self.score_of = model, score_of

    def forward(self, xs):
        return self.score_of(self.model, xs)


def frozen_scorer(model, score_of, xs):
    """PyTorch's best legitimate CPU inference mode for a fixed-shape scoring pass: the eval-mode
    scoring traced (torch.jit.trace), frozen (torch.jit.freeze: weights inlined as constants,
    conv + BatchNorm folded) and run under torch.inference_mode. Built on a copy of the model so
    later training steps do not touch it."""
    scorer = _Scorer(copy.deepcopy(model).eval(), score_of).eval()
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(scorer, xs))

    def score():
        with torch.inference_mode():
            frozen(xs).cpu()
    return score


def model_steps(model, loss_of, score_of, x, xs, frozen=False):
    """{"train", "score"[, "score_frozen"]}: closures for one Adam step (lr 1e-3) on
    loss_of(model, x) in training mode, one eval-mode score_of(model, xs) pass (eager, under
    inference_mode), and with frozen=True the traced + frozen scoring pass. Each step ends by
    reading a result to the host (CUDA work is asynchronous), as the TS side does."""
    steps = {"score_frozen": frozen_scorer(model, score_of, xs)} if frozen else {}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train():
        model.train()
        opt.zero_grad()
        loss = loss_of(model, x)
        loss.backward()
        opt.step()
        loss.item()

    def score():
        model.eval()
        with torch.inference_mode():
            score_of(model, xs).cpu()

    return {"train": train, "score": score, **steps}


def model_step_ms(model, loss_of, score_of, x, xs, warmup, reps):
    """{"train_ms", "score_ms"} as medians of model_steps' training and eager scoring (the GPU
    bench's single-shot use)."""
    steps = model_steps(model, loss_of, score_of, x, xs)
    return {"train_ms": median_ms(steps["train"], warmup, reps), "score_ms": median_ms(steps["score"], warmup, reps)}


def serve_steps(steps, warmup, reps, ready, extra=None):
    """Serves model_steps: each run answers {"<name>_ms": median} for every step, plus `extra`
    (a dict, e.g. a peer's check figures) in every answer and in `ready`."""
    extra = extra or {}
    serve({**ready, **extra}, lambda: {**{f"{name}_ms": median_ms(step, warmup, reps) for name, step in steps.items()}, **extra})
