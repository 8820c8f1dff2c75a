#!/usr/bin/env python3
"""The numpy (OpenBLAS / LAPACK) peer of dyson-bench: same suites, cases, units and output format.

    python3 Benchmarks/peers/numpy_bench.py [matmul] [eigen] [--json] [--filter TEXT]

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
EIGEN_SIZES = [8, 16, 32, 64, 100, 256, 784]
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
        for name, fn in ((f"eigvalsh-f64-{n}", lambda: np.linalg.eigvalsh(a)),
                         (f"eigh-f64-{n}", lambda: np.linalg.eigh(a))):
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


def main(argv):
    as_json = "--json" in argv
    flt = None
    if "--filter" in argv:
        flt = argv[argv.index("--filter") + 1]
    suites = [a for a in argv if a in ("matmul", "eigen")] or ["matmul", "eigen"]
    if not as_json:
        print(f"numpy {np.__version__}: 1 thread; suites {', '.join(suites)}")
    for s in suites:
        {"matmul": matmul_suite, "eigen": eigen_suite}[s](flt, as_json)


if __name__ == "__main__":
    main(sys.argv[1:])
