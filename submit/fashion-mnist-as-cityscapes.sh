#!/usr/bin/env bash
# Composes real Fashion-MNIST into a Cityscapes tree (make-cityscapes), so that prep-cityscapes and segmentation
# training can be rehearsed on real pixels: fetches Fashion-MNIST if it is not cached, then runs the job through
# submit/infopro. Optionally shards the tree with prep-cityscapes too.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="${INFOPRO_DATA:-$ROOT/data}/fashion-mnist-cityscapes"
PREP=""
MODE=""
JOB_ARGS=()

usage() {
  cat <<USAGE
Usage: submit/fashion-mnist-as-cityscapes.sh [--out DIR] [--prep DIR] [make-cityscapes options]

Fetches Fashion-MNIST (submit/fetch-fashion-mnist.sh: Debian package dataset-fashion-mnist, verified and
cached) and composes it with 'submit/infopro make-cityscapes' into street-scene-sized frames in the Cityscapes
layout: leftImg8bit/{train,val}/<city>/<city>_<seq>_000019_leftImg8bit.png (8-bit RGB) and
gtFine/{train,val}/<city>/<city>_<seq>_000019_gtFine_labelIds.png (8-bit label ids). Garments (28x28, scaled
bilinearly) are pasted at random sizes, places and colours on a textured background; a pixel is garment where
its scaled gray value is at least 26 (10 % of 255). prep-cityscapes' standard mapping gives 11 train ids:

  train id  label id  Cityscapes name  shows          train id  label id  Cityscapes name  shows
  0         7         road             background     6         19        traffic light    5 Sandal
  1         8         sidewalk         0 T-shirt/top  7         20        traffic sign     6 Shirt
  2         11        building         1 Trouser      8         21        vegetation       7 Sneaker
  3         12        wall             2 Pullover     9         22        terrain          8 Bag
  4         13        fence            3 Dress        10        23        sky              9 Ankle boot
  5         17        pole             4 Coat

The jobs jar must be built (mvn -B -DskipTests package).

  --out DIR      the Cityscapes root to write (default: data/fashion-mnist-cityscapes)
  --prep DIR     then shard the tree with 'submit/infopro prep-cityscapes --input <out> --output DIR'
                 (an --if-exists given for make-cityscapes applies to it too)
  --help         show this help

Every other option goes to make-cityscapes unchanged, for example:
  --width W / --height H (default 2048 x 1024)   --train-frames N / --val-frames N (default 12 / 4)
  --cities N (per split, default 3)   --garments N (mean per frame, default 40)
  --min-size PX / --max-size PX (default 64 / 256)   --seed N   --threads N   --if-exists error|overwrite|skip-ok
See 'submit/infopro make-cityscapes --help' for all of them.

Example, a quarter-size rehearsal of the segmentation path:
  submit/fashion-mnist-as-cityscapes.sh --width 1024 --height 512 --min-size 32 --max-size 128 \\
      --out data/fmnist-cityscapes-1024 --prep data/fmnist-cityscapes-1024-ds
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --prep) PREP="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --output|--input) echo "fashion-mnist-as-cityscapes: $1 is set by this script; use --out DIR for the tree" >&2; exit 2 ;;
    --*) if [ $# -lt 2 ]; then echo "fashion-mnist-as-cityscapes: option '$1' needs a value; see --help" >&2; exit 2; fi
         [ "$1" = --if-exists ] && MODE="$2"
         JOB_ARGS+=("$1" "$2"); shift 2 ;;
    *) echo "fashion-mnist-as-cityscapes: unexpected argument '$1'; see --help" >&2; exit 2 ;;
  esac
done

if [ ! -f "$ROOT/jobs/target/infopro-jobs.jar" ] || [ ! -f "$ROOT/jobs/target/spark-classpath.txt" ]; then
  echo "fashion-mnist-as-cityscapes: the jobs jar is not built; run 'mvn -B -DskipTests package' first" >&2
  exit 1
fi

RAW=$("$ROOT/submit/fetch-fashion-mnist.sh" | tail -n 1)
"$ROOT/submit/infopro" make-cityscapes --input "$RAW" --output "$OUT" ${JOB_ARGS[@]+"${JOB_ARGS[@]}"}

if [ -n "$PREP" ]; then
  "$ROOT/submit/infopro" prep-cityscapes --input "$OUT" --output "$PREP" ${MODE:+--if-exists "$MODE"}
fi
