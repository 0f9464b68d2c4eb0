#!/usr/bin/env bash
# The scale rehearsal on a 2-worker standalone cluster on loopback: real Fashion-MNIST written as ILSVRC-2012 trees
# of 10,000 and of 100,000 JPEGs over 1,000 wnids, each sharded by prep-imagenet and trained for the same steps
# (a tiny ResNet-50 InfoPro* K=2, 2 replicas; one epoch of the 100,000, ten of the 10,000), every phase its own
# driver JVM; the heap after GC and the peak RSS of the driver and the executors per size, and their ratio. Writes
# docs/results/imagenet-scale.json and .md, then gathers docs/results/imagenet.{json,md} (report-imagenet).
#
# It builds the jobs jar when missing, fetches Fashion-MNIST (submit/fetch-fashion-mnist.sh), starts the cluster
# with submit/cluster.sh (2 workers, 1 core and 2g each) in out/bench-scale-cluster, runs `bench-scale` (which
# launches each phase through submit/infopro), and stops the cluster at the end (also on failure). Work files:
# out/bench-scale (about 0.5 GB). Takes about 20 minutes on 2 cores; run it alone (it watches every executor JVM).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  echo
  echo "Usage: submit/bench-scale.sh [bench-scale options]   (see: submit/infopro bench-scale --help)"
  exit 0
fi
cd "$ROOT"
if [ ! -f jobs/target/infopro-jobs.jar ] || [ ! -f jobs/target/spark-classpath.txt ]; then
  mvn -B -q -DskipTests package
fi
RAW=$(submit/fetch-fashion-mnist.sh | tail -n 1)
export INFOPRO_CLUSTER_DIR="$ROOT/out/bench-scale-cluster"
submit/cluster.sh start --workers 2 --cores 1 --memory 2g
trap 'submit/cluster.sh stop' EXIT
MASTER=$(cat "$INFOPRO_CLUSTER_DIR/master-url")
# the benchmark itself needs no Spark: it writes the trees and launches every Spark phase as its own submit/infopro
submit/infopro --driver-memory 1g bench-scale --input "$RAW" --cluster "$MASTER" "$@"
submit/infopro report-imagenet
