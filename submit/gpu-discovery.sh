#!/usr/bin/env bash
# Spark resource discovery script for GPUs: prints one line of JSON, {"name":"gpu","addresses":["0","1",...]}.
#
# Spark runs it on a worker (spark.worker.resource.gpu.discoveryScript, standalone) or an executor
# (spark.executor.resource.gpu.discoveryScript, YARN/Kubernetes) to learn which GPUs the node has, then hands
# each task the addresses it was assigned (TaskContext.resources()). GpuBinding binds ND4J to that address.
#
#   INFOPRO_FAKE_GPUS=N   report fake addresses "0".."N-1" instead of asking nvidia-smi, so that GPU scheduling
#                         can be tested on machines without GPUs (the CPU backend then binds nothing).
#   otherwise             the indices from 'nvidia-smi --query-gpu=index --format=csv,noheader'. Those follow
#                         PCI bus order: set CUDA_DEVICE_ORDER=PCI_BUS_ID on executors so CUDA numbers alike.
#
# Exits 1 with a message on stderr when there is neither nvidia-smi nor INFOPRO_FAKE_GPUS.
set -euo pipefail

print() {
  local out="" sep=""
  for a in "$@"; do out+="$sep\"$a\""; sep=","; done
  printf '{"name":"gpu","addresses":[%s]}\n' "$out"
}

if [ -n "${INFOPRO_FAKE_GPUS:-}" ]; then
  case "$INFOPRO_FAKE_GPUS" in
    ''|*[!0-9]*) echo "gpu-discovery: INFOPRO_FAKE_GPUS='$INFOPRO_FAKE_GPUS' is not a number of GPUs (0, 1, 2, ...)." >&2; exit 1 ;;
  esac
  addresses=()
  for ((i = 0; i < INFOPRO_FAKE_GPUS; i++)); do addresses+=("$i"); done
  print ${addresses[@]+"${addresses[@]}"}
  exit 0
fi

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found on $(hostname); install the NVIDIA driver, or set INFOPRO_FAKE_GPUS=N to test with fake GPUs." >&2
  exit 1
fi
mapfile -t addresses < <(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | grep -E '^[0-9]+$')
print ${addresses[@]+"${addresses[@]}"}
