#!/usr/bin/env bash
# The synchronisation benchmark on a 4-worker standalone cluster on loopback: one round's replica average at
# ResNet-50 state size (25.6 M parameters + as much momentum, 195 MiB per replica) with 2 and 4 replicas, Spark's
# reduce-scatter against the old driver-side collect and average in the same run, with a model of 16 and 64
# replicas. Writes docs/results/sync.json and docs/results/sync.md, then gathers docs/results/imagenet.{json,md}.
#
# It builds the jobs jar when missing, starts the cluster with submit/cluster.sh (4 workers, 1 core and 2g each) in
# out/bench-sync-cluster, submits `bench-sync` to it through submit/infopro (executors of 1536 MiB, a driver of
# 4 GiB: the old path holds every replica's state on the driver), and stops the cluster at the end (also on failure).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  echo
  echo "Usage: submit/bench-sync.sh [bench-sync options]   (see: submit/infopro bench-sync --help)"
  exit 0
fi
cd "$ROOT"
if [ ! -f jobs/target/infopro-jobs.jar ] || [ ! -f jobs/target/spark-classpath.txt ]; then
  mvn -B -q -DskipTests package
fi
export INFOPRO_CLUSTER_DIR="$ROOT/out/bench-sync-cluster"
submit/cluster.sh start --workers 4 --cores 1 --memory 2g
trap 'submit/cluster.sh stop' EXIT
MASTER=$(cat "$INFOPRO_CLUSTER_DIR/master-url")
OMP_NUM_THREADS=1 submit/infopro --master "$MASTER" --driver-memory 4g --executor-memory 1536m \
  --conf spark.executor.cores=1 --conf spark.scheduler.minRegisteredResourcesRatio=1.0 \
  --conf spark.driver.maxResultSize=2g \
  bench-sync "$@"
submit/infopro report-imagenet
