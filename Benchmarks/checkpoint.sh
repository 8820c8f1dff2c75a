#!/usr/bin/env bash
# The checkpoint benchmark: `dyson spectrum` (fast build) against numpy's eigvalsh(WᵀW) loop on a
# synthetic Llama-shaped BF16 checkpoint (8 layers of width 2048, two shards and an index,
# ≈ 0.8 GB), the same thread count, one after the other; wall time and peak resident memory of
# each. Usage: Benchmarks/checkpoint.sh [--layers N] [--width W] [--ffn F] [--threads T]
# The checkpoint is written to $TMPDIR (kept for reruns: delete it yourself); results go to
# Benchmarks/results/<date>-<commit>-checkpoint.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
layers=8 width=2048 ffn=5632 threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --layers) layers=$2; shift 2 ;; --width) width=$2; shift 2 ;; --ffn) ffn=$2; shift 2 ;; --threads) threads=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dir="${TMPDIR:-/tmp}/dyson-llama-$layers-$width-$ffn"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
out="Benchmarks/results/$(date -u +%Y-%m-%d)-$commit-checkpoint.txt"
[ -e "$out" ] && out="${out%.txt}-$(date -u +%H%M%S).txt"
build=(swift build -c release --product dyson -Xswiftc -target-cpu -Xswiftc native --scratch-path .build-native)
"${build[@]}" >/dev/null
[ -f "$dir/model.safetensors.index.json" ] || python3 Benchmarks/peers/checkpoint_bench.py make "$dir" --layers "$layers" --width "$width" --ffn "$ffn"
json="$dir.dyson.json"
measure() {  # prints the command's wall time and peak RSS from GNU time; its output goes to $json
  /usr/bin/time -f "wall %e s, peak RSS %M KB" "$@" 2>&1 >"$json" | tail -1
}
{
  echo "# checkpoint benchmark $commit on $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; $(swift --version 2>&1 | head -1)"
  echo "# checkpoint: $layers layers, width $width, ffn $ffn, BF16, $(du -sh "$dir" | cut -f1) in $dir"
  echo "# dyson (${build[*]}): dyson spectrum DIR --no-randomize --json --threads $threads"
  measure .build-native/release/dyson spectrum "$dir" --no-randomize --json --threads "$threads"
  python3 -c "import json, sys; r = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{\"name')]; \
print(f'dyson: {len(r)} matrices; sum of eigenvalues {sum(10 ** x[\"log_norm\"] for x in r):.6e}, largest {max(x[\"lambda_max\"] for x in r):.6e}')" "$json"
  echo "# numpy: python3 Benchmarks/peers/checkpoint_bench.py numpy DIR --threads $threads"
  python3 Benchmarks/peers/checkpoint_bench.py numpy "$dir" --threads "$threads"
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
echo "saved $out"
