"""PyTorch's optimizers on a fixed problem, the peer output Dyson's optimizer tests compare with.

Eleven parameters (eight go through Dyson's SIMD loop, three through its scalar tail), three steps
with gradients g_t[i] = sin(1.3 i + 0.7 t) + 0.1 i, float64, PyTorch's single-tensor loops
(foreach=False). Prints, per optimizer, the parameters after three steps, to every digit:
Tests/DysonModelsTests/GPTTests.swift (`OptimizerTests`) holds these numbers.
Usage: python3 Benchmarks/peers/torch_optimizers.py
"""
import math

import torch

THETA0 = [1.0, -2.0, 0.5, 3.0, -0.25, 0.75, 2.0, -1.0, 1.5, -0.5, 0.1]


def gradient(t):
    return torch.tensor([math.sin(1.3 * i + 0.7 * t) + 0.1 * i for i in range(len(THETA0))], dtype=torch.float64)


def run(make):
    theta = torch.tensor(THETA0, dtype=torch.float64, requires_grad=True)
    optimizer = make([theta])
    for t in range(1, 4):
        optimizer.zero_grad()
        theta.grad = gradient(t)
        optimizer.step()
    return theta.detach().tolist()


cases = {
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, foreach=False),
    "adam": lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, foreach=False),
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01, foreach=False),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, foreach=False),
}
print(f"# torch {torch.__version__}")
for name, make in cases.items():
    print(name, ", ".join(repr(x) for x in run(make)))
