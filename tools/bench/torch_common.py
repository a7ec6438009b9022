"""Shared timing for the PyTorch peers of tools/bench/*.ts."""
import statistics
import time


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
