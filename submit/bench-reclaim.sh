#!/usr/bin/env bash
# The native-reclamation benchmark: the same Fashion-MNIST training (ResNet-8, K=2, one epoch of 60,000 images)
# with --reclaim-every 0 and with --reclaim-every 10, in turn, each its own submit/infopro process in local[1];
# the peak resident set, wall time and garbage collections of each, and the ratio with / without per pair.
# Writes docs/results/native-reclaim.json and .md.
#
# It builds the jobs jar when missing, fetches and preps Fashion-MNIST (data/fashion-mnist) when missing, and writes
# its runs to out/bench-reclaim. Takes about 12 minutes on 2 cores with the default 2 pairs; run it alone.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  echo
  echo "Usage: submit/bench-reclaim.sh [bench-reclaim options]   (see: submit/infopro bench-reclaim --help)"
  exit 0
fi
cd "$ROOT"
if [ ! -f jobs/target/infopro-jobs.jar ] || [ ! -f jobs/target/spark-classpath.txt ]; then
  mvn -B -q -DskipTests package
fi
RAW=$(submit/fetch-fashion-mnist.sh | tail -n 1)
submit/infopro prep-idx --input "$RAW" --output data/fashion-mnist --dataset fashion-mnist --if-exists skip-ok
OMP_NUM_THREADS=1 submit/infopro bench-reclaim --dataset data/fashion-mnist "$@"
