#!/usr/bin/env python3
"""WeightWatcher against `dyson spectrum --conventions weightwatcher`, layer by layer.

    python3 Benchmarks/peers/weightwatcher_compare.py DYSON_BINARY OUT_DIR [--epochs 2] [--seed 0]

Trains an MLP (784-300-100-10) and a CNN (conv 1→16 5×5, conv 16→32 5×5, fc 512→10) on MNIST
(Datasets/mnist, see Datasets/fetch.sh) for a few epochs with PyTorch, saves both as safetensors
in OUT_DIR, runs WeightWatcher (pip: weightwatcher) on the trained modules with
analyze(mp_fit=True, randomize=True), runs the Dyson binary on the saved files, and prints every
shared column side by side with the ratio, then the share of layers within 1 % (5 % for sigma_mp,
num_spikes and mp_softrank, which come from a density fit). rand_distance compares two random
shuffles (WeightWatcher's numpy draw, Dyson's own seed): it is printed, not counted.
"""
import gzip
import json
import os
import subprocess
import sys

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np
import torch
import weightwatcher as ww
from safetensors.torch import save_file


def mnist(root):
    def images(path):
        with gzip.open(path) as f:
            data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        return data.reshape(-1, 1, 28, 28).astype(np.float32) / 255

    def labels(path):
        with gzip.open(path) as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)

    return images(os.path.join(root, "train-images-idx3-ubyte.gz")), labels(os.path.join(root, "train-labels-idx1-ubyte.gz"))


def models():
    mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 300), torch.nn.ReLU(),
                              torch.nn.Linear(300, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Conv2d(16, 32, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(512, 10))
    return {"mlp": mlp, "cnn": cnn}


def train(model, x, y, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            batch = order[i:i + 128]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            opt.step()
    return float(loss)


SHARED = ["lambda_max", "log_norm", "log_spectral_norm", "stable_rank", "alpha", "alpha_weighted", "log_alpha_norm",
          "xmin", "D", "sigma", "num_pl_spikes", "matrix_rank", "entropy", "sigma_mp", "num_spikes", "mp_softrank"]
LOOSE = {"sigma_mp", "num_spikes", "mp_softrank"}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    dyson, out = sys.argv[1], sys.argv[2]
    opts = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    epochs, seed = int(opts.get("--epochs", 2)), int(opts.get("--seed", 0))
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(seed)
    np.random.seed(seed)
    here = os.path.dirname(os.path.abspath(__file__))
    x, y = mnist(os.path.join(here, "..", "..", "Datasets", "mnist"))
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    within, counted = {}, {}
    print(f"weightwatcher {ww.__version__}, torch {torch.__version__}, numpy {np.__version__}")
    for name, model in models().items():
        loss = train(model, x, y, epochs)
        path = os.path.join(out, f"{name}.safetensors")
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, path)
        details = ww.WeightWatcher(model=model).analyze(mp_fit=True, randomize=True)
        text = subprocess.run([dyson, "spectrum", path, "--conventions", "weightwatcher", "--json"], check=True,
                              capture_output=True, text=True).stdout
        ours = [json.loads(line) for line in text.splitlines() if line.startswith("{\"name\"")]
        print(f"\n{name}: trained {epochs} epochs (last batch loss {loss:.3f}); WeightWatcher analysed {len(details)} layers, Dyson {len(ours)}")
        if len(details) != len(ours):
            print("  different layer counts: compared in order up to the shorter")
        print(f"  {'layer':<14}{'column':<18}{'WeightWatcher':>16}{'Dyson':>16}{'ratio':>10}")
        for (_, row), mine in zip(details.iterrows(), ours):
            mine = dict(mine, sigma=mine["alpha_error"], lambda_max=mine["lambda_max"])
            for column in SHARED + ["rand_distance", "warning"]:
                theirs, value = row.get(column), mine.get(column)
                if column == "warning":
                    print(f"  {mine['name']:<14}{column:<18}{str(theirs):>16}{str(value):>16}")
                    continue
                if theirs is None or value is None or (isinstance(theirs, float) and np.isnan(theirs)):
                    print(f"  {mine['name']:<14}{column:<18}{str(theirs):>16}{str(value):>16}")
                    continue
                ratio = value / theirs if theirs != 0 else (1.0 if value == 0 else float("inf"))
                print(f"  {mine['name']:<14}{column:<18}{theirs:16.6g}{value:16.6g}{ratio:10.4f}")
                if column == "rand_distance":
                    continue
                tolerance = 0.05 if column in LOOSE else 0.01
                counted[column] = counted.get(column, 0) + 1
                within[column] = within.get(column, 0) + (abs(ratio - 1) <= tolerance)
    print("\nlayers within tolerance (1 %; 5 % for sigma_mp, num_spikes, mp_softrank):")
    for column in SHARED:
        if column in counted:
            print(f"  {column:<18}{within[column]}/{counted[column]}")


if __name__ == "__main__":
    main()
