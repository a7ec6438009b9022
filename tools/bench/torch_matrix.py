"""What the PyTorch peers of the matrix-series model suites (torch_staead.py, torch_sa_dvcrae.py)
share: reading the inputs the TS side wrote (tools/bench/matrix_peer.ts writePeerInputs) and the
models' score, the last matrix's residual Frobenius norm."""
import json
import os

import numpy as np
import torch


def load_inputs(directory):
    """(manifest, {name: float32 tensor}) from DIR/manifest.json and DIR/data.f32."""
    with open(os.path.join(directory, "manifest.json")) as f:
        man = json.load(f)
    raw = np.fromfile(os.path.join(directory, "data.f32"), dtype="<f4")
    out = {}
    for name, shape, offset in man["tensors"]:
        n = int(np.prod(shape)) if shape else 1
        out[name] = torch.from_numpy(raw[offset:offset + n].copy()).reshape(shape)
    return man, out


def last_matrix_scores(model, xs):
    """The Frobenius norm of each sample's last matrix's residual, [B]; model(xs) is the
    reconstruction [B, T, S, P, P]."""
    r = (xs - model(xs))[:, -1]
    return torch.sqrt((r * r).sum(dim=(1, 2, 3)))
