#!/usr/bin/env bash
# Segmentation on real pixels: Fashion-MNIST composed into Cityscapes-layout street scenes (make-cityscapes), sharded
# by prep-cityscapes, then a reduced DeepLab-V3 trained end to end and as InfoPro* K=2, and InfoPro* K=2 at a larger
# crop; writes docs/results/segmentation.{json,md}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  cat <<'USAGE'
Usage: submit/bench-segmentation.sh [-- bench-segmentation options]

Fetches Fashion-MNIST if needed, composes 48 + 8 street-scene frames of 512x256 in the Cityscapes layout under
out/bench-segmentation/cityscapes, prepares them with prep-cityscapes (out/bench-segmentation/dataset, reused
when present), and runs `bench-segmentation` on Spark local[*]: DeepLab-V3-R18 at width 0.25, end to end and as
InfoPro* K=2 on 64x128 crops, then InfoPro* K=2 on 96x192 crops, each evaluated on whole frames and by sliding
windows. Before that, `fit-crop --depth 101 --cap 16g` answers what fits under a 16 GiB cap at the paper's sizes
(docs/results/segmentation-fit.{json,md}, about 3 minutes), and segmentation.md embeds it with the 512x1024 memory
benchmark's result. Options after -- go to bench-segmentation (submit/infopro bench-segmentation --help lists them).
Results: docs/results/segmentation.{json,md}.
USAGE
  exit 0
fi
if [[ "${1:-}" == "--" ]]; then shift; fi
cd "$root"
work="out/bench-segmentation"
if [[ ! -f "$work/dataset/_manifest.json" ]]; then
  "$here/fashion-mnist-as-cityscapes.sh" --out "$work/cityscapes" --prep "$work/dataset" --width 512 --height 256 \
      --min-size 24 --max-size 96 --train-frames 48 --val-frames 8 --cities 2 --garments 12 --if-exists overwrite
fi
# what fits under a 16 GiB cap at the paper's sizes (R-101, about 3 minutes); bench-segmentation embeds it
"$here/infopro" fit-crop --depth 101 --cap 16g
"$here/infopro" bench-segmentation --dataset "$work/dataset" --out "$work/runs" "$@"
