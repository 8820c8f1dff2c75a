#!/usr/bin/env python3
"""Trains the lecture GPT in PyTorch over several seeds and saves safetensors checkpoints every N
steps: an ensemble of training runs that Dyson did not write, for `dyson dynamics`.

    python3 Benchmarks/peers/torch_gpt_checkpoints.py OUT [--seeds 3] [--iters 5000] [--every 1000] [--text FILE]
                                                      [--layers 4] [--heads 4] [--embd 64] [--verify] [--json FILE]
    dyson dynamics OUT/seed-* --tensor 'blocks.*.sa.heads.*.key.weight' --group 'blocks\\.(\\d+)\\.sa' --steps 0,1000,5000

The model and training are those of Karpathy's gpt-dev notebook (the cell "full finished code"):
4 layers of 4 heads, n_embd 64, block 32, batch 16, AdamW(lr 1e-3) with PyTorch's defaults
(weight decay 0.01), PyTorch's default initialisation, the first 90 % of tiny Shakespeare
(Datasets/tinyshakespeare.txt, see Datasets/fetch.sh) for training. Run k uses torch.manual_seed(k).
Writes OUT/seed-k/step-NNNNNN.safetensors (step 0 is the initialisation) under the module's own
names (blocks.{l}.sa.heads.{h}.key.weight, …), and OUT/seed-k/losses.txt.

--layers, --heads and --embd shrink the model (the test fixtures use 2, 2 and 16).

`--verify` (alone: no training) reads the checkpoints back and prints, per layer and step,
numpy's measures of the layer's key spectra pooled over heads and runs (λ_max averaged over runs,
⟨r̃⟩ with and without each spectrum's largest level): the independent numbers to compare with
`dyson dynamics ... --group 'blocks\.(\d+)\.sa'`; `--json FILE` also writes them to FILE.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.set_num_threads(int(os.environ.get("THREADS", "1")))
L, H, C, T, B = 4, 4, 64, 32, 16   # --layers, --heads, --embd change the first three


class Head(nn.Module):
    def __init__(self, hs):
        super().__init__()
        self.key = nn.Linear(C, hs, bias=False)
        self.query = nn.Linear(C, hs, bias=False)
        self.value = nn.Linear(C, hs, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(T, T)))   # in the checkpoints, as the notebook's

    def forward(self, x):
        _, t, c = x.shape
        k, q = self.key(x), self.query(x)
        wei = q @ k.transpose(-2, -1) * c ** -0.5
        wei = wei.masked_fill(self.tril[:t, :t] == 0, float("-inf"))
        return F.softmax(wei, dim=-1) @ self.value(x)


class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([Head(C // H) for _ in range(H)])
        self.proj = nn.Linear(C, C)

    def forward(self, x):
        return self.proj(torch.cat([h(x) for h in self.heads], dim=-1))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.sa = MultiHead()
        self.ffwd = nn.ModuleDict({"net": nn.Sequential(nn.Linear(C, 4 * C), nn.ReLU(), nn.Linear(4 * C, C))})
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        return x + self.ffwd["net"](self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab, C)
        self.position_embedding_table = nn.Embedding(T, C)
        self.blocks = nn.Sequential(*[Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(C)
        self.lm_head = nn.Linear(C, vocab)

    def forward(self, idx, targets):
        x = self.token_embedding_table(idx) + self.position_embedding_table(torch.arange(idx.shape[1]))
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def options():
    args = sys.argv[1:]
    if not args or args[0].startswith("--"):
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    o = {"--seeds": "3", "--iters": "5000", "--every": "1000", "--layers": "4", "--heads": "4", "--embd": "64", "--json": "",
         "--text": os.path.join(here, "..", "..", "Datasets", "tinyshakespeare.txt")}
    rest, verify = args[1:], False
    while rest:
        key = rest.pop(0)
        if key == "--verify":
            verify = True
            continue
        if key not in o or not rest:
            sys.exit(f"unknown or incomplete option {key}")
        o[key] = rest.pop(0)
    global L, H, C
    L, H, C = int(o["--layers"]), int(o["--heads"]), int(o["--embd"])
    return args[0], int(o["--seeds"]), int(o["--iters"]), int(o["--every"]), o["--text"], verify, o["--json"]


def train(out, seeds, iters, every, path):
    text = open(path, encoding="utf-8").read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    train_data = data[:int(0.9 * len(data))]
    for seed in range(seeds):
        torch.manual_seed(seed)
        model = GPT(len(chars))
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        folder = os.path.join(out, f"seed-{seed}")
        os.makedirs(folder, exist_ok=True)
        log = open(os.path.join(folder, "losses.txt"), "w")
        for step in range(iters + 1):
            if step % every == 0:
                tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
                save_file(tensors, os.path.join(folder, f"step-{step:06d}.safetensors"))
            if step == iters:
                break
            ix = torch.randint(len(train_data) - T, (B,))
            x = torch.stack([train_data[i:i + T] for i in ix])
            y = torch.stack([train_data[i + 1:i + T + 1] for i in ix])
            loss = model(x, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % 100 == 0:
                print(f"{step} {loss.item():.4f}", file=log)
        log.close()
        print(f"seed {seed}: {iters} steps, last loss {loss.item():.4f}, checkpoints every {every} in {folder}")


def verify(out, seeds, json_path):
    import json
    import numpy as np
    from safetensors.numpy import load_file
    folders = [os.path.join(out, f"seed-{s}") for s in range(seeds)]
    steps = sorted(int(n[5:11]) for n in os.listdir(folders[0]) if n.startswith("step-"))

    def ratios(levels):
        d = np.diff(levels)
        return (np.minimum(d[1:], d[:-1]) / np.maximum(d[1:], d[:-1])).tolist()

    rows = []
    print("layer step  lambda_max(mean over runs)  ratio_mean  ratio_mean_without_largest  (numpy, keys pooled per layer)")
    for layer in range(L):
        for step in steps:
            tops, all_ratios, trimmed = [], [], []
            for folder in folders:
                weights = load_file(os.path.join(folder, f"step-{step:06d}.safetensors"))
                spectra = []
                for h in range(H):
                    k = weights[f"blocks.{layer}.sa.heads.{h}.key.weight"].astype(np.float64)   # head size × n_embd
                    spectra.append(np.linalg.eigvalsh(k @ k.T))
                tops.append(max(s[-1] for s in spectra))
                for s in spectra:
                    all_ratios += ratios(s)
                    trimmed += ratios(s[:-1])
            row = {"group": str(layer), "step": step, "lambda_max": float(np.mean(tops)),
                   "ratio_mean": float(np.mean(all_ratios)), "ratio_mean_without_largest": float(np.mean(trimmed))}
            rows.append(row)
            print(f"{layer:5d} {step:5d}  {row['lambda_max']:.6g}  {row['ratio_mean']:.6g}  {row['ratio_mean_without_largest']:.6g}")
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"source": "numpy.linalg.eigvalsh of K Kᵀ per head", "points": rows}, f, indent=1)


if __name__ == "__main__":
    out, seeds, iters, every, text, check, json_path = options()
    if not check:
        train(out, seeds, iters, every, text)
    verify(out, seeds, json_path)
