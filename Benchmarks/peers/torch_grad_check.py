#!/usr/bin/env python3
"""Checks `dyson gpt grad` against PyTorch autograd on the lecture model (torch_gpt.py).

  python3 Benchmarks/peers/torch_grad_check.py W.safetensors T.npy G.safetensors

W: weights under the PyTorch names (e.g. runs/gpt-train/weights.safetensors); T: int token ids of
shape (B, T+1); G: what `dyson gpt grad --weights W --tokens T --out G` wrote. Prints the loss of
both and, per tensor, the relative difference ||g_dyson - g_torch|| / ||g_torch||.
"""
import json
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from torch_gpt import GPT  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + a:8 + n + b], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def main():
    weights, tokens_path, grads_path = sys.argv[1:4]
    model = GPT(fused=False)
    stored = read_safetensors(weights)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(stored[name].astype(np.float32)))
    tokens = torch.from_numpy(np.load(tokens_path).astype(np.int64))
    loss = model(tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous())
    loss.backward()
    ours = read_safetensors(grads_path)
    print(f"loss: torch {loss.item():.7f}, dyson {float(ours['loss']):.7f}")
    worst = 0.0
    for name, p in model.named_parameters():
        g = p.grad.numpy().astype(np.float64)
        d = np.linalg.norm(ours[name].astype(np.float64) - g) / max(np.linalg.norm(g), 1e-30)
        worst = max(worst, d)
        print(f"  {name:<40} {d:.2e}")
    print(f"worst relative difference {worst:.2e}")


if __name__ == "__main__":
    main()
