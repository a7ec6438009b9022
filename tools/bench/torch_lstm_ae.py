"""PyTorch CPU side of tools/bench/lstm_ae.ts: the seed-003 LSTM autoencoder (the same layers,
sizes and BatchNorm settings as models/lstm_ae.ts), one Adam training step and one scoring pass
(per-channel squared error), eager and traced + frozen, timed the same way. Serves runs
(torch_common.serve): each answers {"train_ms", "score_ms", "score_frozen_ms"}.
Usage: torch_lstm_ae.py THREADS WARMUP REPS BATCH SCORE_BATCH WINDOW CHANNELS"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import model_step_ms, model_steps, serve_steps, set_threads, uniform


class ChannelLastBN(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.bn = nn.BatchNorm1d(n, momentum=0.01, eps=1e-3)

    def forward(self, x):
        return self.bn(x.transpose(1, 2)).transpose(1, 2) if x.dim() == 3 else self.bn(x)


class LstmAe(nn.Module):
    def __init__(self, f, window):
        super().__init__()
        self.window = window
        self.enc1, self.bn1 = nn.LSTM(f, 128, batch_first=True), ChannelLastBN(128)
        self.enc2, self.bn2 = nn.LSTM(128, 64, batch_first=True), ChannelLastBN(64)
        self.to_latent, self.from_latent, self.bn_lat = nn.Linear(64, 32), nn.Linear(32, 64), ChannelLastBN(64)
        self.dec1, self.bn3 = nn.LSTM(64, 64, batch_first=True), ChannelLastBN(64)
        self.dec2, self.bn4 = nn.LSTM(64, 128, batch_first=True), ChannelLastBN(128)
        self.out = nn.Linear(128, f)

    def forward(self, x):
        h = self.bn1(self.enc1(x)[0])
        h = self.bn2(self.enc2(h)[0][:, -1, :])
        d = self.bn_lat(self.from_latent(self.to_latent(h)))
        h = d.unsqueeze(1).repeat(1, self.window, 1)
        h = self.bn3(self.dec1(h)[0])
        h = self.bn4(self.dec2(h)[0])
        return self.out(h)


def mse_loss(m, x):
    return F.mse_loss(m(x), x)


def channel_errors(m, xs):
    return ((m(xs) - xs) ** 2).mean(dim=1)


def workload(f, window, batch, score_batch, device):
    torch.manual_seed(0)
    return LstmAe(f, window).to(device), uniform((batch, window, f), device), uniform((score_batch, window, f), device)


def step_ms(f, window, batch, score_batch, warmup, reps, device="cpu"):
    """Training (MSE reconstruction) and scoring (per-channel squared error) times of LstmAe."""
    model, x, xs = workload(f, window, batch, score_batch, device)
    return model_step_ms(model, mse_loss, channel_errors, x, xs, warmup, reps)


def main():
    threads, warmup, reps, batch, score_batch, window, f = map(int, sys.argv[1:8])
    set_threads(threads)
    model, x, xs = workload(f, window, batch, score_batch, "cpu")
    steps = model_steps(model, mse_loss, channel_errors, x, xs, frozen=True)
    serve_steps(steps, warmup, reps, {"threads": torch.get_num_threads(), "torch": torch.__version__})


if __name__ == "__main__":
    main()
