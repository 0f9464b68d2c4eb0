#!/usr/bin/env bash
# A Spark standalone cluster on loopback, started from the project's own jars (the embedded Spark that
# 'mvn -DskipTests package' lists in jobs/target/spark-classpath.txt): one master JVM and N worker JVMs.
#
#   submit/cluster.sh start [--workers N] [--cores C] [--memory M] [--gpus-per-worker G] [--port P] [--webui-port W]
#   submit/cluster.sh status
#   submit/cluster.sh stop
#
# Then: submit/infopro --master spark://127.0.0.1:P <job> ...
# Everything (pids, logs, worker work dirs, a SPARK_HOME for executors) lives in $INFOPRO_CLUSTER_DIR,
# default out/cluster. With --gpus-per-worker G every worker advertises G GPUs found by
# submit/gpu-discovery.sh; export INFOPRO_FAKE_GPUS=G first to test GPU scheduling without GPUs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLASSPATH_FILE="$ROOT/jobs/target/spark-classpath.txt"
JVM_ARGS="$ROOT/conf/jvm17.args"
DIR="${INFOPRO_CLUSTER_DIR:-$ROOT/out/cluster}"
DISCOVERY="$ROOT/submit/gpu-discovery.sh"
START_TIMEOUT="${INFOPRO_CLUSTER_TIMEOUT:-90}"

usage() {
  cat <<USAGE
Usage: submit/cluster.sh start|stop|status [options]

  start   start a master and N workers on 127.0.0.1 and print the master URL
  status  list the cluster's JVMs and what the master reports
  stop    stop the workers (and their executors) and the master, and wait until they are gone

Options for start:
  --workers N           worker JVMs (default 2)
  --cores C             cores each worker offers (default 1)
  --memory M            memory each worker offers to executors (default 2g)
  --gpus-per-worker G   GPUs each worker advertises through submit/gpu-discovery.sh (default 0)
  --port P              master port (default: a free port)
  --webui-port W        master web UI port (default: a free port)

Environment:
  INFOPRO_CLUSTER_DIR   state folder: pids, logs, work dirs (default out/cluster)
  INFOPRO_FAKE_GPUS     passed to gpu-discovery.sh: report this many fake GPUs (testing without GPUs)
  INFOPRO_CLUSTER_TIMEOUT  seconds to wait for the master and workers (default 90)
USAGE
}

fail() { echo "cluster: $*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 20000))
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
  done
  fail "found no free port between 20000 and 40000"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

master_json() { curl -sf --max-time 2 "http://127.0.0.1:$(cat "$DIR/webui-port")/json/" 2>/dev/null; }

# The number after "key" : in the master's JSON (one value, no nesting), or empty.
json_number() { grep -o "\"$1\" *: *[0-9]*" | head -1 | grep -o '[0-9]*$'; }

# Starts a daemon in its own process group (so stop can end it together with the executors it forked).
daemon() {
  local name=$1; shift
  setsid nohup "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

start() {
  local workers=2 cores=1 memory=2g gpus=0 port="" webui=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --workers) workers="$2"; shift 2 ;;
      --cores) cores="$2"; shift 2 ;;
      --memory) memory="$2"; shift 2 ;;
      --gpus-per-worker) gpus="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      --webui-port) webui="$2"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) echo "cluster: unknown option '$1'." >&2; usage >&2; exit 2 ;;
    esac
  done
  for v in "workers:$workers" "cores:$cores" "gpus-per-worker:$gpus"; do
    case "${v#*:}" in ''|*[!0-9]*) echo "cluster: invalid --${v%%:*} '${v#*:}': expected a whole number." >&2; exit 2 ;; esac
  done
  [ "$workers" -ge 1 ] && [ "$cores" -ge 1 ] || { echo "cluster: --workers and --cores must be at least 1." >&2; exit 2; }
  [ -f "$CLASSPATH_FILE" ] || { echo "cluster: $CLASSPATH_FILE missing; run 'mvn -DskipTests package' first." >&2; exit 2; }
  for f in "$DIR"/*.pid; do
    if alive "$f"; then
      echo "cluster: already running ($(basename "$f" .pid), pid $(cat "$f")); 'submit/cluster.sh stop' first." >&2; exit 2
    fi
  done
  if [ "$gpus" -gt 0 ]; then
    "$DISCOVERY" >/dev/null || { echo "cluster: --gpus-per-worker $gpus but $DISCOVERY fails here (see above)." >&2; exit 2; }
  fi
  port="${port:-$(free_port)}"
  webui="${webui:-$(free_port)}"
  for p in "$port" "$webui"; do port_in_use "$p" && { echo "cluster: port $p is in use; choose another." >&2; exit 2; }; done

  rm -rf "$DIR"
  mkdir -p "$DIR/logs" "$DIR/worker-dirs" "$DIR/spark-home/jars" "$DIR/spark-home/conf"
  # Workers launch executors with \$SPARK_HOME/jars/* as class path: there we link the embedded Spark's jars.
  { tr ':' '\n' <"$CLASSPATH_FILE"; echo; } | while read -r jar; do
    [ -n "$jar" ] && ln -sf "$jar" "$DIR/spark-home/jars/$(basename "$jar")"
  done
  ln -sf "$ROOT/conf/log4j2.properties" "$DIR/spark-home/conf/log4j2.properties"
  echo "$port" >"$DIR/port"
  echo "$webui" >"$DIR/webui-port"
  local url="spark://127.0.0.1:$port"
  echo "$url" >"$DIR/master-url"

  export SPARK_LOCAL_IP=127.0.0.1 SPARK_HOME="$DIR/spark-home" SPARK_SCALA_VERSION=2.12
  local cp java_opts
  cp=$(cat "$CLASSPATH_FILE")
  # maxRetries=0: the master takes exactly the ports chosen, or fails and says so in its log.
  java_opts=("@$JVM_ARGS" -Xmx512m "-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2-cluster.properties"
             -Dspark.port.maxRetries=0)
  daemon master java "${java_opts[@]}" -cp "$cp" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port "$webui"

  local deadline=$((SECONDS + START_TIMEOUT))
  until master_json >/dev/null; do
    alive "$DIR/master.pid" || fail "the master exited during start-up; see $DIR/logs/master.log"
    [ $SECONDS -lt $deadline ] || fail "the master's web UI http://127.0.0.1:$webui did not answer within ${START_TIMEOUT}s; see $DIR/logs/master.log"
    sleep 0.5
  done

  local worker_opts=()
  if [ "$gpus" -gt 0 ]; then
    worker_opts=("-Dspark.worker.resource.gpu.amount=$gpus" "-Dspark.worker.resource.gpu.discoveryScript=$DISCOVERY")
  fi
  for i in $(seq 1 "$workers"); do
    mkdir -p "$DIR/worker-dirs/worker-$i"
    daemon "worker-$i" java "@$JVM_ARGS" -Xmx512m "-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2-cluster.properties" \
      ${worker_opts[@]+"${worker_opts[@]}"} -cp "$cp" org.apache.spark.deploy.worker.Worker "$url" \
      --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port 0 --work-dir "$DIR/worker-dirs/worker-$i"
  done

  local registered=0
  while true; do
    registered=$(master_json | json_number aliveworkers || true)
    [ "${registered:-0}" -ge "$workers" ] && break
    for i in $(seq 1 "$workers"); do
      alive "$DIR/worker-$i.pid" || fail "worker $i exited during start-up; see $DIR/logs/worker-$i.log"
    done
    [ $SECONDS -lt $deadline ] || fail "${registered:-0} of $workers workers registered with $url within ${START_TIMEOUT}s; see $DIR/logs/worker-*.log"
    sleep 0.5
  done
  echo "cluster: $workers workers x $cores cores, $memory, $gpus GPUs each; logs in $DIR/logs; web UI http://127.0.0.1:$webui" >&2
  echo "$url"
}

stop() {
  local any=0
  # Workers first (each takes its executors down), then the master; each is its own process group.
  for f in "$DIR"/worker-*.pid "$DIR/master.pid"; do
    [ -f "$f" ] || continue
    any=1
    local pid; pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; fi
  done
  [ "$any" = 1 ] || { echo "cluster: not running (no pid files in $DIR)." >&2; return 0; }
  local deadline=$((SECONDS + 30))
  for f in "$DIR"/worker-*.pid "$DIR/master.pid"; do
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    while kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1; do
      if [ $SECONDS -ge $deadline ]; then
        echo "cluster: $(basename "$f" .pid) (pid $pid) ignored TERM for 30s; killing it." >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
      fi
      sleep 0.3
    done
    rm -f "$f"
  done
  echo "cluster: stopped." >&2
}

status() {
  local any=0
  for f in "$DIR/master.pid" "$DIR"/worker-*.pid; do
    [ -f "$f" ] || continue
    any=1
    local name; name=$(basename "$f" .pid)
    if alive "$f"; then
      echo "$name pid $(cat "$f") running, log $DIR/logs/$name.log"
    else
      echo "$name pid $(cat "$f") NOT running, log $DIR/logs/$name.log"
    fi
  done
  [ "$any" = 1 ] || { echo "cluster: not running (no pid files in $DIR)."; return 3; }
  local json
  if json=$(master_json); then
    echo "master $(cat "$DIR/master-url"): $(echo "$json" | json_number aliveworkers) alive workers;" \
         "web UI http://127.0.0.1:$(cat "$DIR/webui-port")"
  else
    echo "master web UI http://127.0.0.1:$(cat "$DIR/webui-port" 2>/dev/null) does not answer"
    return 1
  fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
