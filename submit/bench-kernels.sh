#!/usr/bin/env bash
# Micro-benchmarks of our own layer kernels against the libnd4j ops or the layers they replaced, per call at
# batch 128, old and new alternating, one thread (OMP_NUM_THREADS=1), median over rounds:
#   batchnorm  ChannelKernels (batch norm's statistics, scale and shift, backward sums and map) against the libnd4j
#              ops; writes docs/results/batchnorm-kernels.json and .md (or --out PATH.json / .md)
#   upsample   BilinearUpsampleLayer against the separable products it replaced; prints a table
# They live in the test sources (they are not tests), so this compiles them with Maven first.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  cat <<USAGE

Usage: submit/bench-kernels.sh batchnorm|upsample [--rounds N] [--out PATH]
  --rounds N   timed rounds after the warm-up (default 15)
  --out PATH   batchnorm only: report path without extension (default docs/results/batchnorm-kernels)
USAGE
}
WHICH="${1:-}"
case "$WHICH" in
  batchnorm) CLASS=org.infopro.spark.model.ChannelKernelsBench ;;
  upsample) CLASS=org.infopro.spark.model.BilinearUpsampleBench ;;
  -h|--help) usage; exit 0 ;;
  *) echo "bench-kernels: unknown benchmark '${WHICH}': expected batchnorm or upsample (see --help)" >&2; exit 2 ;;
esac
shift
ROUNDS=15
OUT="docs/results/batchnorm-kernels"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
    --out) OUT="${2:?--out needs a path}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench-kernels: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$ROUNDS" in ''|*[!0-9]*|0) echo "bench-kernels: --rounds must be a positive integer, got '$ROUNDS'" >&2; exit 2 ;; esac

cd "$ROOT"
mvn -B -q -pl infopro-spark -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="infopro-spark/target/test-classes:infopro-spark/target/classes:$(cat infopro-spark/target/test-classpath.txt)"
ARGS=("$ROUNDS")
[ "$WHICH" = batchnorm ] && ARGS+=("$OUT")
OMP_NUM_THREADS=1 exec java @conf/jvm17.args -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" \
  -cp "$CP" "$CLASS" "${ARGS[@]}"
