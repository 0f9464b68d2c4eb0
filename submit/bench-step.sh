#!/usr/bin/env bash
# The per-step benchmark: our DL4J training step against PyTorch's on the same networks, in one run.
#
# For each network (CIFAR ResNet-32 and -110, 32x32x3, 10 classes, batch 128; end-to-end and InfoPro K=2/4/8 with
# the reference's splits, shipped CIFAR-10 λ, 1c2f heads, contrastive loss) and each thread count, it runs our side
# (`submit/infopro bench-step`) and the PyTorch side (submit/bench/step_torch.py on Debian's python3-torch 1.13,
# run with /usr/bin/python3) alternately, each run a fresh process: ours, PyTorch, ours, PyTorch, ... for --rounds
# rounds. Both sides get the same glibc malloc settings, warm up until the step time stops falling, then time
# --steps steps. The PyTorch side refuses to run when its modules or parameter counts differ from ours. The 1-minute
# load average is recorded before and after every run. At the end `submit/infopro bench-step-report` writes
# <out>.json and <out>.md (default docs/results/step): images/s at each thread count, peak memory (RSS above the idle
# baseline, and each engine's own accounting), ratios ours/PyTorch and InfoPro/E2E, warnings.
#
# The full default run takes about 35-40 minutes on a quiet 2-core machine; run it when nothing else runs.
# .ci/run does not run it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
TORCH_SCRIPT="$ROOT/submit/bench/step_torch.py"

DEPTHS="32,110"
KS="1,2,4,8"
THREADS="1,2"
STEPS="32=6,110=3"
WARMUP_MAX="32=15,110=10"
WINDOW="32=3,110=2"
TOLERANCE="0.05"
ROUNDS=2
LOSS="infopro-contrast"
OUT="docs/results/step"
RUNS_DIR=""
DRY_RUN=0

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  cat <<USAGE

Usage: submit/bench-step.sh [options]

Options (a value given as D=N,... is per ResNet depth; a single N applies to every depth):
  --depths LIST        ResNet depths with reference split tables: 32 and/or 110 (default $DEPTHS)
  --ks LIST            module counts, 1 = end-to-end; each needs a table entry: 2, 3, 4, 8, 16 (default $KS)
  --threads LIST       native threads per run: OMP_NUM_THREADS, ND4J max threads, torch.set_num_threads (default $THREADS)
  --steps N|D=N,...    timed steps per run (default $STEPS)
  --warmup-max N|D=N,...  most warm-up steps (default $WARMUP_MAX)
  --window N|D=N,...   warm-up window: steady once the median of the last N steps is no more than --tolerance below
                       the median of the N before (default $WINDOW)
  --tolerance X        (default $TOLERANCE)
  --rounds N           alternating rounds, ours then PyTorch in each (default $ROUNDS)
  --loss MODE          InfoPro's local loss: infopro-contrast or infopro-softmax (default $LOSS)
  --out PATH           report path without extension (default $OUT)
  --runs-dir DIR       where the run records, logs and runs.tsv go (default out/bench-step/<UTC time>)
  --dry-run            print the runs and the time estimate, run nothing
  -h, --help           this text

Quick check (about 2 minutes on a quiet machine):
  submit/bench-step.sh --depths 32 --ks 1,2 --threads 1 --steps 3 --rounds 1 --out out/bench-step/quick
Full run (the lead, on a quiet machine):
  submit/bench-step.sh

Environment: MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, MALLOC_ARENA_MAX (defaults 33554432,
17179869184, 536870912, 2: the launcher's tuned settings) go to both sides and are recorded in every run record.
Exit codes: 0 ok, 2 invalid option, 3 the two sides' networks differ, 1 any other failure.
USAGE
}

die() { echo "bench-step: $*" >&2; exit 2; }

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value (see --help)"; }

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --depths) need_value "$@"; DEPTHS="$2"; shift 2 ;;
    --ks) need_value "$@"; KS="$2"; shift 2 ;;
    --threads) need_value "$@"; THREADS="$2"; shift 2 ;;
    --steps) need_value "$@"; STEPS="$2"; shift 2 ;;
    --warmup-max) need_value "$@"; WARMUP_MAX="$2"; shift 2 ;;
    --window) need_value "$@"; WINDOW="$2"; shift 2 ;;
    --tolerance) need_value "$@"; TOLERANCE="$2"; shift 2 ;;
    --rounds) need_value "$@"; ROUNDS="$2"; shift 2 ;;
    --loss) need_value "$@"; LOSS="$2"; shift 2 ;;
    --out) need_value "$@"; OUT="$2"; shift 2 ;;
    --runs-dir) need_value "$@"; RUNS_DIR="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

# ---------------------------------------------------------------- validation: every error names the bad value
is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }
list_of_ints() { # name value
  local IFS=,
  for x in $2; do is_int "$x" || die "invalid $1 '$2': '$x' is not a positive integer (a comma-separated list such as 1,2)"; done
}
list_of_ints --depths "$DEPTHS"
list_of_ints --ks "$KS"
list_of_ints --threads "$THREADS"
for d in ${DEPTHS//,/ }; do
  [ "$d" = 32 ] || [ "$d" = 110 ] || die "invalid --depths '$DEPTHS': $d has no reference split table; use 32 and/or 110"
done
for t in ${THREADS//,/ }; do
  [ "$t" -ge 1 ] && [ "$t" -le 1024 ] || die "invalid --threads '$THREADS': $t is not in [1, 1024]"
done
is_int "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "invalid --rounds '$ROUNDS': expected an integer >= 1"
case "$LOSS" in infopro-contrast|infopro-softmax) ;; *) die "invalid --loss '$LOSS': expected infopro-contrast or infopro-softmax" ;; esac
[[ "$TOLERANCE" =~ ^0?(\.[0-9]+)?$ ]] && [ -n "$TOLERANCE" ] || die "invalid --tolerance '$TOLERANCE': expected a number in [0, 0.5]"

# per_depth OPTION SPEC DEPTH: N, or the N of D=N in a comma-separated SPEC
per_depth() {
  local opt=$1 spec=$2 depth=$3 item
  if is_int "$spec"; then echo "$spec"; return; fi
  for item in ${spec//,/ }; do
    [[ "$item" =~ ^([0-9]+)=([0-9]+)$ ]] || die "invalid $opt '$spec': '$item' is not D=N (for example 32=6,110=3) and '$spec' is no single integer"
    if [ "${BASH_REMATCH[1]}" = "$depth" ]; then echo "${BASH_REMATCH[2]}"; return; fi
  done
  die "invalid $opt '$spec': no value for ResNet-$depth (give N, or D=N for every depth in --depths)"
}
for d in ${DEPTHS//,/ }; do
  s=$(per_depth --steps "$STEPS" "$d"); [ "$s" -ge 1 ] || die "invalid --steps '$STEPS': ResNet-$d gets $s; expected >= 1"
  w=$(per_depth --warmup-max "$WARMUP_MAX" "$d"); [ "$w" -ge 1 ] || die "invalid --warmup-max '$WARMUP_MAX': ResNet-$d gets $w; expected >= 1"
  per_depth --window "$WINDOW" "$d" >/dev/null
done

# (depth, K) pairs must exist in the split table; the error lists what does
for d in ${DEPTHS//,/ }; do
  for k in ${KS//,/ }; do
    [ "$k" = 1 ] && continue
    grep -q . <("$PY" - "$ROOT/conf/infopro-splits.json" "$d" "$k" <<'PY'
import json, sys
tables = json.load(open(sys.argv[1]))["tables"]
d, k = int(sys.argv[2]), int(sys.argv[3])
if any(t["table"] == "infopro" and t["depth"] == d and t["k"] == k for t in tables):
    print("ok")
PY
) || die "invalid --ks '$KS': the split table 'infopro' has no K=$k for ResNet-$d; it has K = $("$PY" -c "import json,sys; print(', '.join(str(t['k']) for t in json.load(open(sys.argv[1]))['tables'] if t['table']=='infopro' and t['depth']==$d))" "$ROOT/conf/infopro-splits.json")"
  done
done

# ---------------------------------------------------------------- the plan and its time estimate
# A-priori seconds per step on a quiet 2-core machine (ours measured 1.0-1.5 s for ResNet-32 E2E at 1 thread, PyTorch
# 0.4-0.6 s; ResNet-110 about 3.6x), 2 threads at 0.6x, InfoPro at 1.2x, and process start-up plus the slow first
# steps: only for the estimate and the ETA, which then scales by the speed observed so far.
estimate() { # engine depth k threads -> seconds (integer)
  local engine=$1 depth=$2 k=$3 threads=$4
  local steps warm
  steps=$(per_depth --steps "$STEPS" "$depth"); warm=$(( 2 * $(per_depth --window "$WINDOW" "$depth") + 1 ))
  awk -v e="$engine" -v d="$depth" -v k="$k" -v t="$threads" -v s="$steps" -v w="$warm" 'BEGIN {
    step = (e == "dl4j" ? 1.3 : 0.55) * (d == 110 ? 3.6 : 1) * (t > 1 ? 0.6 : 1) * (k > 1 ? 1.2 : 1)
    start = (e == "dl4j" ? 15 : 4)
    printf "%d", start + (1.5 * w + s + 1) * step }'
}
RUNS=()
TOTAL_EST=0
for r in $(seq 1 "$ROUNDS"); do
  for t in ${THREADS//,/ }; do
    for d in ${DEPTHS//,/ }; do
      for k in ${KS//,/ }; do
        for e in dl4j pytorch; do
          RUNS+=("$r $e $d $k $t")
          TOTAL_EST=$(( TOTAL_EST + $(estimate "$e" "$d" "$k" "$t") ))
        done
      done
    done
  done
done
fmt() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }
echo "[bench-step] ${#RUNS[@]} runs (${ROUNDS} round(s) x depths $DEPTHS x K $KS x threads $THREADS x 2 engines);" \
     "estimated $(fmt "$TOTAL_EST") on a quiet machine" >&2
if [ "$DRY_RUN" = 1 ]; then
  printf '  %s\n' "${RUNS[@]}" | awk '{ printf "  round %s  %-8s ResNet-%-4s K=%-2s threads=%s\n", $1, $2, $3, $4, $5 }'
  exit 0
fi

# ---------------------------------------------------------------- prerequisites
cd "$ROOT"
if [ ! -f jobs/target/infopro-jobs.jar ] || [ ! -f jobs/target/spark-classpath.txt ]; then
  echo "[bench-step] building the jobs jar (mvn -DskipTests package) ..." >&2
  mvn -B -q -DskipTests package
fi
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "[bench-step] installing Debian's python3-torch (apt-get install -y python3-torch) ..." >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y python3-torch >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y python3-torch >&2; } \
    || { echo "bench-step: cannot install python3-torch; install it (apt-get install python3-torch) and rerun." >&2; exit 1; }
fi
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-17179869184}"
export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-536870912}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
echo "[bench-step] malloc: MALLOC_MMAP_THRESHOLD_=$MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_=$MALLOC_TRIM_THRESHOLD_" \
     "MALLOC_TOP_PAD_=$MALLOC_TOP_PAD_ MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX (both sides; the launcher's tuned settings)" >&2

RUNS_DIR="${RUNS_DIR:-out/bench-step/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$RUNS_DIR"
[ -e "$RUNS_DIR/runs.tsv" ] && die "invalid --runs-dir '$RUNS_DIR': it already holds a runs.tsv; choose another folder"
printf 'round\tengine\tdepth\tk\tthreads\tfile\tload_before\tload_after\texit\n' > "$RUNS_DIR/runs.tsv"
echo "[bench-step] run records and logs in $RUNS_DIR" >&2

load1() { cut -d' ' -f1 /proc/loadavg; }
START=$(date +%s)
DONE_EST=0
i=0
for run in "${RUNS[@]}"; do
  read -r r e d k t <<< "$run"
  i=$(( i + 1 ))
  name="$e-r$r-d$d-k$k-t$t"
  ours="dl4j-r$r-d$d-k$k-t$t.json"
  steps=$(per_depth --steps "$STEPS" "$d"); wmax=$(per_depth --warmup-max "$WARMUP_MAX" "$d"); win=$(per_depth --window "$WINDOW" "$d")
  common=(--depth "$d" --k "$k" --loss "$LOSS" --threads "$t" --steps "$steps" --warmup-max "$wmax" --window "$win"
          --tolerance "$TOLERANCE" --out "$RUNS_DIR/$name.json")
  before=$(load1)
  set +e
  if [ "$e" = dl4j ]; then
    OMP_NUM_THREADS="$t" submit/infopro bench-step "${common[@]}" > "$RUNS_DIR/$name.out" 2> "$RUNS_DIR/$name.log"
  else
    OMP_NUM_THREADS="$t" "$PY" "$TORCH_SCRIPT" "${common[@]}" --expect "$RUNS_DIR/$ours" > "$RUNS_DIR/$name.out" 2> "$RUNS_DIR/$name.log"
  fi
  rc=$?
  set -e
  after=$(load1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$e" "$d" "$k" "$t" "$name.json" "$before" "$after" "$rc" >> "$RUNS_DIR/runs.tsv"
  if [ "$rc" != 0 ]; then
    echo "[bench-step] FAILED: $name (exit $rc); last lines of $RUNS_DIR/$name.log:" >&2
    grep -v '^\s*at ' "$RUNS_DIR/$name.log" | tail -n 15 >&2
    [ "$rc" = 3 ] && exit 3
    exit 1
  fi
  DONE_EST=$(( DONE_EST + $(estimate "$e" "$d" "$k" "$t") ))
  now=$(date +%s); elapsed=$(( now - START ))
  eta=$(( elapsed * (TOTAL_EST - DONE_EST) / (DONE_EST > 0 ? DONE_EST : 1) ))
  summary=$(grep -E 'img/s \(median' "$RUNS_DIR/$name.log" | tail -n 1 | sed 's/^\[bench-step\] [a-z0-9]* ResNet-[0-9]* K=[0-9]* threads=[0-9]*: //')
  echo "[bench-step] $i/${#RUNS[@]} round $r $e ResNet-$d K=$k threads=$t: $summary | load $before -> $after |" \
       "$(fmt "$elapsed") elapsed, ETA $(fmt "$eta")" >&2
done

echo "[bench-step] writing $OUT.json and $OUT.md ..." >&2
submit/infopro bench-step-report --runs "$RUNS_DIR" --out "$OUT" > "$RUNS_DIR/report.out" 2> "$RUNS_DIR/report.log" || {
  rc=$?
  echo "[bench-step] the report failed (exit $rc):" >&2
  grep -v '^\s*at ' "$RUNS_DIR/report.log" | grep -iv 'log4j\|WARN' | tail -n 15 >&2
  exit "$rc"
}
grep 'WARNING' "$RUNS_DIR/report.log" >&2 || true
echo "[bench-step] done in $(fmt $(( $(date +%s) - START ))): $OUT.md" >&2
