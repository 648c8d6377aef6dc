#!/usr/bin/env bash
# Prepared GPU check (bench/RESULTS.md records its figures when a session has a GPU machine).
#
#   bash bench/gpu.sh            # on a machine with an NVIDIA GPU; < 8 minutes
#   bash bench/gpu.sh --quick    # 64² and 256² batch 1 only
#   bash bench/gpu.sh --cpu-rows # no GPU: still run the CPU rows (tests the script)
#
# Rows: onnxruntime CUDA EP (python onnxruntime with CUDAExecutionProvider; numpy I/O and IO
# binding), PyTorch CUDA (eager fp32, + host copies, fp16 autocast, CUDA-graph replay) on the same
# architecture and weights, CPU baselines (ORT CPU EP, PyTorch CPU), and onnxruntime-web WebGPU
# in headless Chromium where node, playwright-core and /usr/bin/chromium exist. Prints ratios.
# Without a GPU it prints why the GPU rows are skipped and exits 0. JSON lands in $OUT (device
# machine) or bench/out/.
set -u
cd "$(dirname "$0")/.."
OUTDIR="${OUT:-bench/out}"
mkdir -p "$OUTDIR"
QUICK=""
CPU_ROWS=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK="--quick" ;;
    --cpu-rows) CPU_ROWS=1 ;;
  esac
done

GPU=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  GPU=1
  echo "gpu.sh: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
else
  echo "gpu.sh: SKIP GPU rows: no NVIDIA GPU here (nvidia-smi missing or lists no device)"
fi

# a python with torch (the device image's plain python3 holds PyTorch; Debian's is /usr/bin/python3)
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then PY="$p"; break; fi
done

if [ "$GPU" = 1 ] || [ "$CPU_ROWS" = 1 ]; then
  if [ -z "$PY" ]; then
    echo "gpu.sh: SKIP python rows: no python3 with torch"
  else
    EXTRA=""
    [ "$GPU" = 1 ] || EXTRA="--cpu-only"
    PYTHONUNBUFFERED=1 timeout 360 "$PY" bench/gpu.py $QUICK $EXTRA --json-out "$OUTDIR/gpu.json" || echo "gpu.sh: python rows stopped (exit $?)"
  fi
fi

if [ "$GPU" = 1 ]; then
  if command -v node >/dev/null 2>&1 && [ -x /usr/bin/chromium ] && [ -d node_modules/playwright-core ] && [ -d node_modules/onnxruntime-web ]; then
    timeout 150 node bench/lib/webgpu.mjs $QUICK --json-out "$OUTDIR/webgpu.json" || echo "gpu.sh: WebGPU rows stopped (exit $?)"
  else
    echo "gpu.sh: SKIP WebGPU rows: needs node, node_modules (playwright-core, onnxruntime-web) and /usr/bin/chromium on this machine"
  fi
fi
echo "gpu.sh: done"
exit 0
