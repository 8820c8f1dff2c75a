#!/usr/bin/env python3
"""Writes Tests/DysonRMTTests/Fixtures/weightwatcher.json: WeightWatcher's own outputs on fixed
spectra, the truth `WeightWatcherConventionsTests` checks Dyson's conventions against.

    python3 Benchmarks/peers/weightwatcher_fixture.py   (pip: weightwatcher)

Each case holds its eigenvalues, the matrix sides N ≥ M, and what WeightWatcher 0.7.7's functions
return for them: fit_powerlaw (alpha, D, xmin, sigma, num_pl_spikes), mp_fit (sigma_mp,
num_spikes, mp_softrank, bulk_max), matrix_rank and matrix_entropy, and jensen_shannon_distance
against a second spectrum.
"""
import json
import os
import logging

import numpy as np
import weightwatcher as ww
from weightwatcher.RMT_Util import matrix_rank, matrix_entropy, jensen_shannon_distance

logging.disable(logging.CRITICAL)


def wishart(rng, n, m):
    w = rng.standard_normal((n, m)) / np.sqrt(n)
    return np.sort(np.linalg.eigvalsh(w.T @ w))


def main():
    rng = np.random.default_rng(7)
    cases = {}
    x = wishart(rng, 300, 100)
    cases["wishart-300x100"] = (x, 300, 100, wishart(rng, 300, 100))
    heavy = np.sort((1 - rng.random(400)) ** (-1 / 1.8) * 0.1)
    cases["pareto-400"] = (heavy, 800, 400, wishart(rng, 800, 400) * 0.1)
    spiked = wishart(rng, 200, 150)
    spiked[-3:] *= np.array([4.0, 6.0, 9.0])
    cases["spiked-200x150"] = (np.sort(spiked), 200, 150, wishart(rng, 200, 150))
    square = wishart(rng, 120, 120)
    cases["square-120"] = (square, 120, 120, wishart(rng, 120, 120))
    for size in (12, 9, 14, 17, 19):
        small = np.sort(rng.lognormal(0, 1.5, size))
        cases[f"small-{size}"] = (small, 40, size, wishart(rng, 40, size))
    watcher = ww.WeightWatcher()
    out = {"weightwatcher": ww.__version__, "cases": []}
    for name, (evals, n, m, other) in cases.items():
        alpha, _, xmin, _, D, sigma, num_pl_spikes, _, _, _, _ = watcher.fit_powerlaw(evals, plot=False)
        spikes, sigma_mp, softrank, _, bulk_max, _ = watcher.mp_fit(evals, n, m, 1, name, 0, 0, False, False, "", "b", 0.5, True, evals)
        out["cases"].append({
            "name": name, "N": n, "M": m, "eigenvalues": [float(v) for v in evals], "other": [float(v) for v in np.sort(other)],
            "alpha": float(alpha), "D": float(D), "xmin": float(xmin), "sigma": float(sigma), "num_pl_spikes": int(num_pl_spikes),
            "sigma_mp": float(sigma_mp), "num_spikes": int(spikes), "mp_softrank": float(softrank), "bulk_max": float(bulk_max),
            "matrix_rank": int(matrix_rank(np.sqrt(evals), n)), "entropy": float(matrix_entropy(np.sqrt(evals), n)),
            "rand_distance": float(jensen_shannon_distance(evals, np.sort(other))),
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "DysonRMTTests", "Fixtures", "weightwatcher.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {len(out['cases'])} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
