"""PyTorch CPU side of tools/bench/dc_vae.ts: the DC-VAE of models/dc_vae.ts at upstream HEAD's
sizes (the layer list comes from the TS config as JSON), one Adam training step (reparameterised
draw, Gaussian NLL + KL) and one scoring pass (eval mode, z = z_mean, |x - mu| / sigma at the
last step, from the full forward pass over every step, as upstream computes it), eager and
traced + frozen, timed the same way. Serves runs (torch_common.serve): each answers
{"train_ms", "score_ms", "score_frozen_ms"}.
Usage: torch_dc_vae.py THREADS WARMUP REPS BATCH SCORE_BATCH CONFIG_JSON"""
import json
import os
import sys

import torch

from torch_common import model_step_ms, model_steps, serve_steps, set_threads, uniform


# The model is the fixture generator's (tools/fixtures/dc_vae.py), so the peer the bench times is
# the one the fixtures prove Vigil's model equal to (variance floor and loss reduction included).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from dc_vae import DcVae  # noqa: E402


def elbo_loss(model, x):
    """The negative ELBO of a training step with a fresh reparameterised draw."""
    eps = torch.randn(x.shape[0], model.cfg["latent"], x.shape[1], device=x.device)
    return model.loss(x, eps)[0]


def last_step_scores(model, xs):
    """|x - mu| / sigma at the last step, [batch, inputs]."""
    _, _, mu, lv = model(xs)
    return (xs[:, -1, :] - mu[:, :, -1]).abs() * torch.exp(-0.5 * lv[:, :, -1])


def workload(cfg, batch, score_batch, device):
    torch.manual_seed(0)
    shape = (cfg["window"], cfg["inputs"])
    return DcVae(cfg).to(device), uniform((batch, *shape), device), uniform((score_batch, *shape), device)


def step_ms(cfg, batch, score_batch, warmup, reps, device="cpu"):
    """Training and scoring times of DcVae(cfg)."""
    model, x, xs = workload(cfg, batch, score_batch, device)
    return model_step_ms(model, elbo_loss, last_step_scores, x, xs, warmup, reps)


def main():
    threads, warmup, reps, batch, score_batch = map(int, sys.argv[1:6])
    cfg = json.loads(sys.argv[6])
    if cfg.get("likelihood", "gaussian") != "gaussian":
        # elbo_loss is the Gaussian one: timing it against another likelihood is not like for like.
        sys.exit(f"torch_dc_vae.py: the peer computes the Gaussian likelihood only, got {cfg['likelihood']!r}")
    set_threads(threads)
    model, x, xs = workload(cfg, batch, score_batch, "cpu")
    steps = model_steps(model, elbo_loss, last_step_scores, x, xs, frozen=True)
    serve_steps(steps, warmup, reps, {"threads": torch.get_num_threads(), "torch": torch.__version__})


if __name__ == "__main__":
    main()
