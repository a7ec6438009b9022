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

from torch_common import median_ms


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


def main():
    threads, warmup, reps, batch, score_batch = map(int, sys.argv[1:6])
    cfg = json.loads(sys.argv[6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = DcVae(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, cfg["window"], cfg["inputs"]) * 2 - 1
    xs = torch.rand(score_batch, cfg["window"], cfg["inputs"]) * 2 - 1

    def train():
        model.train()
        opt.zero_grad()
        zm, zlv, mu, lv = model(x)
        xt = x.transpose(1, 2)
        nll = (0.5 * (lv + (xt - mu) ** 2 * torch.exp(-lv) + math.log(2 * math.pi))).mean()
        kl = (-0.5 * (1 + zlv - zm ** 2 - torch.exp(zlv))).mean()
        (nll + kl).backward()
        opt.step()

    def score():
        model.eval()
        with torch.no_grad():
            _, _, mu, lv = model(xs)
            ((xs[:, -1, :] - mu[:, :, -1]).abs() * torch.exp(-0.5 * lv[:, :, -1])).numpy()

    print(json.dumps({"train_ms": median_ms(train, warmup, reps), "score_ms": median_ms(score, warmup, reps),
                      "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
