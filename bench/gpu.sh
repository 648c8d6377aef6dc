#!/usr/bin/env bash
# Prepared GPU check (bench/RESULTS.md records its figures when a session has a GPU machine).
#
#   bash bench/gpu.sh            # on a machine with an NVIDIA GPU; < 8 minutes
#   bash bench/gpu.sh --quick    # 64² and 256² batch 1 only
#   bash bench/gpu.sh --cpu-rows # no GPU: still run the CPU rows (tests the script)
#
# Before a device run, here: `node bench/gpu-carry.mjs` (fills bench/out/carry: Node, Dawn,
# onnxruntime-web's WebGPU build, the eval bundle, the Vulkan loader) and name bench/out/carry in
# the device tool's `carry`. There, with no node, this script unpacks it.
#
# Rows: onnxruntime CUDA EP (python onnxruntime with CUDAExecutionProvider; numpy I/O and IO
# binding), PyTorch CUDA (eager fp32, + host copies, fp16 autocast, CUDA-graph replay) on the same
# architecture and weights, CPU baselines (ORT CPU EP, PyTorch CPU), and onnxruntime-web WebGPU
# in headless Chromium where node, playwright-core and /usr/bin/chromium exist. Prints ratios.
# WebGPU rows run first (the device lease is short), then the python rows. Timeouts per part:
# GPU_WEBGPU_TIMEOUT, GPU_EVAL_TIMEOUT, GPU_PY_TIMEOUT (s). Without a GPU it prints why the GPU
# rows are skipped and exits 0. JSON lands in $OUT (device
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

# Node + WebGPU (Dawn) for the onnxruntime-web rows: use the machine's own node_modules when it
# has them (a developer machine), else unpack bench/out/carry (the device machine: no Node, no npm).
CARRY=bench/out/carry
unxz_to() { python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; }
setup_node() {
  if command -v node >/dev/null 2>&1 && [ -f node_modules/webgpu/index.js ] && [ -f node_modules/onnxruntime-web/dist/ort.webgpu.mjs ]; then
    NODE=node; return 0
  fi
  [ -f "$CARRY/node.xz" ] || { echo "gpu.sh: SKIP WebGPU rows: no node here and no $CARRY (run node bench/gpu-carry.mjs first)"; return 1; }
  mkdir -p /tmp/gpucarry node_modules/webgpu/dist/linux-x64 node_modules/onnxruntime-web/dist
  unxz_to "$CARRY/node.xz" /tmp/gpucarry/node && chmod +x /tmp/gpucarry/node
  cp "$CARRY/webgpu/index.js" "$CARRY/webgpu/package.json" node_modules/webgpu/
  unxz_to "$CARRY/webgpu/dawn.node.xz" node_modules/webgpu/dist/linux-x64/dawn.node
  cp "$CARRY"/ort/*.mjs node_modules/onnxruntime-web/dist/
  unxz_to "$CARRY/ort/ort-wasm-simd-threaded.asyncify.wasm.xz" node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm
  if ! ldconfig -p | grep -q libvulkan.so.1; then
    for f in "$CARRY"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$icd" ] && { export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"; break; }
  done
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  NODE=/tmp/gpucarry/node
  "$NODE" --version >/dev/null || { echo "gpu.sh: SKIP WebGPU rows: the carried node does not run here"; return 1; }
}

if [ "$GPU" = 1 ] || [ "${WEBGPU_ANYWAY:-0}" = 1 ]; then
  if setup_node; then
    echo "gpu.sh: node $("$NODE" --version), Vulkan ICD ${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-default}}"
    # per call (fp32 and fp16), and a whole edit with the GPU-resident loop vs read-back per step
    timeout "${GPU_WEBGPU_TIMEOUT:-240}" "$NODE" bench/lib/webgpu-node.mjs $QUICK --json-out "$OUTDIR/webgpu-node.json" || echo "gpu.sh: WebGPU per-call rows stopped (exit $?)"
    # the evaluation harness on WebGPU, fp32 vs the fp16 copy (needs shader-f16)
    if [ -f "$CARRY/webgpu-eval.mjs" ]; then
      timeout "${GPU_EVAL_TIMEOUT:-180}" "$NODE" "$CARRY/webgpu-eval.mjs" --precisions "${GPU_EVAL_PRECISIONS:-fp32,fp16}" --json-out "$OUTDIR/webgpu-eval.json" || echo "gpu.sh: WebGPU eval stopped (exit $?)"
    else
      echo "gpu.sh: SKIP WebGPU eval: no $CARRY/webgpu-eval.mjs (node bench/gpu-carry.mjs)"
    fi
  fi
fi
if [ "$GPU" = 1 ] || [ "$CPU_ROWS" = 1 ]; then
  if [ -z "$PY" ]; then
    echo "gpu.sh: SKIP python rows: no python3 with torch"
  else
    EXTRA=""
    [ "$GPU" = 1 ] || EXTRA="--cpu-only"
    PYTHONUNBUFFERED=1 timeout "${GPU_PY_TIMEOUT:-240}" "$PY" bench/gpu.py $QUICK $EXTRA --json-out "$OUTDIR/gpu.json" || echo "gpu.sh: python rows stopped (exit $?)"
  fi
fi

echo "gpu.sh: done"
exit 0
