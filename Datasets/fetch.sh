#!/usr/bin/env bash
# Puts tiny Shakespeare and the four MNIST files into Datasets/, checks their sha256 sums.
# Copies from ../shared/datasets beside the checkout when present, else downloads from the
# public origins. Data files are never committed (see .gitignore).
# Usage: Datasets/fetch.sh            exit 0 when every file is present and verified
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="$here/../../shared/datasets"
mkdir -p "$here/mnist"

# path  sha256  public origin
files=(
  "tinyshakespeare.txt 86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed https://raw.githubusercontent.com/karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt"
  "mnist/train-images-idx3-ubyte.gz 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609 https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz"
  "mnist/train-labels-idx1-ubyte.gz 3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz"
  "mnist/t10k-images-idx3-ubyte.gz 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6 https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz"
  "mnist/t10k-labels-idx1-ubyte.gz f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6 https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz"
)

sha() { sha256sum "$1" | cut -d' ' -f1; }
status=0
for entry in "${files[@]}"; do
  read -r path sum url <<<"$entry"
  dest="$here/$path"
  if [ -f "$dest" ] && [ "$(sha "$dest")" = "$sum" ]; then echo "ok       $path"; continue; fi
  tmp="$dest.part"
  if [ -f "$shared/$path" ]; then
    cp "$shared/$path" "$tmp"; how="copied  "
  elif command -v curl >/dev/null && curl -fsSL --retry 2 -o "$tmp" "$url"; then
    how="fetched "
  else
    rm -f "$tmp"; echo "missing  $path (no $shared/$path, and $url could not be fetched)" >&2; status=1; continue
  fi
  if [ "$(sha "$tmp")" != "$sum" ]; then
    rm -f "$tmp"; echo "BAD SUM  $path: expected $sum" >&2; status=1; continue
  fi
  mv "$tmp" "$dest"
  echo "$how $path"
done
exit $status
