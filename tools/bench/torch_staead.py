"""PyTorch CPU side of tools/bench/staead.ts: STAEAD (models/staead/model.ts) with the engine's
weights and matrices, one training step as the kind trains (MSE; Adam with AMSGrad, each
parameter's gradient norm clipped on its own, the cyclic rate where the config has one; dropout
masks drawn fresh each step, one per gate, fixed over the sequence, as Keras and the engine) and
one scoring pass (eval mode, the last matrix's residual Frobenius norm per sample), eager and
traced + frozen (torch_common.frozen_scorer), timed the same way. Serves runs
(torch_common.serve_steps): each answers {"train_ms", "score_ms", "score_frozen_ms"} plus the check
figures below.

The port: the fixture generator's (tools/fixtures/staead.py) parameter list, names and layouts
(`shapes`), its reference forward and its cyclic rate are imported, not copied. Its forward is
written for clarity (reference ConvLSTM cells: eight convs per step, one per gate and input),
which would make a weak peer, so the TIMED forward (StaeadPeer) is the same network organised
at its best, as tools/bench/torch_convlstm.py organises the layers: each ConvLSTM's input
convolution over all T*B samples at once (the four gates' dropout masks as one grouped conv),
the recurrent conv per step, the input-attention cell's two branches as one grouped conv, the
attention softmax/max as exp(z - max), the Keras hard sigmoid clamp(0.2 z + 0.5, 0, 1) for
every recurrent gate (both cells), as the engine's default.

The check (once per peer start, reported with every run): the engine writes its freshly
initialised weights (its stateDict names), the training and scoring batches and its own
eval-mode loss and scores to DIR; here they are loaded into both forwards and
  check_loss        = the timed forward's eval-mode MSE on the training batch (float32),
  check_loss_ref    = the fixture's reference forward's, in float64,
  check_score_rel   = max |score - engine score| / max(1, |engine score|), timed forward,
  check_score_ref_rel = the same for the reference forward (float64),
  check_dropout_diff = max |y - y_ref| of each timed ConvLSTM layer against the fixture's
                       reference cell with the same dropout masks (float64, random input);
tools/bench/staead.ts fails the suite when a loss differs from the engine's by more than 1e-4,
a score by more than 1e-4 relative or a masked layer by more than 1e-4. The timed runs then train from the same weights.
Usage: torch_staead.py THREADS WARMUP REPS DIR"""
import os
import sys

import torch
import torch.nn.functional as F

from torch_common import frozen_scorer, serve_steps, set_threads
from torch_matrix import last_matrix_scores, load_inputs

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import conv_lstm_cells as cells  # noqa: E402
from staead import cyclic, shapes  # noqa: E402
from staead import forward as reference_forward  # noqa: E402


def hard_sigmoid(z):
    return torch.clamp(0.2 * z + 0.5, 0.0, 1.0)


def by_step(v):
    """[B, T, C, H, W] -> [T*B, C, H, W], step-major (each step's batch contiguous)."""
    b, t = int(v.shape[0]), int(v.shape[1])
    return v.transpose(0, 1).reshape(t * b, *v.shape[2:])


def plain_layer(x, w_x, w_h, bias, mask):
    """Keras ConvLSTM2D ('same', stride 1, hard sigmoid), gates i, f, g, o; mask [4, B, Cin, H, W] or None."""
    b, t, cin, hh, ww = (int(d) for d in x.shape)  # ints, also under torch.jit.trace
    f, pad = int(w_h.shape[1]), int(w_h.shape[2]) // 2
    if mask is None:
        xin = F.conv2d(by_step(x), w_x, bias, padding=pad)
    else:  # gate k reads x . m_k: the four masked copies side by side, one grouped conv
        xm = torch.cat([x * mask[k].unsqueeze(1) for k in range(4)], 2)
        xin = F.conv2d(by_step(xm), w_x, bias, padding=pad, groups=4)
    xin = xin.view(t, b, 4 * f, hh, ww)
    h = c = None
    ys = []
    for s in range(t):
        z = xin[s] + F.conv2d(h, w_h, padding=pad) if s else xin[s]
        zi, zf, zg, zo = z.chunk(4, 1)
        c = hard_sigmoid(zi) * torch.tanh(zg) if s == 0 else hard_sigmoid(zf) * c + hard_sigmoid(zi) * torch.tanh(zg)
        h = hard_sigmoid(zo) * torch.tanh(c)
        ys.append(h)
    return torch.stack(ys, 1)


def attention_layer(x, dw_x, pw_x, dw_h, pw_h, bias, gw_x, gw_h, gate_bias, mask):
    """The input-attention cell (ops.h; tools/fixtures/conv_lstm_cells.input_attention_layer),
    branches i and g in one grouped depthwise + pointwise conv; mask [4, B, Cin, H, W] or None
    (m_0 on the i branch, m_2 on g; the gates read x unmasked)."""
    b, t, cin, hh, ww = (int(d) for d in x.shape)
    f, pad = int(pw_h.shape[1]), int(dw_h.shape[2]) // 2
    xs = by_step(x)
    if mask is None:
        x2 = torch.cat([xs, xs], 1)
    else:
        x2 = by_step(torch.cat([x * mask[0].unsqueeze(1), x * mask[2].unsqueeze(1)], 2))
    pre = F.conv2d(F.conv2d(x2, dw_x, padding=pad, groups=2 * cin), pw_x, bias, groups=2).view(t, b, 2 * f, hh, ww)
    gx = (xs.mean(dim=(2, 3)) @ gw_x.t() + gate_bias).view(t, b, 2 * f)
    h = c = None
    ys = []
    for s in range(t):
        p = pre[s]
        if s:
            h2 = torch.cat([h, h], 1)
            p = p + F.conv2d(F.conv2d(h2, dw_h[:2 * f], padding=pad, groups=2 * f), pw_h[:2 * f], groups=2)
        sv, g = torch.tanh(p[:, :f]), torch.tanh(p[:, f:])
        z = F.conv2d(F.conv2d(sv, dw_h[2 * f:], padding=pad, groups=f), pw_h[2 * f:])
        zf = z.reshape(b, f, hh * ww)
        i = torch.exp(zf - zf.amax(dim=2, keepdim=True)).view(b, f, hh, ww)  # softmax / its max
        gate = hard_sigmoid(gx[s] + h.mean(dim=(2, 3)) @ gw_h.t()) if s else hard_sigmoid(gx[s])
        fg, og = gate[:, :f].view(b, f, 1, 1), gate[:, f:].view(b, f, 1, 1)
        c = i * g if s == 0 else fg * c + i * g
        h = og * torch.tanh(c)
        ys.append(h)
    return torch.stack(ys, 1)


class StaeadPeer(torch.nn.Module):
    """The network of tools/fixtures/staead.py's forward, organised for speed (module docstring)."""

    def __init__(self, cfg, weights):
        super().__init__()
        named, self.layers = shapes(cfg)
        self.names = [n for n, _ in named]
        self.cfg, self.dropout = cfg, cfg["dropout"]
        self.params = torch.nn.ParameterList([torch.nn.Parameter(weights[n].clone()) for n in self.names])

    def forward(self, x):
        p = dict(zip(self.names, self.params))
        cfg = self.cfg
        b, t = int(x.shape[0]), int(x.shape[1])
        h = x.reshape(b * t, *x.shape[2:])
        for i in range(len(cfg["encoder"])):  # TF 'same' at stride 2 on an even map: the odd pad after
            h = torch.tanh(F.conv2d(F.pad(h, (0, 1, 0, 1)), p[f"enc{i}.weight"], p[f"enc{i}.bias"], stride=2))
        seq = h.reshape(b, t, *h.shape[1:])
        for i, (cell, _) in enumerate(self.layers):
            q = lambda n: p[f"lstm{i}.{n}"]  # noqa: E731
            mask = None
            if self.training and self.dropout > 0:
                mask = F.dropout(seq.new_ones((4, b, *seq.shape[2:])), self.dropout, True)
            if cell == "plain":
                seq = plain_layer(seq, q("w_x"), q("w_h"), q("bias"), mask)
            else:
                seq = attention_layer(seq, q("dw_x"), q("pw_x"), q("dw_h"), q("pw_h"), q("bias"), q("gw_x"),
                                      q("gw_h"), q("gate_bias"), mask)
        h = seq.reshape(b * t, *seq.shape[2:])
        for i in range(len(cfg["decoder"]) + 1):  # Keras Conv2DTranspose 'same' s2: the full one cropped to 2n
            n = int(h.shape[-1])
            h = torch.tanh(F.conv_transpose2d(h, p[f"dec{i}.weight"], p[f"dec{i}.bias"], stride=2)[:, :, :2 * n, :2 * n])
        return h.reshape(b, t, *h.shape[1:])


def mse(model, x):
    return F.mse_loss(model(x), x)


def dropout_check(cfg, weights, layers):
    """Max |y - y_ref| of every ConvLSTM layer of the timed forward against the fixture's
    reference cells (tools/fixtures/conv_lstm_cells.py, x_mask = the same 4-gate masks, hard
    sigmoid), float64, on random inputs: the masked paths the eval-mode check does not reach."""
    gen = torch.Generator().manual_seed(1)
    side = cfg["padTo"] // 2 ** len(cfg["encoder"])
    ch, worst = cfg["encoder"][-1], 0.0
    for i, (cell, f) in enumerate(layers):
        x = torch.rand((2, cfg["steps"], ch, side, side), generator=gen, dtype=torch.float64) * 2 - 1
        mask = (torch.rand((4, 2, ch, side, side), generator=gen, dtype=torch.float64) >= cfg["dropout"]).double()
        mask /= 1 - cfg["dropout"]
        names = ["w_x", "w_h", "bias"] if cell == "plain" else ["dw_x", "pw_x", "dw_h", "pw_h", "bias", "gw_x", "gw_h", "gate_bias"]
        q = [weights[f"lstm{i}.{n}"].double() for n in names]
        if cell == "plain":
            y, ref = plain_layer(x, *q, mask), cells.plain_layer(x, *q, mask, None, None, True)[0]
        else:
            y, ref = attention_layer(x, *q, mask), cells.input_attention_layer(x, *q, mask, None, None, True)[0]
        worst = max(worst, float((y - ref).abs().max()))
        ch = f
    return worst


def check(cfg, weights, model, x, xs, vigil_loss, vigil_scores):
    named, layers = shapes(cfg)
    with torch.no_grad():
        model.eval()
        loss = float(mse(model, x))
        scores = last_matrix_scores(model, xs)
        p64 = {n: weights[n].double() for n, _ in named}
        x64, xs64 = x.double(), xs.double()
        loss_ref = float(torch.mean((reference_forward(p64, x64, cfg, layers) - x64) ** 2))
        r = (xs64 - reference_forward(p64, xs64, cfg, layers))[:, -1]
        scores_ref = torch.sqrt((r * r).sum(dim=(1, 2, 3)))
    denom = vigil_scores.double().abs().clamp(min=1.0)
    return {
        "check_loss": loss, "check_loss_ref": loss_ref, "check_vigil_loss": vigil_loss,
        "check_score_rel": float(((scores.double() - vigil_scores.double()).abs() / denom).max()),
        "check_score_ref_rel": float(((scores_ref - vigil_scores.double()).abs() / denom).max()),
        "check_dropout_diff": dropout_check(cfg, weights, layers),
    }


def main():
    threads, warmup, reps = map(int, sys.argv[1:4])
    set_threads(threads)
    torch.manual_seed(0)
    man, t = load_inputs(sys.argv[4])
    cfg, tr = man["config"], man["config"]["training"]
    weights = {k[2:]: v for k, v in t.items() if k.startswith("p.")}
    x, xs = t["x"], t["xs"]
    model = StaeadPeer(cfg, weights)
    checked = check(cfg, weights, model, x, xs, man["vigil_loss"], t["vigil_scores"])
    steps = {"score_frozen": frozen_scorer(model, last_matrix_scores, xs)}
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=man["lr"], amsgrad=bool(tr and tr["amsgrad"]))
    clip = tr["clipNormPerTensor"] if tr else None
    cycle = tr["cyclicLr"] if tr else None
    iteration = [0]

    def train():
        model.train()
        opt.zero_grad()
        loss = mse(model, x)
        loss.backward()
        if clip is not None:  # Keras's clipnorm: each parameter's gradient on its own
            for q in params:
                torch.nn.utils.clip_grad_norm_([q], clip)
        if cycle is not None:
            for g in opt.param_groups:
                g["lr"] = cyclic(iteration[0], cycle)
            iteration[0] += 1
        opt.step()
        loss.item()

    def score():
        model.eval()
        with torch.inference_mode():
            last_matrix_scores(model, xs).cpu()

    steps.update({"train": train, "score": score})
    serve_steps(steps, warmup, reps, {"threads": torch.get_num_threads(), "torch": torch.__version__}, checked)


if __name__ == "__main__":
    main()
