"""PyTorch CPU side of tools/bench/dc_vae.ts: the DC-VAE of models/dc_vae.ts at upstream HEAD's
sizes (the layer list comes from the TS config as JSON), one Adam training step (reparameterised
draw, Gaussian NLL + KL) and one scoring pass (eval mode, z = z_mean, |x - mu| / sigma at the
last step) timed the same way. Prints one JSON line {"train_ms": ..., "score_ms": ...}.
Usage: torch_dc_vae.py THREADS WARMUP REPS BATCH SCORE_BATCH CONFIG_JSON"""
import json
import math
import sys

import torch
import torch.nn.functional as F

from torch_common import model_step_ms, uniform


class CausalConv(torch.nn.Module):
    def __init__(self, cin, cout, k, d):
        super().__init__()
        self.pad = (k - 1) * d
        self.conv = torch.nn.Conv1d(cin, cout, k, dilation=d)

    def forward(self, x):
        return self.conv(F.pad(x, (self.pad, 0)))


class DcVae(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        k, m, j = cfg["kernel"], cfg["inputs"], cfg["latent"]
        self.enc = torch.nn.ModuleList()
        self.dec = torch.nn.ModuleList()
        bn = lambda n: torch.nn.BatchNorm1d(n, momentum=cfg["bnMomentum"], eps=cfg["bnEps"])
        width = m
        for layer in cfg["encoder"]:
            self.enc.append(torch.nn.ModuleList([CausalConv(width, layer["units"], k, layer["dilation"]), bn(layer["units"])]))
            width = layer["units"]
        self.z_mean = CausalConv(width, j, k, cfg["latentDilation"])
        self.z_log_var = CausalConv(width, j, k, cfg["latentDilation"])
        width = j
        for layer in cfg["decoder"]:
            self.dec.append(torch.nn.ModuleList([CausalConv(width, layer["units"], k, layer["dilation"]), bn(layer["units"])]))
            width = layer["units"]
        self.x_mean = CausalConv(width, m, k, cfg["outputDilation"])
        self.x_log_var = CausalConv(width, m, k, cfg["outputDilation"])

    def forward(self, x):
        h = x.transpose(1, 2)
        for conv, bn in self.enc:
            h = bn(torch.tanh(conv(h)))
        zm, zlv = self.z_mean(h), self.z_log_var(h)
        h = zm + torch.exp(0.5 * zlv) * torch.randn_like(zm) if self.training else zm
        for conv, bn in self.dec:
            h = bn(F.elu(conv(h)))
        return zm, zlv, self.x_mean(h), self.x_log_var(h)


def elbo_loss(model, x):
    """The negative ELBO of a training step: Gaussian NLL of x plus the KL term, both means."""
    zm, zlv, mu, lv = model(x)
    xt = x.transpose(1, 2)
    nll = (0.5 * (lv + (xt - mu) ** 2 * torch.exp(-lv) + math.log(2 * math.pi))).mean()
    kl = (-0.5 * (1 + zlv - zm ** 2 - torch.exp(zlv))).mean()
    return nll + kl


def last_step_scores(model, xs):
    """|x - mu| / sigma at the last step, [batch, inputs]."""
    _, _, mu, lv = model(xs)
    return (xs[:, -1, :] - mu[:, :, -1]).abs() * torch.exp(-0.5 * lv[:, :, -1])


def step_ms(cfg, batch, score_batch, warmup, reps, device="cpu"):
    """Training and scoring times of DcVae(cfg)."""
    torch.manual_seed(0)
    model = DcVae(cfg).to(device)
    shape = (cfg["window"], cfg["inputs"])
    return model_step_ms(model, elbo_loss, last_step_scores, uniform((batch, *shape), device),
                         uniform((score_batch, *shape), device), warmup, reps)


def main():
    threads, warmup, reps, batch, score_batch = map(int, sys.argv[1:6])
    cfg = json.loads(sys.argv[6])
    torch.set_num_threads(threads)
    print(json.dumps({**step_ms(cfg, batch, score_batch, warmup, reps), "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
