#!/usr/bin/env python3
"""A synthetic Llama-shaped checkpoint and numpy's spectra of it: the peer of `dyson spectrum`.

    python3 Benchmarks/peers/checkpoint_bench.py make DIR [--layers 8] [--width 2048] [--ffn 5632] [--shards 2]
    python3 Benchmarks/peers/checkpoint_bench.py numpy DIR [--threads 2]

`make` writes DIR/model-0000k-of-0000n.safetensors and DIR/model.safetensors.index.json: decoder
layers with q, k, v, o (width × width) and gate, up (ffn × width), down (width × ffn), BF16, entries
N(0, 0.02²) with a few planted directions per matrix (a heavy tail, as trained weights have),
written with numpy alone (safetensors by hand, BF16 by rounding float32's upper half).

`numpy` reads every matrix (BF16 → float64 by hand), forms the short side's Gram matrix and takes
`numpy.linalg.eigvalsh` (LAPACK's dsyevd), with the BLAS limited to --threads threads; it prints
the time, the peak resident memory and a checksum of the eigenvalues (their sum and largest), so
that Dyson's numbers can be compared.
"""
import os
import sys


def arguments():
    args = sys.argv[1:]
    if len(args) < 2 or args[0] not in ("make", "numpy"):
        sys.exit(__doc__)
    opts = {"--layers": "8", "--width": "2048", "--ffn": "5632", "--shards": "2", "--threads": "2"}
    rest = args[2:]
    while rest:
        key = rest.pop(0)
        if key not in opts or not rest:
            sys.exit(f"unknown or incomplete option {key}")
        opts[key] = rest.pop(0)
    return args[0], args[1], {k[2:]: int(v) for k, v in opts.items()}


def matrices(layers, width, ffn):
    for layer in range(layers):
        prefix = f"model.layers.{layer}"
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            yield f"{prefix}.self_attn.{name}.weight", (width, width)
        yield f"{prefix}.mlp.gate_proj.weight", (ffn, width)
        yield f"{prefix}.mlp.up_proj.weight", (ffn, width)
        yield f"{prefix}.mlp.down_proj.weight", (width, ffn)


def make(folder, o):
    import json
    import numpy as np
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1)
    tensors = list(matrices(o["layers"], o["width"], o["ffn"]))
    per_shard = (len(tensors) + o["shards"] - 1) // o["shards"]
    weight_map = {}
    total = 0
    for s in range(o["shards"]):
        part = tensors[s * per_shard:(s + 1) * per_shard]
        shard = f"model-{s + 1:05d}-of-{o['shards']:05d}.safetensors"
        header, offset = {"__metadata__": {"format": "pt"}}, 0
        for name, shape in part:
            size = shape[0] * shape[1] * 2
            header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
            offset += size
            weight_map[name] = shard
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        tmp = os.path.join(folder, shard + ".tmp")
        with open(tmp, "wb") as f:
            f.write(len(text).to_bytes(8, "little"))
            f.write(text)
            for name, shape in part:
                w = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
                # Eight planted directions: singular values 1 + 3/(k + 1) times the bulk's edge
                # 0.02(√M + √N), spikes above the bulk as in trained layers.
                edge = 0.02 * (np.sqrt(shape[0]) + np.sqrt(shape[1]))
                for k in range(8):
                    u = rng.standard_normal(shape[0], dtype=np.float32)
                    v = rng.standard_normal(shape[1], dtype=np.float32)
                    strength = edge * (1 + 3 / (k + 1)) / (np.linalg.norm(u) * np.linalg.norm(v))
                    w += np.float32(strength) * np.outer(u, v)
                bits = w.view(np.uint32)
                rounded = ((bits + np.uint32(0x7FFF) + ((bits >> 16) & 1)) >> 16).astype("<u2")  # nearest even
                f.write(rounded.tobytes())
        os.replace(tmp, os.path.join(folder, shard))
        total += offset
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=1)
    print(f"wrote {len(tensors)} BF16 matrices, {total / 1e9:.2f} GB in {o['shards']} shards, to {folder}")


def spectra(folder, o):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(o["threads"])
    import json
    import resource
    import time
    import numpy as np
    index = json.load(open(os.path.join(folder, "model.safetensors.index.json")))
    headers = {}
    start = time.perf_counter()
    checksum, largest, count = 0.0, 0.0, 0
    for name, shard in index["weight_map"].items():
        path = os.path.join(folder, shard)
        if shard not in headers:
            with open(path, "rb") as f:
                n = int.from_bytes(f.read(8), "little")
                headers[shard] = (8 + n, json.loads(f.read(n)))
        begin, header = headers[shard]
        info = header[name]
        a, b = info["data_offsets"]
        with open(path, "rb") as f:
            f.seek(begin + a)
            raw = np.frombuffer(f.read(b - a), dtype="<u2")
        w = (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64).reshape(info["shape"])
        gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
        x = np.linalg.eigvalsh(gram)
        checksum += float(x.sum())
        largest = max(largest, float(x[-1]))
        count += 1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"numpy {np.__version__}: {count} matrices in {seconds:.1f} s with {o['threads']} BLAS threads, "
          f"peak RSS {peak:.0f} MB; sum of eigenvalues {checksum:.6e}, largest {largest:.6e}")


if __name__ == "__main__":
    command, folder, options = arguments()
    make(folder, options) if command == "make" else spectra(folder, options)
