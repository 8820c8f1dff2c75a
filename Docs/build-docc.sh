#!/usr/bin/env bash
# Builds the API documentation of every library with the toolchain's docc (no package plugin):
# symbol graphs from one compile, then one archive per target in .build/docs/. Fails on any
# warning, such as a link to a symbol that does not exist. Usage: Docs/build-docc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
graphs=.build/docs/symbol-graphs
rm -rf .build/docs && mkdir -p "$graphs"
swift build --scratch-path .build/docs/build -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs" \
  --target DysonExperiments >/dev/null
for target in DysonCore DysonRMT DysonIO DysonPlot DysonModels DysonExperiments; do
  mkdir -p ".build/docs/graphs-$target"
  cp "$graphs/$target".symbols.json ".build/docs/graphs-$target/"
  cp "$graphs/$target"@*.symbols.json ".build/docs/graphs-$target/" 2>/dev/null || true
  docc convert "Sources/$target/Documentation.docc" --fallback-display-name "$target" \
    --fallback-bundle-identifier "org.dyson.$target" --additional-symbol-graph-dir ".build/docs/graphs-$target" \
    --warnings-as-errors --output-path ".build/docs/$target.doccarchive" >/dev/null
  echo "docs: .build/docs/$target.doccarchive"
done
