#!/usr/bin/env bash
# The schedules benchmark on a 2-worker standalone cluster on loopback: ResNet-32, K = 4 on real Fashion-MNIST
# (20,000 training images, 2 epochs), trained simultaneous, sequential with spill, sequential with recompute
# and staggered, one after another. Writes docs/results/schedules.json and docs/results/schedules.md.
#
# It builds the jobs jar when missing, prepares Fashion-MNIST into data/fashion-mnist when missing (as
# submit/demo.sh does), starts the cluster with submit/cluster.sh (2 workers, 1 core and 3g each) in
# out/bench-cluster, submits `bench-schedules` to it through submit/infopro once per run (each run its own Spark
# application), and stops the cluster at the end (also on failure or Ctrl-C). Completed runs in
# out/bench-schedules are reused, so a rerun resumes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  echo
  echo "Usage: submit/bench-schedules.sh [bench-schedules options]   (see: submit/infopro bench-schedules --help)"
  exit 0
fi
cd "$ROOT"
if [ ! -f jobs/target/infopro-jobs.jar ] || [ ! -f jobs/target/spark-classpath.txt ]; then
  mvn -B -q -DskipTests package
fi
if [ ! -f data/fashion-mnist/_manifest.json ]; then
  RAW=$(submit/fetch-fashion-mnist.sh | tail -n 1)
  submit/infopro prep-idx --input "$RAW" --output data/fashion-mnist --dataset fashion-mnist --if-exists skip-ok
fi
export INFOPRO_CLUSTER_DIR="$ROOT/out/bench-cluster"
submit/cluster.sh start --workers 2 --cores 1 --memory 3g
trap 'submit/cluster.sh stop' EXIT
MASTER=$(cat "$INFOPRO_CLUSTER_DIR/master-url")
# One Spark application per run, so every run gets fresh executor JVMs (their peak RSS is that run's); each
# application reuses the runs already complete and rewrites the report with all of them.
DONE=""
for RUN in simultaneous sequential-spill sequential-recompute staggered; do
  DONE="${DONE:+$DONE,}$RUN"
  OMP_NUM_THREADS=1 submit/infopro --master "$MASTER" --driver-memory 2g --executor-memory 3g \
    --conf spark.executor.cores=1 --conf spark.scheduler.minRegisteredResourcesRatio=1.0 \
    bench-schedules --dataset data/fashion-mnist --threads 1 --runs "$DONE" "$@"
done
