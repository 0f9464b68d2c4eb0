#!/usr/bin/env bash
# Writes real Fashion-MNIST as an ILSVRC-2012 tree (make-ilsvrc), so that prep-imagenet and ImageNet training
# can be rehearsed on real pixels: fetches Fashion-MNIST if it is not cached, then runs the job through
# submit/infopro. Optionally shards the tree with prep-imagenet too.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="${INFOPRO_DATA:-$ROOT/data}/fashion-mnist-ilsvrc"
PREP=""
MODE=""
JOB_ARGS=()

usage() {
  cat <<USAGE
Usage: submit/fashion-mnist-as-ilsvrc.sh [--out DIR] [--prep DIR] [make-ilsvrc options]

Fetches Fashion-MNIST (submit/fetch-fashion-mnist.sh: Debian package dataset-fashion-mnist, verified and
cached) and writes it as an ILSVRC-2012 root with 'submit/infopro make-ilsvrc': train/<wnid>/<wnid>_<n>.JPEG,
flat val/ILSVRC2012_val_<8 digits>.JPEG, LOC_val_solution.csv, LOC_synset_mapping.txt. The jobs jar must be
built (mvn -B -DskipTests package).

  --out DIR      the ILSVRC root to write (default: data/fashion-mnist-ilsvrc)
  --prep DIR     then shard the tree with 'submit/infopro prep-imagenet --input <out> --output DIR'
                 (an --if-exists given for make-ilsvrc applies to it too)
  --help         show this help

Every other option goes to make-ilsvrc unchanged, for example:
  --size N (JPEG side, default 64)   --classes N (default 10; 1000 spreads each label over 100 wnids)
  --train-limit N / --val-limit N (0 = all 60,000 / 10,000)   --threads N   --if-exists error|overwrite|skip-ok
See 'submit/infopro make-ilsvrc --help' for all of them.

Example, a 1000-class rehearsal of the ImageNet path at 64x64:
  submit/fashion-mnist-as-ilsvrc.sh --classes 1000 --out data/fmnist-ilsvrc-1000 --prep data/fmnist-imagenet-1000
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --prep) PREP="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --output|--input) echo "fashion-mnist-as-ilsvrc: $1 is set by this script; use --out DIR for the tree" >&2; exit 2 ;;
    --*) if [ $# -lt 2 ]; then echo "fashion-mnist-as-ilsvrc: option '$1' needs a value; see --help" >&2; exit 2; fi
         [ "$1" = --if-exists ] && MODE="$2"
         JOB_ARGS+=("$1" "$2"); shift 2 ;;
    *) echo "fashion-mnist-as-ilsvrc: unexpected argument '$1'; see --help" >&2; exit 2 ;;
  esac
done

if [ ! -f "$ROOT/jobs/target/infopro-jobs.jar" ] || [ ! -f "$ROOT/jobs/target/spark-classpath.txt" ]; then
  echo "fashion-mnist-as-ilsvrc: the jobs jar is not built; run 'mvn -B -DskipTests package' first" >&2
  exit 1
fi

RAW=$("$ROOT/submit/fetch-fashion-mnist.sh" | tail -n 1)
"$ROOT/submit/infopro" make-ilsvrc --input "$RAW" --output "$OUT" ${JOB_ARGS[@]+"${JOB_ARGS[@]}"}

if [ -n "$PREP" ]; then
  "$ROOT/submit/infopro" prep-imagenet --input "$OUT" --output "$PREP" ${MODE:+--if-exists "$MODE"}
fi
