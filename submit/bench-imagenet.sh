#!/usr/bin/env bash
# The ImageNet rehearsal on real pixels: Fashion-MNIST written as an ILSVRC-2012 tree of JPEGs (make-ilsvrc),
# sharded by prep-imagenet, then a reduced ResNet-50 trained as InfoPro* K=2 (simultaneous and sequential) and
# end to end; writes docs/results/imagenet-rehearsal.{json,md}, then gathers docs/results/imagenet.{json,md}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  cat <<'USAGE'
Usage: submit/bench-imagenet.sh [--size N] [-- bench-imagenet options]

Fetches Fashion-MNIST if needed, writes it as an ILSVRC-2012 tree of N px JPEGs (default 64) under
out/bench-imagenet/ilsvrc, prepares it with prep-imagenet (out/bench-imagenet/dataset, reused when present), and
runs `bench-imagenet` on Spark local[*]: a reduced ResNet-50 (--width 0.25, --crop 64) as InfoPro* K=2 in the
simultaneous and sequential schedules and end to end. Options after -- go to bench-imagenet
(submit/infopro bench-imagenet --help lists them). Results: docs/results/imagenet-rehearsal.{json,md}; then
`report-imagenet` gathers every ImageNet benchmark's results into docs/results/imagenet.{json,md}.
USAGE
  exit 0
fi
size=64
if [[ "${1:-}" == "--size" ]]; then size="$2"; shift 2; fi
if [[ "${1:-}" == "--" ]]; then shift; fi
cd "$root"
work="out/bench-imagenet"
if [[ ! -f "$work/dataset/_manifest.json" ]]; then
  "$here/fashion-mnist-as-ilsvrc.sh" --out "$work/ilsvrc" --prep "$work/dataset" --size "$size" --if-exists overwrite
fi
"$here/infopro" bench-imagenet --dataset "$work/dataset" --out "$work/runs" "$@"
"$here/infopro" report-imagenet
