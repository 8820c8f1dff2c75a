#!/usr/bin/env python3
"""PyTorch peer of dyson-bench's `gpt` suite: the lecture GPT (n_layer 4, n_head 4, n_embd 64,
block 32, batch 16, vocab 65; 209 729 parameters), one training step (forward, backward, AdamW)
on one thread, in two forms:

  gpt-train-step-lecture  the notebook's code as written: a Head module per head, masked_fill
                          softmax, torch.optim.AdamW defaults
  gpt-train-step-fused    the fastest eager form: one QKV Linear, scaled_dot_product_attention
                          (scale 1/sqrt(n_embd) as the notebook), AdamW(fused=True)

Also `gpt-forward-*` (a loss estimate's cost). Output lines match dyson-bench's table.
Usage: python3 Benchmarks/peers/torch_gpt.py [--check]   (pip install torch)
--check also compares the two forms' losses and gradients on the same weights (they must agree).
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
V, L, H, C, T, B = 65, 4, 4, 64, 32, 16


class Head(nn.Module):
    def __init__(self, hs):
        super().__init__()
        self.key = nn.Linear(C, hs, bias=False)
        self.query = nn.Linear(C, hs, bias=False)
        self.value = nn.Linear(C, hs, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(T, T)))

    def forward(self, x):
        _, t, c = x.shape
        k, q = self.key(x), self.query(x)
        wei = q @ k.transpose(-2, -1) * c ** -0.5
        wei = wei.masked_fill(self.tril[:t, :t] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)
        return wei @ self.value(x)


class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([Head(C // H) for _ in range(H)])
        self.proj = nn.Linear(C, C)

    def forward(self, x):
        return self.proj(torch.cat([h(x) for h in self.heads], dim=-1))


class FusedAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(C, 3 * C, bias=False)
        self.proj = nn.Linear(C, C)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (z.view(b, t, H, C // H).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=C ** -0.5)
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(C, 4 * C), nn.ReLU(), nn.Linear(4 * C, C))

    def forward(self, x):
        return self.net(x)


class Block(nn.Module):
    def __init__(self, fused):
        super().__init__()
        self.sa = FusedAttention() if fused else MultiHead()
        self.ffwd = FeedForward()
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, fused):
        super().__init__()
        self.token_embedding_table = nn.Embedding(V, C)
        self.position_embedding_table = nn.Embedding(T, C)
        self.blocks = nn.Sequential(*[Block(fused) for _ in range(L)])
        self.ln_f = nn.LayerNorm(C)
        self.lm_head = nn.Linear(C, V)

    def forward(self, idx, targets):
        _, t = idx.shape
        x = self.token_embedding_table(idx) + self.position_embedding_table(torch.arange(t))
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


def make(fused):
    torch.manual_seed(1337)
    model = GPT(fused)
    assert sum(p.numel() for p in model.parameters()) == 209_729
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True) if fused else torch.optim.AdamW(model.parameters(), lr=1e-3)
    return model, opt


def best_median(f, budget=2.0, min_repeats=20):
    f()
    f()
    t0 = time.perf_counter()
    f()
    once = time.perf_counter() - t0
    times = []
    for _ in range(max(min_repeats, int(budget / max(once, 1e-7)))):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[0], times[len(times) // 2]


def row(name, best, median):
    print(f"{'gpt':<8} {name:<26} best {best * 1e3:10.3f}  median {median * 1e3:10.3f}  ms", flush=True)


def main():
    data = torch.randint(V, (200_000,), generator=torch.Generator().manual_seed(7))

    def batch():
        ix = torch.randint(len(data) - T, (B,))
        return torch.stack([data[i:i + T] for i in ix]), torch.stack([data[i + 1:i + T + 1] for i in ix])

    for fused in (False, True):
        model, opt = make(fused)
        label = "fused" if fused else "lecture"

        def step():
            x, y = batch()
            loss = model(x, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        row(f"gpt-train-step-{label}", *best_median(step))

        @torch.no_grad()
        def forward():
            x, y = batch()
            model(x, y)

        row(f"gpt-forward-{label}", *best_median(forward, budget=1.0))

    if "--check" in sys.argv:
        lecture, _ = make(False)
        fused, _ = make(True)
        with torch.no_grad():
            for l in range(L):
                heads = lecture.blocks[l].sa.heads
                w = torch.cat([torch.cat([getattr(h, kind).weight for h in heads]) for kind in ("query", "key", "value")])
                fused.blocks[l].sa.qkv.weight.copy_(w)
                fused.blocks[l].sa.proj.load_state_dict(lecture.blocks[l].sa.proj.state_dict())
                for part in ("ffwd", "ln1", "ln2"):
                    getattr(fused.blocks[l], part).load_state_dict(getattr(lecture.blocks[l], part).state_dict())
            for part in ("token_embedding_table", "position_embedding_table", "ln_f", "lm_head"):
                getattr(fused, part).load_state_dict(getattr(lecture, part).state_dict())
        x, y = batch()
        a, b = lecture(x, y), fused(x, y)
        print(f"# check: lecture loss {a.item():.6f}, fused loss {b.item():.6f}", flush=True)
        assert abs(a.item() - b.item()) < 1e-5


if __name__ == "__main__":
    main()
