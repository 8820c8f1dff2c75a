#!/usr/bin/env bash
# Builds the fuzz harnesses (libFuzzer with AddressSanitizer, both in the Swift toolchain) and runs
# each on a copy of its seed corpus for SECONDS (default 10). A crash, a hang over 10 s, a leak,
# or an allocation over 2 GB is a finding: its input goes to Fuzz/findings/<target>/ and the
# script exits 1. Usage: Fuzz/run.sh [SECONDS] [target…]; FUZZ_CONFIGURATION=release for speed.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-10}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy safetensors index gzip idx config shard ensemble-checkpoint gpt-checkpoint gpt-weights checkpoint-file spectrum)
configuration=${FUZZ_CONFIGURATION:-debug}
swift build -c "$configuration" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing >/dev/null
binary=".build/$configuration/dyson-fuzz"
status=0
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  cp -R "Corpus/$target/." "$work/"
  mkdir -p "findings/$target"
  log="$work.log"
  if DYSON_FUZZ_TARGET="$target" "$binary" "$work" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="findings/$target/" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    echo "$target: $runs executions in ${seconds} s, no finding"
  else
    echo "$target: FINDING (input in Fuzz/findings/$target/; the report follows)"
    grep -E "ERROR|Fatal|error:|SUMMARY" "$log" | head -5
    status=1
  fi
  rm -rf "$work" "$log"
done
exit $status
