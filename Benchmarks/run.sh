#!/usr/bin/env bash
# Runs dyson-bench (fast and default builds) and the numpy peer side by side on this machine and
# saves everything to Benchmarks/results/<date>-<commit>-<suites>.txt (with the time of day added
# when that name is taken, so that no run overwrites another). Usage: Benchmarks/run.sh [suite…]
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(matmul eigen)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
name="$(date -u +%Y-%m-%d)-$commit-$(IFS=-; echo "${suites[*]}")"
out="Benchmarks/results/$name.txt"
[ -e "$out" ] && out="Benchmarks/results/$name-$(date -u +%H%M%S).txt"
tmp="$out.tmp"
fast=(swift build -c release --product dyson-bench -Xswiftc -target-cpu -Xswiftc native --scratch-path .build-native)
default=(swift build -c release --product dyson-bench)
{
  echo "# dyson-bench $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; $(swift --version 2>&1 | head -1)"
  echo "# fast build:    ${fast[*]}"
  "${fast[@]}" >/dev/null
  .build-native/release/dyson-bench "${suites[@]}"
  if [[ " ${suites[*]} " == *" gpt "* ]]; then
    echo "# one run on every core: the GPT step split over $(nproc) threads (the same bits as one thread)"
    .build-native/release/dyson-bench gpt --filter gpt-train-step --threads "$(nproc)"
  fi
  echo "# default build: ${default[*]}"
  "${default[@]}" >/dev/null
  .build/release/dyson-bench "${suites[@]}"
  if [[ " ${suites[*]} " != *" matmul "* && " ${suites[*]} " != *" eigen "* && " ${suites[*]} " != *" rbm "* ]]; then
    :  # no numpy peer for the gpt suite
  elif python3 -c 'import numpy' 2>/dev/null; then
    echo "# peer: python3 Benchmarks/peers/numpy_bench.py (single-threaded OpenBLAS/LAPACK)"
    python3 Benchmarks/peers/numpy_bench.py "${suites[@]}"
  else
    echo "# peer skipped: numpy is not installed (pip install numpy)"
  fi
  if [[ " ${suites[*]} " == *" gpt "* ]]; then
    if python3 -c 'import torch' 2>/dev/null; then
      echo "# peer: python3 Benchmarks/peers/torch_gpt.py (PyTorch $(python3 -c 'import torch; print(torch.__version__)'), one thread)"
      python3 Benchmarks/peers/torch_gpt.py
    else
      echo "# peer skipped: torch is not installed (pip install torch)"
    fi
  fi
} > "$tmp"
mv "$tmp" "$out"   # never leave a half-written result
echo "saved $out"
