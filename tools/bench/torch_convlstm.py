"""PyTorch CPU side of tools/bench/convlstm.ts: the same conv2d layers and ConvLSTM layers,
forward + backward of every input, timed the same way (median of `reps` after `warmup`).

The peer does the same computation as the engine, organised at its best: 'same' pads at stride
1 through conv2d's own symmetric padding (K = 3), the input part of every step as ONE conv over
all T*B samples (as the engine does), the recurrent conv per step, both branches of the
input-attention cell in one grouped conv, oneDNN left as PyTorch has it. The asymmetric 'same'
of the stride-2 convs is one F.pad, as Keras/TF pads. Serves runs (torch_common.serve).
Usage: torch_convlstm.py THREADS WARMUP CONV_REPS CELL_REPS"""
import sys

import torch
import torch.nn.functional as F

from torch_common import median_ms, serve, set_threads, uniform

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
        gate = torch.sigmoid(gi)
        m = (1 - gate) * m + gate * torch.tanh(gg)
        return torch.sigmoid(go) * m, m
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


def cell_step(kind, hw):
    x = uniform((B, T, C, hw, hw), "cpu").requires_grad_()
    gy = uniform((B, T, C, hw, hw), "cpu")
    plain = [(4 * C, C, K, K), (4 * C, C, K, K), (4 * C,)]
    if kind == "plain":
        shapes, layer = plain, plain_layer
    elif kind == "self-attention-memory":
        shapes = plain + [(2 * A + C, C, 1, 1), (2 * A + C,), (A + C, C, 1, 1), (A + C,), (2 * C, 2 * C, 1, 1),
                          (2 * C,), (3 * C, 3 * C, 1, 1), (3 * C,)]
        layer = sam_layer
    else:
        shapes = [(2 * C, 1, K, K), (2 * C, C, 1, 1), (3 * C, 1, K, K), (3 * C, C, 1, 1), (2 * C,),
                  (2 * C, C), (2 * C, C), (2 * C,)]
        layer = attention_layer
    params = [(uniform(s, "cpu") * 0.1).requires_grad_() for s in shapes]
    return step_of([x] + params, lambda: layer(x, *params), gy)


def main():
    threads, warmup, conv_reps, cell_reps = (int(a) for a in sys.argv[1:5])
    set_threads(threads)
    torch.manual_seed(0)
    steps = {name: (conv_step(*shape), conv_reps) for name, shape in CONVS.items()}
    steps.update({name: (cell_step(*spec), cell_reps) for name, spec in CELLS.items()})
    serve({"threads": torch.get_num_threads(), "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available()},
          lambda: {name: median_ms(step, warmup, reps) for name, (step, reps) in steps.items()})


if __name__ == "__main__":
    main()
