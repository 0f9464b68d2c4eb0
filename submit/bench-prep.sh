#!/usr/bin/env bash
# Per-core image-prep benchmark: our JDK-only codec (data-prep, package org.infopro.data.image) against
# ImageMagick on the same generated files, one thread each. Writes docs/results/prep-bench.{json,md}.
#
# How it runs, and why this way:
#  1. The native reference must be the real ImageMagick. A stand-in named `convert` may sit earlier on PATH,
#     so the script asks `/usr/bin/convert -version` (then `mogrify` on PATH) for an "ImageMagick" version line
#     and runs `apt-get install -y imagemagick` (through sudo when not root) when there is none.
#  2. It compiles data-prep's main and test classes with `mvn -pl data-prep test-compile` (offline first, then
#     online), because the benchmark lives in the test tree next to the ImageFixtures generator it uses and
#     must not ship in the jobs jar. Nothing is installed into the local Maven repository.
#  3. It writes data-prep's test classpath once with maven-dependency-plugin (build-classpath) to
#     data-prep/target/bench-classpath.txt, refreshed when a pom is newer, and starts the benchmark with a
#     plain `java -cp`: no exec plugin, and the JVM flags (serial GC, so no parallel GC threads help us on a
#     second core) are visible here.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=1

usage() {
  cat <<USAGE
Usage: submit/bench-prep.sh [--no-build] [benchmark options]

Generates photo-like JPEGs (ImageNet-style) and 2048x1024 PNG pairs (Cityscapes-style), then times our
decode/resize/encode on one thread against ImageMagick's mogrify with one thread, and writes
docs/results/prep-bench.json and docs/results/prep-bench.md (paths are relative to the repository root).

  --no-build   use the compiled classes under data-prep/target as they are
  --help       show this help and the benchmark's own options

Benchmark options (defaults in brackets): --images N [300], --city-pairs M [10], --rounds R [2],
--short-side S [256], --quality Q [90], --seed N [1], --mogrify PATH|none [the real ImageMagick found here],
--work DIR [temporary], --json PATH, --markdown PATH.
USAGE
}

ARGS=()
for a in "$@"; do
  case "$a" in
    --no-build) BUILD=0 ;;
    -h|--help) usage; HELP=1 ;;
    *) ARGS+=("$a") ;;
  esac
done

is_imagemagick() { [ -x "$1" ] && "$1" -version 2>/dev/null | head -n 1 | grep -q "ImageMagick"; }

find_mogrify() {
  local c
  for c in /usr/bin/mogrify "$(command -v mogrify 2>/dev/null || true)"; do
    if [ -n "$c" ] && is_imagemagick "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

cd "$ROOT"
if [ -z "${HELP:-}" ]; then
  if ! is_imagemagick /usr/bin/convert || ! MOGRIFY=$(find_mogrify); then
    echo "bench-prep: ImageMagick not found (convert -version does not report it); installing it with apt-get"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y imagemagick >/dev/null
    MOGRIFY=$(find_mogrify) || { echo "bench-prep: imagemagick installed but no ImageMagick mogrify found" >&2; exit 1; }
  fi
  echo "bench-prep: native reference $("$MOGRIFY" -version | head -n 1)"
fi

if [ "$BUILD" = 1 ]; then
  echo "bench-prep: compiling data-prep (main and test classes)"
  mvn -B -q -o -pl data-prep test-compile 2>/dev/null || mvn -B -q -pl data-prep test-compile
fi
CP_FILE="data-prep/target/bench-classpath.txt"
if [ ! -s "$CP_FILE" ] || [ pom.xml -nt "$CP_FILE" ] || [ data-prep/pom.xml -nt "$CP_FILE" ]; then
  echo "bench-prep: writing the test classpath to $CP_FILE"
  mvn -B -q -o -pl data-prep dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt 2>/dev/null \
    || mvn -B -q -pl data-prep dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
fi

CP="data-prep/target/classes:data-prep/target/test-classes:$(cat "$CP_FILE")"
MAIN=org.infopro.data.bench.ImagePrepBench
if [ -n "${HELP:-}" ]; then
  echo
  exec java -cp "$CP" "$MAIN" --help
fi
exec java -XX:+UseSerialGC -Xmx1g -cp "$CP" "$MAIN" --mogrify "$MOGRIFY" ${ARGS[@]+"${ARGS[@]}"}
