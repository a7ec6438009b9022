"""PyTorch CPU side of tools/bench/alad.ts: ALAD at the paper's KDD sizes, the networks of the
fixture generator (tools/fixtures/alad.py, the port one training step of models/alad is proven
equal to), dropout as configured. One training step is the original's (seed-models.md 4.2):
the three discriminators on batch A with fresh noise, each on the gradient of its own loss, one
Adam step each; then G and E on an independently shuffled batch B with fresh noise, each on the
gradient of its own loss; then the weight averages. A run is one epoch of STEPS such steps
(batches gathered from a shuffled [STEPS * batch, inputs] table, as Vigil's loop does), in two
modes: "train" takes every player's gradient with its own torch.autograd.grad (the fixture's
loop), "train_joint" takes each phase's in one autograd.grad of its joint objective, as Vigil's
loop does: the discriminators' summed losses, and G/E's foolG + foolE + cycle (the same
gradients: each player's own loss differs from its phase's objective only by terms free of its
weights; the shared cycle terms are backpropagated once). Scoring: the fm score of SCORE_BATCH rows in eval mode, eager under
torch.inference_mode and traced + frozen. Serves runs (torch_common.serve): each answers
{"train_ms", "train_joint_ms" (per step), "score_ms", "score_frozen_ms" (per batch)}.
Usage: torch_alad.py THREADS WARMUP REPS STEPS SCORE_BATCH CONFIG_JSON"""
import json
import os
import sys
import time

import torch

from torch_common import frozen_scorer, median_ms, serve, set_threads, uniform

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from alad import Alad, bce, discriminator_losses, generator_losses  # noqa: E402

PLAYERS = ("dxz", "dxx", "dzz", "gen", "enc")


def fm_scores(m, x):
    """||f_xx(x, x) - f_xx(x, G(E(x)))||_1 per row, models/alad's `fm`."""
    rx = m.gen(m.enc(x))
    return (m.dxx.features(x, x) - m.dxx.features(x, rx)).abs().sum(1)


def ema_update(avgs, params, decay):
    """avg += (1 - decay) (param - avg) for every parameter, in one foreach call."""
    with torch.no_grad():
        if hasattr(torch, "_foreach_lerp_"):
            torch._foreach_lerp_(avgs, params, 1 - decay)
        else:  # PyTorch < 2.0: the same recurrence as decay * avg + (1 - decay) * param
            torch._foreach_mul_(avgs, decay)
            torch._foreach_add_(avgs, params, alpha=1 - decay)


def generator_joint(m, x, z):
    """foolG + foolE + cycle: gen = joint - foolE and enc = joint - foolG, neither removed term
    depending on the other player's weights (models/alad's generatorPhase)."""
    enc, gen, xr, xf, zr, zf = m.logits(x, z, False)
    cycle = bce(xr, 0) + bce(xf, 1)
    if m.c["dzz"]:
        cycle = cycle + bce(zr, 0) + bce(zf, 1)
    return bce(gen, 1) + bce(enc, 0) + cycle


class Trainer:
    def __init__(self, cfg, steps):
        torch.manual_seed(0)
        self.cfg, self.steps, self.b = cfg, steps, cfg["batchSize"]
        self.m = Alad(cfg)
        self.x = uniform((steps * self.b, cfg["inputs"]), "cpu")
        self.players = {k: list(getattr(self.m, k).parameters()) for k in PLAYERS}
        self.opts = {k: torch.optim.Adam(p, lr=cfg["lr"], betas=(cfg["beta1"], 0.999)) for k, p in self.players.items()}
        self.params = [p for k in PLAYERS for p in self.players[k]]
        self.avgs = [p.detach().clone() for p in self.params]

    def own_gradients(self, losses):
        """Each player's gradient of its own loss only, then each player's Adam step."""
        keys = list(losses)
        for i, k in enumerate(keys):
            grads = torch.autograd.grad(losses[k], self.players[k], retain_graph=i < len(keys) - 1)
            for p, g in zip(self.players[k], grads):
                p.grad = g
        for k in keys:
            self.opts[k].step()

    def joint_gradients(self, keys, objective):
        """The players' gradients in one pass over a joint objective whose gradient w.r.t. each
        player's weights is that of its own loss (models/alad's discriminatorPhase, generatorPhase)."""
        params = [p for k in keys for p in self.players[k]]
        for p, g in zip(params, torch.autograd.grad(objective, params)):
            p.grad = g
        for k in keys:
            self.opts[k].step()

    def epoch(self, joint):
        m, b, latent = self.m, self.b, self.cfg["latent"]
        m.train()
        n = self.x.shape[0]
        order_a, order_b = torch.randperm(n), torch.randperm(n)
        for s in range(self.steps):
            xa = self.x[order_a[s * b:(s + 1) * b]]
            d = discriminator_losses(m, xa, torch.randn(xa.shape[0], latent))
            if joint:
                self.joint_gradients(list(d), sum(d.values()))
            else:
                self.own_gradients(d)
            xb = self.x[order_b[s * b:(s + 1) * b]]
            zb = torch.randn(xb.shape[0], latent)
            if joint:
                self.joint_gradients(["gen", "enc"], generator_joint(m, xb, zb))
            else:
                self.own_gradients(generator_losses(m, xb, zb))
            ema_update(self.avgs, self.params, self.cfg["emaDecay"])

    def ms_per_step(self, joint):
        t0 = time.perf_counter()
        self.epoch(joint)
        return (time.perf_counter() - t0) * 1e3 / self.steps


def main():
    threads, warmup, reps, steps, score_batch = map(int, sys.argv[1:6])
    cfg = json.loads(sys.argv[6])
    set_threads(threads)
    t = Trainer(cfg, steps)
    for _ in range(warmup):
        t.epoch(False)
        t.epoch(True)
    xs = uniform((score_batch, cfg["inputs"]), "cpu")
    frozen = frozen_scorer(t.m, fm_scores, xs)

    def score():
        t.m.eval()
        with torch.inference_mode():
            fm_scores(t.m, xs).cpu()

    serve({"threads": torch.get_num_threads(), "torch": torch.__version__}, lambda: {
        "train_ms": t.ms_per_step(False),
        "train_joint_ms": t.ms_per_step(True),
        "score_ms": median_ms(score, warmup, reps),
        "score_frozen_ms": median_ms(frozen, warmup, reps),
    })


if __name__ == "__main__":
    main()
