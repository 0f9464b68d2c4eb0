#!/usr/bin/env bash
# The end-to-end demo: fetch real Fashion-MNIST, build the jobs jar, shard the data into Parquet, train
# InfoPro local modules on embedded Spark local[*], and say where the results are.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EPOCHS=3
LIMIT=20000
OUT="$ROOT/out/demo"
DEPTH=20
SPLITS="2,1"
THREADS=$(nproc 2>/dev/null || echo 2)
REBUILD=0

usage() {
  cat <<USAGE
Usage: submit/demo.sh [--epochs N] [--limit N] [--out DIR] [--depth N] [--splits LIST] [--threads N] [--rebuild]

Fetches Fashion-MNIST (Debian package dataset-fashion-mnist), builds the jobs jar if needed, shards the
data into Parquet (data/fashion-mnist), and trains a ResNet as K=2 InfoPro local modules inside Spark
local[*]. Prints a progress line per epoch and, at the end, the test accuracy and where the results are.

  --epochs N     training epochs (default $EPOCHS)
  --limit N      training images used, 0 = all 60,000 (default $LIMIT)
  --out DIR      output folder for metrics.jsonl, result.json, checkpoint/ (default out/demo; replaced)
  --depth N      ResNet depth 6n+2 (default $DEPTH)
  --splits LIST  module split points 'stage,block;...' (default '$SPLITS': K=2)
  --threads N    native threads of the training task (default: all $THREADS cores)
  --rebuild      rebuild the jobs jar even if it exists
  --help         show this help

The default run takes about 10 minutes on 2 cores. Everything it downloads or writes stays under
data/ and out/ (both git-ignored).
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) EPOCHS="$2"; shift 2 ;;
    --limit) LIMIT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --depth) DEPTH="$2"; shift 2 ;;
    --splits) SPLITS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown option '$1'; see submit/demo.sh --help" >&2; exit 2 ;;
  esac
done
for v in EPOCHS LIMIT DEPTH THREADS; do
  case "${!v}" in
    ''|*[!0-9]*) echo "demo: --$(echo "$v" | tr 'A-Z' 'a-z') '${!v}' must be a non-negative integer" >&2; exit 2 ;;
  esac
done

START=$(date +%s)
echo "== 1/4 fetch Fashion-MNIST"
RAW=$("$ROOT/submit/fetch-fashion-mnist.sh" | tail -n 1)

echo "== 2/4 build the jobs jar"
if [ "$REBUILD" = 1 ] || [ ! -f "$ROOT/jobs/target/infopro-jobs.jar" ] || [ ! -f "$ROOT/jobs/target/spark-classpath.txt" ]; then
  (cd "$ROOT" && mvn -B -q -DskipTests package)
else
  echo "jobs/target/infopro-jobs.jar exists (use --rebuild to rebuild)"
fi

echo "== 3/4 prep: IDX -> Parquet shards + manifest (data/fashion-mnist)"
"$ROOT/submit/infopro" prep-idx --input "$RAW" --output "$ROOT/data/fashion-mnist" --dataset fashion-mnist --if-exists skip-ok

echo "== 4/4 train: ResNet-$DEPTH, InfoPro K=2 at [$SPLITS], $EPOCHS epochs on Spark local[*]"
# One training task runs at a time, so it gets every core; see README 'Threads'.
OMP_NUM_THREADS="$THREADS" "$ROOT/submit/infopro" train --dataset "$ROOT/data/fashion-mnist" --out "$OUT" --if-exists overwrite \
  --depth "$DEPTH" --splits "$SPLITS" --epochs "$EPOCHS" --limit "$LIMIT" --threads "$THREADS" || {
    code=$?; echo "demo: training failed (exit $code); see $OUT/result.json" >&2; exit $code; }

ELAPSED=$(( $(date +%s) - START ))
ACC=$(grep -o '"test_accuracy" : [0-9.]*' "$OUT/result.json" | head -n 1 | awk '{print $3}')
echo
echo "demo: done in $((ELAPSED / 60))m$((ELAPSED % 60))s. Test accuracy (10,000 Fashion-MNIST test images): $ACC"
echo "demo: results in $OUT: result.json, metrics.jsonl (one line per epoch), checkpoint/"
