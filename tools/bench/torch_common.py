"""Shared timing for the PyTorch peers of tools/bench/*.ts."""
import statistics
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


def model_step_ms(model, loss_of, score_of, x, xs, warmup, reps):
    """{"train_ms", "score_ms"}: one Adam step (lr 1e-3) on loss_of(model, x) in training mode,
    and one no-grad eval-mode score_of(model, xs) pass, as medians. Each step ends by reading a
    result to the host (CUDA work is asynchronous), as the TS side does."""
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
        with torch.no_grad():
            score_of(model, xs).cpu()

    return {"train_ms": median_ms(train, warmup, reps), "score_ms": median_ms(score, warmup, reps)}
