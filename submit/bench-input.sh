#!/usr/bin/env bash
# ImageNet input-pipeline benchmark on real photographs. Writes docs/results/imagenet-input.{json,md}, then gathers
# docs/results/imagenet.{json,md} (report-imagenet).
#
# How it runs, and why this way:
#  1. Real photographs, not generated ones: decode and crop cost depend on the JPEG's content (entropy-coded
#     detail), so the source is Debian's mate-backgrounds package (its nature/ photographs and one large
#     photo-like picture, 1280x1024 to 5640x3172), fetched with `apt-get download` (no install) into the work
#     folder and unpacked with dpkg-deb. It holds only 13 such pictures, so each gives many different crops.
#  2. An ImageNet-layout tree: N training images over a few wnid folders plus a flat val/ with
#     LOC_val_solution.csv and LOC_synset_mapping.txt. Every image is a random crop (a third to all of the
#     picture's width, landscape 3:2 to 1:1) resized by ImageMagick to a short side of 333-500 px and saved at JPEG
#     quality 90, ImageNet's typical sizes (500x375, 500x333, ...). ImageMagick is installed when missing.
#  3. The tree is sharded by the real prep job (`prep-imagenet`, sizes kept: --resize 0, as the reference
#     reads ImageNet's original JPEGs), then `bench-input` times ImageStream over the shards at 1 and 2 input
#     threads and, in the same process, the ResNet-50 training step that consumes the batches.
# The work folder (default data/bench-input, not in git) is reused: tree and shards are rebuilt only when
# missing or when --rebuild is given.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/data/bench-input"
IMAGES=512
CLASSES=8
VAL=32
SEED=1
REBUILD=0
ARGS=()

usage() {
  cat <<USAGE
Usage: submit/bench-input.sh [--work DIR] [--images N] [--classes C] [--val V] [--seed S] [--rebuild] [bench-input options]

Builds an ImageNet-layout tree of real photographs (Debian mate-backgrounds, random crops at short side
333-500 px, JPEG quality 90), shards it with prep-imagenet and runs 'submit/infopro bench-input' on it.

  --work DIR     work folder for the package, the tree and the shards [data/bench-input]
  --images N     training images [512]; --classes C wnid folders [8]; --val V validation images [32]
  --seed S       seed of the crops [1]
  --rebuild      rebuild the tree and the shards even if present
Other options go to bench-input (submit/infopro bench-input --help). Results: docs/results/imagenet-input.{json,md};
then report-imagenet gathers every ImageNet benchmark's results into docs/results/imagenet.{json,md}.
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --work) WORK="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    --classes) CLASSES="$2"; shift 2 ;;
    --val) VAL="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

is_imagemagick() { [ -x "$1" ] && "$1" -version 2>/dev/null | head -n 1 | grep -q "ImageMagick"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ! is_imagemagick /usr/bin/convert || ! is_imagemagick /usr/bin/identify; then
  echo "bench-input: ImageMagick not found; installing it with apt-get"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y imagemagick >/dev/null
fi
CONVERT=/usr/bin/convert
IDENTIFY=/usr/bin/identify

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
PHOTOS="$WORK/photos"
if [ ! -d "$PHOTOS" ] || [ -z "$(ls -A "$PHOTOS" 2>/dev/null)" ]; then
  echo "bench-input: fetching Debian's mate-backgrounds (real photographs)"
  (cd "$WORK" && apt-get download mate-backgrounds >/dev/null 2>&1) || { echo "bench-input: apt-get download mate-backgrounds failed" >&2; exit 1; }
  rm -rf "$WORK/pkg" && dpkg-deb -x "$WORK"/mate-backgrounds_*.deb "$WORK/pkg"
  mkdir -p "$PHOTOS"
  # the photographs; of the three Elephants sizes only the largest, so no picture counts twice
  for f in "$WORK"/pkg/usr/share/backgrounds/mate/nature/*.jpg "$WORK"/pkg/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg; do
    # a working copy at a long side of at most 1600 px, so that each crop below is cheap to cut
    "$CONVERT" "$f" -resize '1600x1600>' -quality 95 "$PHOTOS/$(basename "$f")"
  done
fi
mapfile -t SRC < <(ls "$PHOTOS"/*.jpg)
SIZES=()
for f in "${SRC[@]}"; do SIZES+=("$("$IDENTIFY" -format '%w %h' "$f")"); done
echo "bench-input: ${#SRC[@]} source photographs"

TREE="$WORK/tree-$IMAGES-$CLASSES-$VAL-$SEED"
DATASET="$WORK/shards-$IMAGES-$CLASSES-$VAL-$SEED"
if [ "$REBUILD" = 1 ]; then rm -rf "$TREE" "$DATASET"; fi

crop() { # crop <index> <out>: a deterministic random crop of source photo index % count
  local i=$1 out=$2 src wh w h fw a cw ch x y s r
  src=${SRC[$((i % ${#SRC[@]}))]}
  wh=${SIZES[$((i % ${#SRC[@]}))]}
  w=${wh% *}; h=${wh#* }
  r=$(( (i * 2654435761 + SEED * 40503) % 1000003 ))
  fw=$(( 34 + r % 67 ))                      # crop width: 34-100 % of the picture's width
  a=$(( 67 + (r / 67) % 34 ))                # height/width 0.67-1.00: ImageNet's landscape 3:2 to 1:1
  cw=$(( w * fw / 100 )); ch=$(( cw * a / 100 ))
  if [ "$ch" -gt "$h" ]; then ch=$h; cw=$(( h * 100 / a )); fi
  x=$(( (r / 7) % (w - cw + 1) )); y=$(( (r / 11) % (h - ch + 1) ))
  s=$(( 333 + (r / 13) % 168 ))              # short side 333-500
  "$CONVERT" "$src" -crop "${cw}x${ch}+${x}+${y}" +repage -resize "${s}x${s}^" -quality 90 -sampling-factor 4:2:0 "$out"
}

if [ ! -f "$TREE/.complete" ]; then
  echo "bench-input: building the tree ($IMAGES training images over $CLASSES classes, $VAL validation images)"
  rm -rf "$TREE" && mkdir -p "$TREE/train" "$TREE/val"
  : > "$TREE/LOC_synset_mapping.txt"
  echo "ImageId,PredictionString" > "$TREE/LOC_val_solution.csv"
  for c in $(seq 0 $((CLASSES - 1))); do
    wnid=$(printf 'n%08d' $((1440000 + c)))
    echo "$wnid photo class $c" >> "$TREE/LOC_synset_mapping.txt"
    mkdir -p "$TREE/train/$wnid"
  done
  for i in $(seq 0 $((IMAGES - 1))); do
    wnid=$(printf 'n%08d' $((1440000 + i % CLASSES)))
    crop "$i" "$TREE/train/$wnid/${wnid}_$i.JPEG"
  done
  for v in $(seq 1 "$VAL"); do
    wnid=$(printf 'n%08d' $((1440000 + v % CLASSES)))
    id=$(printf 'ILSVRC2012_val_%08d' "$v")
    crop $((IMAGES + v)) "$TREE/val/$id.JPEG"
    echo "$id,$wnid 0 0 10 10" >> "$TREE/LOC_val_solution.csv"
  done
  touch "$TREE/.complete"
fi

if [ ! -f "$DATASET/_manifest.json" ]; then
  echo "bench-input: sharding the tree with prep-imagenet"
  "$ROOT/submit/infopro" --master 'local[2]' prep-imagenet --input "$TREE" --output "$DATASET" --if-exists overwrite \
    --shard-mb 64 --progress-seconds 0
fi

cd "$ROOT"
"$ROOT/submit/infopro" --master 'local[1]' bench-input --dataset "$DATASET" ${ARGS[@]+"${ARGS[@]}"}
"$ROOT/submit/infopro" report-imagenet
