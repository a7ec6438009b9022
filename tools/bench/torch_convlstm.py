"""PyTorch CPU side of tools/bench/convlstm.ts: the same conv2d layers and ConvLSTM layers,
forward + backward of every input, timed the same way (median of `reps` after `warmup`).

The peer does the same computation as the engine, organised at its best: 'same' pads at stride
1 through conv2d's own symmetric padding (K = 3), the input part of every step as ONE conv over
all T*B samples (as the engine does), the recurrent conv per step, both branches of the
input-attention cell in one grouped conv, the seed cell's six depthwise gate convs as six
depthwise convs (faster in torch 1.13 than one grouped conv over [Z; h] or two with channel
multiplier 3: 7-10 ms against 19-48 ms fwd+bwd at B 64, 64 ch, 5x5, 1 thread, measured under
load), oneDNN left as PyTorch has it. The asymmetric 'same' of the stride-2 convs is one F.pad,
as Keras/TF pads. Before serving, every cell's layer is checked against the fixtures' reference
layer (tools/fixtures/conv_lstm_cells.py) in float64, output and gradients (self_check).
Serves runs (torch_common.serve).
Usage: torch_convlstm.py THREADS WARMUP CONV_REPS CELL_REPS"""
import os
import sys

import torch
import torch.nn.functional as F

from torch_common import median_ms, serve, set_threads, uniform

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import conv_lstm_cells as reference  # noqa: E402

# Keep in step with CONVS and CELLS in convlstm.ts.
CONVS = {
    "conv_staead_1": (64, 1, 52, 52, 128, 2),
    "conv_staead_2": (64, 128, 26, 26, 64, 2),
    "conv_sa_3": (64, 64, 10, 10, 128, 2),
}
CELLS = {
    "plain_13": ("plain", 13),
    "plain_5": ("plain", 5),
    "attn_13": ("input-attention", 13),
    "attn_5": ("input-attention", 5),
    "sam_5": ("self-attention-memory", 5),
    "seed_sam_5": ("seed-self-attention-memory", 5),
}
B, T, C, K = 64, 4, 64, 3
A = C // 2  # the self-attention memory's query/key channels (the layer's default F/2)


def step_of(leaves, run, gy):
    def step():
        for p in leaves:
            p.grad = None
        run().backward(gy)
    return step


def conv_step(n, cin, h, w, cout, stride):
    x = uniform((n, cin, h, w), "cpu").requires_grad_()
    wt = (uniform((cout, cin, K, K), "cpu") * 0.1).requires_grad_()
    b = uniform((cout,), "cpu").requires_grad_()
    ho, wo = -(-h // stride), -(-w // stride)
    pad_h, pad_w = max((ho - 1) * stride + K - h, 0), max((wo - 1) * stride + K - w, 0)
    pads = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
    gy = uniform((n, cout, ho, wo), "cpu")
    return step_of([x, wt, b], lambda: F.conv2d(F.pad(x, pads), wt, b, stride=stride), gy)


def hard_sigmoid(z):
    return torch.clamp(0.2 * z + 0.5, 0.0, 1.0)


def plain_layer(x, w_x, w_h, bias, memory=None):
    """The plain cell; `memory(h, state)` -> (h, state), if given, follows each step (the
    self-attention memory's module) and its h is what the next step reads."""
    b, t, cin, h, w = x.shape
    f = w_h.shape[1]
    xin = F.conv2d(x.transpose(0, 1).reshape(t * b, cin, h, w), w_x, bias, padding=1).view(t, b, 4 * f, h, w)
    hs, c = x.new_zeros((b, f, h, w)), x.new_zeros((b, f, h, w))
    m = x.new_zeros((b, f, h, w))
    ys = []
    for s in range(t):
        z = xin[s] + F.conv2d(hs, w_h, padding=1) if s else xin[s]
        zi, zf, zg, zo = z.chunk(4, 1)
        c = hard_sigmoid(zf) * c + hard_sigmoid(zi) * torch.tanh(zg)
        hs = hard_sigmoid(zo) * torch.tanh(c)
        if memory is not None:
            hs, m = memory(hs, m)
        ys.append(hs)
    return torch.stack(ys, 1)


def sam_layer(x, w_x, w_h, bias, w_qkv, b_qkv, w_kv_m, b_kv_m, w_z, b_z, w_mem, b_mem):
    """SA-ConvLSTM as ops.h states it: the plain step, then the memory module over N = H*W."""
    b, _, _, h, w = x.shape
    f, n = w_h.shape[1], h * w
    A = (w_qkv.shape[0] - f) // 2  # from the weights: Sa-DVCRAE's peer calls this at other sizes

    def memory(hp, m):
        q, k, v = F.conv2d(hp, w_qkv, b_qkv).view(b, 2 * A + f, n).split([A, A, f], 1)
        km, vm = F.conv2d(m, w_kv_m, b_kv_m).view(b, A + f, n).split([A, f], 1)
        qt = q.transpose(1, 2)
        zh = v @ torch.softmax(qt @ k, -1).transpose(1, 2)
        zm = vm @ torch.softmax(qt @ km, -1).transpose(1, 2)
        zz = F.conv2d(torch.cat([zh, zm], 1).view(b, 2 * f, h, w), w_z, b_z)
        gi, gg, go = F.conv2d(torch.cat([zz, hp], 1), w_mem, b_mem).chunk(3, 1)
        return reference.memory_update(gi, gg, go, m)
    return plain_layer(x, w_x, w_h, bias, memory)


def seed_sam_layer(x, w_x, w_h, bias, w_sa, w_z, w_mem, b_mem):
    """The seed's SaConvLSTM2DCell as ops.h states it (reference.seed_sam_layer, without the
    seed's h/c swap): the plain step, then five one-channel 1x1 projections of h (one conv),
    attention as [H,W] matrix products batched over B, a KxK w_z, and six depthwise gate convs."""
    f, k = w_h.shape[1], w_z.shape[2]
    dw = w_mem.view(6, f, 1, k, k)  # zi, hi, zg, hg, zo, ho
    b_gates = b_mem.view(3, f)

    def memory(hp, m):
        v_h, k_h, q_h, k_m, v_m = F.conv2d(hp, w_sa).unbind(1)  # each [B,H,W]
        z = torch.stack([torch.softmax(q_h @ k_h, -1) @ v_h, torch.softmax(q_h @ k_m, -1) @ v_m], 1)
        zz = F.conv2d(z, w_z, padding=k // 2)
        gi, gg, go = (F.conv2d(zz, dw[2 * g], b_gates[g], padding=k // 2, groups=f)
                      + F.conv2d(hp, dw[2 * g + 1], padding=k // 2, groups=f) for g in range(3))
        return reference.memory_update(gi, gg, go, m)
    return plain_layer(x, w_x, w_h, bias, memory)


def attention_layer(x, dw_x, pw_x, dw_h, pw_h, bias, gw_x, gw_h, gate_bias):
    b, t, cin, h, w = x.shape
    f = pw_h.shape[1]
    xs = x.transpose(0, 1).reshape(t * b, cin, h, w)
    x2 = torch.cat([xs, xs], 1)
    pre = F.conv2d(F.conv2d(x2, dw_x, padding=1, groups=2 * cin), pw_x, bias, groups=2).view(t, b, 2 * f, h, w)
    gx = (xs.mean(dim=(2, 3)) @ gw_x.t() + gate_bias).view(t, b, 2 * f)
    hs, c = x.new_zeros((b, f, h, w)), x.new_zeros((b, f, h, w))
    ys = []
    for s in range(t):
        p = pre[s]
        if s:
            h2 = torch.cat([hs, hs], 1)
            p = p + F.conv2d(F.conv2d(h2, dw_h[:2 * f], padding=1, groups=2 * f), pw_h[:2 * f], groups=2)
        sv, g = torch.tanh(p[:, :f]), torch.tanh(p[:, f:])
        z = F.conv2d(F.conv2d(sv, dw_h[2 * f:], padding=1, groups=f), pw_h[2 * f:])
        zf = z.reshape(b, f, h * w)
        i = torch.exp(zf - zf.amax(dim=2, keepdim=True)).view(b, f, h, w)
        gate = hard_sigmoid(gx[s] + hs.mean(dim=(2, 3)) @ gw_h.t())
        fg, og = gate[:, :f].view(b, f, 1, 1), gate[:, f:].view(b, f, 1, 1)
        c = fg * c + i * g
        hs = og * torch.tanh(c)
        ys.append(hs)
    return torch.stack(ys, 1)


def cell_shapes(c, a):
    """Each cell's param shapes at F = Cin = c (a query/key channels), in CONV_LSTM_PARAMS order;
    keep in step with CELL_SHAPES in convlstm.ts."""
    plain = [(4 * c, c, K, K), (4 * c, c, K, K), (4 * c,)]
    return {
        "plain": plain,
        "input-attention": [(2 * c, 1, K, K), (2 * c, c, 1, 1), (3 * c, 1, K, K), (3 * c, c, 1, 1), (2 * c,),
                            (2 * c, c), (2 * c, c), (2 * c,)],
        "self-attention-memory": plain + [(2 * a + c, c, 1, 1), (2 * a + c,), (a + c, c, 1, 1), (a + c,),
                                          (2 * c, 2 * c, 1, 1), (2 * c,), (3 * c, 3 * c, 1, 1), (3 * c,)],
        "seed-self-attention-memory": plain + [(5, c, 1, 1), (c, 2, K, K), (6 * c, 1, K, K), (3 * c,)],
    }


# Each cell's timed layer and the fixtures' reference layer it must equal.
LAYERS = {
    "plain": (plain_layer, reference.plain_layer),
    "input-attention": (attention_layer, reference.input_attention_layer),
    "self-attention-memory": (sam_layer, reference.sam_layer),
    "seed-self-attention-memory": (seed_sam_layer, reference.seed_sam_layer),
}


def self_check():
    """Every timed layer against its reference (no mask, zero state, hard sigmoid) in float64 on a
    small problem: output and the gradients of x and every param within 1e-9 relative to their
    scale; raises naming the cell and the tensor otherwise."""
    gen = torch.Generator().manual_seed(1)
    b, t, c, hw = 2, 3, 4, 5
    for kind, (layer, ref) in LAYERS.items():
        leaves = [torch.rand(s, generator=gen, dtype=torch.float64).mul_(2).sub_(1).requires_grad_()
                  for s in [(b, t, c, hw, hw)] + cell_shapes(c, c // 2)[kind]]
        gy = torch.rand((b, t, c, hw, hw), generator=gen, dtype=torch.float64)
        got, want = [], []
        for run, out in ((lambda: layer(*leaves), got), (lambda: ref(*leaves, None, None, None, True)[0], want)):
            y = run()
            out.append(y.detach())
            out.extend(torch.autograd.grad(y, leaves, gy))
        for i, (g, w) in enumerate(zip(got, want)):
            err = float((g - w).abs().max() / w.abs().max().clamp(min=1e-30))
            if not err <= 1e-9:
                what = "y" if i == 0 else "grad of x" if i == 1 else f"grad of param {i - 2}"
                raise AssertionError(f"torch_convlstm: the {kind} layer's {what} is {err:.2e} off the fixtures' reference")


def cell_step(kind, hw):
    x = uniform((B, T, C, hw, hw), "cpu").requires_grad_()
    gy = uniform((B, T, C, hw, hw), "cpu")
    params = [(uniform(s, "cpu") * 0.1).requires_grad_() for s in cell_shapes(C, A)[kind]]
    layer = LAYERS[kind][0]
    return step_of([x] + params, lambda: layer(x, *params), gy)


def main():
    threads, warmup, conv_reps, cell_reps = (int(a) for a in sys.argv[1:5])
    set_threads(threads)
    self_check()
    torch.manual_seed(0)
    steps = {name: (conv_step(*shape), conv_reps) for name, shape in CONVS.items()}
    steps.update({name: (cell_step(*spec), cell_reps) for name, spec in CELLS.items()})
    serve({"threads": torch.get_num_threads(), "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available()},
          lambda: {name: median_ms(step, warmup, reps) for name, (step, reps) in steps.items()})


if __name__ == "__main__":
    main()
