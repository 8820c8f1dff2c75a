#!/usr/bin/env python3
"""The numpy (OpenBLAS / LAPACK) peer of dyson-bench: same suites, cases, units and output format.

    python3 Benchmarks/peers/numpy_bench.py [matmul] [eigen] [rbm] [--json] [--filter TEXT]

Single-threaded: the BLAS thread count is pinned to 1 before numpy loads, as dyson-bench runs
one thread. Timing as in dyson-bench: one warm-up call, then repeats for about 0.4 s, best and median.
"""
import os
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import json
import sys
import time

import numpy as np

SQUARE = [16, 32, 64, 128, 256, 512, 1024]
GPT = [("N", "N", 512, 64, 64), ("N", "N", 512, 64, 256), ("N", "N", 512, 256, 64), ("N", "N", 512, 64, 65),
       ("N", "T", 512, 64, 64), ("N", "T", 512, 64, 256), ("N", "T", 512, 256, 64), ("N", "T", 512, 64, 65),
       ("T", "N", 64, 512, 64), ("T", "N", 256, 512, 64), ("T", "N", 64, 512, 256), ("T", "N", 65, 512, 64)]
EIGEN_SIZES = [8, 16, 32, 64, 100, 256, 512, 784, 2048, 4096]
SVD_SHAPES = [(64, 16), (256, 64), (784, 784)]


def measure(fn, budget=0.4, min_repeats=5, max_repeats=2000):
    t0 = time.perf_counter(); fn(); warm = time.perf_counter() - t0
    repeats = max(min_repeats, min(max_repeats, int(budget / max(warm, 1e-7))))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return sorted(times)


def emit(suite, case, best, median, unit, as_json):
    if as_json:
        print(json.dumps({"suite": suite, "case": case, "metric": "best", "value": best, "unit": unit}))
        print(json.dumps({"suite": suite, "case": case, "metric": "median", "value": median, "unit": unit}))
    else:
        print(f"{suite:<8} {case:<26} best {best:10.3f}  median {median:10.3f}  {unit}")
    sys.stdout.flush()


def matmul_suite(flt, as_json):
    rng = np.random.default_rng(1)
    cases = [("N", "N", n, n, n) for n in SQUARE] + GPT
    for ta, tb, m, k, n in cases:
        for prefix, dtype in (("sgemm", np.float32), ("dgemm", np.float64)):
            name = f"{prefix}-{ta}{tb}-{m}x{k}x{n}"
            if flt and flt not in name:
                continue
            a = rng.standard_normal((m, k) if ta == "N" else (k, m)).astype(dtype)
            b = rng.standard_normal((k, n) if tb == "N" else (n, k)).astype(dtype)
            out = np.empty((m, n), dtype=dtype)
            opa = a if ta == "N" else a.T  # a transposed view: BLAS gets the transpose flag, no copy
            opb = b if tb == "N" else b.T
            t = measure(lambda: np.matmul(opa, opb, out=out))
            flops = 2.0 * m * n * k
            emit("matmul", name, flops / t[0] / 1e9, flops / t[len(t) // 2] / 1e9, "GFLOP/s", as_json)


def eigen_suite(flt, as_json):
    rng = np.random.default_rng(2)
    for n in EIGEN_SIZES:
        g = rng.standard_normal((n, n))
        a = (g + g.T) / 2
        cases = [(f"eigvalsh-f64-{n}", lambda: np.linalg.eigvalsh(a))]
        if n <= 784:
            cases.append((f"eigh-f64-{n}", lambda: np.linalg.eigh(a)))
        for name, fn in cases:
            if flt and flt not in name:
                continue
            t = measure(fn)
            emit("eigen", name, t[0] * 1e3, t[len(t) // 2] * 1e3, "ms", as_json)
    for m, n in SVD_SHAPES:
        name = f"svd-f64-{m}x{n}"
        if flt and flt not in name:
            continue
        w = rng.standard_normal((m, n))
        t = measure(lambda: np.linalg.svd(w, compute_uv=False))
        emit("eigen", name, t[0] * 1e3, t[len(t) // 2] * 1e3, "ms", as_json)


def rbm_suite(flt, as_json):
    """One PCD update as the authors' rbm.py does it (Docs/Science.md §2.4), vectorised numpy."""
    for n, batch in ((10, 16), (10, 64), (100, 64)):
        name = f"pcd-update-{n}x{n}-b{batch}"
        if flt and flt not in name:
            continue
        rng = np.random.default_rng(1)
        mu2, sig, alpha, k = 9.0, 1.0, 0.1, 3
        idx = np.arange(n)
        kphi = np.diag(np.full(n, 2 + 4.0)); kphi[idx, (idx + 1) % n] -= 1; kphi[idx, (idx - 1) % n] -= 1
        target = np.linalg.inv(kphi)
        w = rng.normal(0, 0.1, size=(n, n))        # code layout: w is (N_h, N_v)
        v = np.ones((batch, n))
        eta = np.zeros(n)
        def update():
            nonlocal w, v
            h = sig**2 * v @ w.T + eta + sig * rng.standard_normal((batch, n))
            for step in range(k):
                v = h @ w / mu2 + rng.standard_normal((batch, n)) / np.sqrt(mu2)
                if step + 1 < k:   # the authors draw one more h here, never used: Dyson skips it too
                    h = sig**2 * v @ w.T + eta + sig * rng.standard_normal((batch, n))
            c = v.T @ v / batch
            w = w + alpha * sig**2 * (w @ target - w @ c)
        updates = 200
        t = measure(lambda: [update() for _ in range(updates)], budget=0.6)
        emit("rbm", name, t[0] / updates * 1e6, t[len(t) // 2] / updates * 1e6, "us", as_json)
    # numpy's best shot at an ensemble: R runs advanced together, the run index a leading batch
    # axis of every matmul (µs per run-update, like dyson-bench's pcd-lanes cases).
    for n, batch in ((10, 16), (10, 64)):
        name = f"pcd-lanes-{n}x{n}-b{batch}"
        if flt and flt not in name:
            continue
        runs = 64
        rng = np.random.default_rng(1)
        mu2, sig, alpha, k = 9.0, 1.0, 0.1, 3
        idx = np.arange(n)
        kphi = np.diag(np.full(n, 2 + 4.0)); kphi[idx, (idx + 1) % n] -= 1; kphi[idx, (idx - 1) % n] -= 1
        target = np.linalg.inv(kphi)
        w = rng.normal(0, 0.1, size=(runs, n, n))
        v = np.ones((runs, batch, n))
        def update():
            nonlocal w, v
            wt = np.swapaxes(w, 1, 2)
            h = sig**2 * v @ wt + sig * rng.standard_normal((runs, batch, n))
            for step in range(k):
                v = h @ w / mu2 + rng.standard_normal((runs, batch, n)) / np.sqrt(mu2)
                if step + 1 < k:   # as Dyson: the last hidden sample is never used
                    h = sig**2 * v @ wt + sig * rng.standard_normal((runs, batch, n))
            c = np.swapaxes(v, 1, 2) @ v / batch
            w = w + alpha * sig**2 * (w @ target - w @ c)
        updates = 50
        t = measure(lambda: [update() for _ in range(updates)], budget=0.6)
        emit("rbm", name, t[0] / (updates * runs) * 1e6, t[len(t) // 2] / (updates * runs) * 1e6, "us", as_json)


def main(argv):
    as_json = "--json" in argv
    flt = None
    if "--filter" in argv:
        flt = argv[argv.index("--filter") + 1]
    named = [a for a in argv if not a.startswith("--") and a != flt]
    # Suites numpy has no peer for (gpt: see torch_gpt.py) are skipped; no suite named means all.
    suites = [a for a in named if a in ("matmul", "eigen", "rbm")] if named else ["matmul", "eigen", "rbm"]
    if not as_json:
        print(f"numpy {np.__version__}: 1 thread; suites {', '.join(suites)}")
    for s in suites:
        {"matmul": matmul_suite, "eigen": eigen_suite, "rbm": rbm_suite}[s](flt, as_json)


if __name__ == "__main__":
    main(sys.argv[1:])
