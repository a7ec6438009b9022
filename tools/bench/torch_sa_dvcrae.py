"""PyTorch CPU side of tools/bench/sa_dvcrae.ts: Sa-DVCRAE (models/sa_dvcrae/model.ts) as the
fixture port (tools/fixtures/sa_dvcrae.py) computes it, with the engine's weights and matrices:
one training step (the port's loss_terms, the seed's loss with the KL weight, z = z_mean +
exp(z_log_var / 2) eps with eps drawn fresh each step; Adam at lr 1e-3) and one scoring pass
(eval mode: z = z_mean; the last matrix's residual Frobenius norm per sample), eager and traced
+ frozen: torch_common.model_steps. Serves runs (torch_common.serve_steps): each answers
{"train_ms", "score_ms", "score_frozen_ms"} plus the check figures below.

The port is imported, not copied: its parameter list (`shapes`), its forward (`run`) and its loss
(`loss_terms`) are what is timed, with ONE substitution: its SA-ConvLSTM layers. The port builds
them from the reference cells (conv_lstm_cells.sam_layer: eight padded convs per plain step, one
per gate and input), written for clarity, which would make a weak peer; the timed forward swaps
in the convlstm suite's organised layer (torch_convlstm.sam_layer: the input conv over all T*B
samples at once, one recurrent conv per step, conv2d's own padding) through the port's module
global `sam_layer`, which its `sam` reads at call time (the check raises if the timed forward
does not reach it once per SA layer). The rest (TF-'same' stride-2 convs as
F.pad + conv, the transposed convs cropped from the full ones) runs as the port writes it.
The port has no dropout (its configs use 0), so the suite runs the engine at dropout 0 too.

The check (once per peer start, reported with every run): the engine writes its freshly
initialised weights (its stateDict names), the training and scoring batches and its own
eval-mode loss, reconstruction, z_mean and z_log_var on the training batch and its scores to
DIR; here
  check_loss          = the timed forward's eval-mode loss on the training batch (float32),
  check_loss_ref      = the port's own forward's, reference cells, float64,
  check_score_rel     = max |score - engine score| / max(1, |engine score|), timed forward,
  check_score_ref_rel = the same for the port's own forward (float64),
  check_<out>_rel, check_<out>_ref_rel = max |out - engine's| / max |engine's| for out = recon,
                      z_mean, z_log_var (OUTPUTS), timed forward and port's own (float64);
tools/bench/sa_dvcrae.ts fails the suite unless each is within 1e-4 (losses relative to
max(1, |loss|)). The loss and the scores alone would not do: at the initial weights the
reconstruction is small, so they are mostly |x|^2 and barely move when a layer is wrong; the
network's outputs, each on its own scale, do. The timed runs then train from the same
weights.
Usage: torch_sa_dvcrae.py THREADS WARMUP REPS DIR"""
import os
import sys

import torch

from torch_common import model_steps, serve_steps, set_threads
from torch_convlstm import sam_layer as organised_sam_layer
from torch_matrix import last_matrix_scores, load_inputs

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import sa_dvcrae as port  # noqa: E402

REFERENCE_SAM_LAYER = port.sam_layer
timed_calls = [0]  # the check makes sure the port's forward reaches timed_sam_layer


def timed_sam_layer(x, w_x, w_h, bias, w_qkv, b_qkv, w_kv_m, b_kv_m, w_z, b_z, w_mem, b_mem, x_mask, h0, c0,
                    hard, record=None):
    """conv_lstm_cells.sam_layer's signature over the organised layer, for what the port passes
    (no mask, zero initial state, hard sigmoid); its final state, which the port drops, is None."""
    if x_mask is not None or h0 is not None or c0 is not None or not hard or record is not None:
        raise ValueError("timed_sam_layer: only the port's call (no mask, zero state, hard sigmoid, no record)")
    timed_calls[0] += 1
    return organised_sam_layer(x, w_x, w_h, bias, w_qkv, b_qkv, w_kv_m, b_kv_m, w_z, b_z, w_mem, b_mem), None


class SaDvcraePeer(torch.nn.Module):
    """The port's parameters as one module: forward = the eval-mode reconstruction
    [B, T, S, P, P] (z = z_mean), loss = the port's loss with a given eps."""

    def __init__(self, cfg, weights):
        super().__init__()
        self.cfg, self.names = cfg, [n for n, _ in port.shapes(cfg)]
        missing = [n for n in self.names if n not in weights]
        if missing:
            raise KeyError(f"torch_sa_dvcrae: the engine sent no weights named {missing}")
        self.params = torch.nn.ParameterList([torch.nn.Parameter(weights[n].clone()) for n in self.names])

    def named(self):
        return dict(zip(self.names, self.params))

    def forward(self, x):
        return port.run(self.named(), x, self.cfg, None)[0]

    def loss(self, x, eps):
        return port.loss_terms(self.named(), x, self.cfg, eps)[0]


OUTPUTS = ("recon", "z_mean", "z_log_var")  # port.run's outputs, in its order


def rel(a, b):
    """max |a - b| / max |b|: agreement of a tensor on its own scale."""
    a, b = a.double(), b.double()
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-30))


def check(cfg, weights, model, x, xs, man, vigil):
    """The figures of the module docstring; leaves the port on the timed layer."""
    with torch.no_grad():
        port.sam_layer = REFERENCE_SAM_LAYER
        p64 = {n: weights[n].double() for n in model.names}
        loss_ref = float(port.loss_terms(p64, x.double(), cfg, None)[0])
        out_ref = port.run(p64, x.double(), cfg, None)
        r = (xs.double() - port.run(p64, xs.double(), cfg, None)[0])[:, -1]
        scores_ref = torch.sqrt((r * r).sum(dim=(1, 2, 3)))
        port.sam_layer = timed_sam_layer
        model.eval()
        timed_calls[0] = 0
        loss = float(model.loss(x, None))
        if timed_calls[0] != len(cfg["encoderLstm"]) + len(cfg["decoderLstm"]):
            raise RuntimeError("torch_sa_dvcrae: the port's forward no longer reads its module global sam_layer, "
                               "so the timed forward would run the reference cells")
        out = port.run(model.named(), x, cfg, None)
        scores = last_matrix_scores(model, xs)
    denom = vigil["scores"].double().abs().clamp(min=1.0)
    checked = {
        "check_loss": loss, "check_loss_ref": loss_ref, "check_vigil_loss": man["vigil_loss"],
        "check_score_rel": float(((scores.double() - vigil["scores"].double()).abs() / denom).max()),
        "check_score_ref_rel": float(((scores_ref - vigil["scores"].double()).abs() / denom).max()),
    }
    for name, mine, ref in zip(OUTPUTS, out, out_ref):
        checked[f"check_{name}_rel"], checked[f"check_{name}_ref_rel"] = rel(mine, vigil[name]), rel(ref, vigil[name])
    return checked


def main():
    threads, warmup, reps = map(int, sys.argv[1:4])
    set_threads(threads)
    torch.manual_seed(0)
    man, t = load_inputs(sys.argv[4])
    cfg = man["config"]
    if cfg["dropout"] != 0 or cfg["kernel"] != 3 or man["lr"] != 1e-3:
        raise ValueError("torch_sa_dvcrae: the port has no dropout, the organised layer pads for 3x3 kernels "
                         "and model_steps' Adam runs at lr 1e-3")
    known = {"cell": "self-attention-memory", "scoreBy": "error", "score": "last"}
    if any(cfg.get(k, v) != v for k, v in known.items()):
        raise ValueError(f"torch_sa_dvcrae: the port and this peer's score compute {known}, the engine's config has "
                         f"{ {k: cfg.get(k) for k in known} }")
    weights = {k[2:]: v for k, v in t.items() if k.startswith("p.")}
    x, xs = t["x"], t["xs"]
    model = SaDvcraePeer(cfg, weights)
    vigil = {name: t[f"vigil_{name}"] for name in ("scores",) + OUTPUTS}
    checked = check(cfg, weights, model, x, xs, man, vigil)
    eps_shape = (int(x.shape[0]), cfg["latent"])
    steps = model_steps(model, lambda m, v: m.loss(v, torch.randn(eps_shape)), last_matrix_scores, x, xs, frozen=True)
    serve_steps(steps, warmup, reps, {"threads": torch.get_num_threads(), "torch": torch.__version__}, checked)


if __name__ == "__main__":
    main()
