#!/usr/bin/env bash
# Trains v2 on a GPU machine from the tarball that make-carry.sh built (see there for the device
# tool call). Runs from the unpacked tarball, so it does not depend on which checkout travelled.
#
#   bash /tmp/v2/models/train/v2/gpu-train.sh            # ≈ 9 min in all with the defaults
#   env: V2_MINUTES (training minutes, whole, 7), V2_RES (256), V2_BS (64), V2_SCENES (3000),
#        V2_PHOTO_SHARE (0.5), V2_HI_T_WEIGHT (4, train_v2.py --hi-t-weight), V2_LR (2e-4: the CPU
#        fine-tunes from the shipped weights ran 6e-5..1e-4 at batch 4; ×√16 for batch 64, and a
#        seeded run warms it up again), V2_LR_END (2e-5, the lr annealed to over the run),
#        V2_EXTRA (more train_v2.py flags, e.g. "--photo-max-short 768");
#        V2_DEVICE=cpu PYTHON=/usr/bin/python3 rehearse the whole flow on a CPU machine
#
# Writes $OUT/run/ (ckpt/ema.pt, model.pt, opt.pt with bf16 moments, state.json; loss.csv;
# train.log): ≈ 41 MB in 6 files, inside the device tool's limits (8 files, 16 MiB each). A
# checkpoint is written every 2 minutes, and `timeout` sends SIGTERM (train_v2.py then saves and
# stops) a minute after V2_MINUTES, so even a run cut short returns its last checkpoint.
# Without a GPU it says so and exits 1 before spending anything.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TOP="$(cd "$HERE/../../.." && pwd)"          # the unpacked tarball's root
OUTDIR="${OUT:-$TOP/out}"
RUN="$OUTDIR/run"
MINUTES="${V2_MINUTES:-7}"
mkdir -p "$RUN"
exec > >(tee -a "$RUN/train.log") 2>&1

echo "gpu-train: $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -1)"
PY="${PYTHON:-python3}"
DEVICE="${V2_DEVICE:-cuda}"
if [ "$DEVICE" = cuda ]; then
  "$PY" -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.cuda.is_available()); sys.exit(0 if torch.cuda.is_available() else 1)' \
    || { echo "gpu-train: no CUDA device: stopping"; exit 1; }
fi
if [ -d "$TOP/resume/ckpt" ] && [ ! -d "$RUN/ckpt" ]; then
  cp -r "$TOP/resume/ckpt" "$RUN/" && { [ -f "$TOP/resume/loss.csv" ] && cp "$TOP/resume/loss.csv" "$RUN/"; true; }
  echo "gpu-train: resuming from the carried checkpoint"
fi
export PHOTO_ROOTS="$TOP/photos" PYTHONUNBUFFERED=1
cd "$TOP"
# shellcheck disable=SC2086
timeout --signal=TERM --kill-after=45 $(( MINUTES * 60 + 60 )) \
  "$PY" models/train/v2/train_v2.py --run "$RUN" --device "$DEVICE" --bf16 --opt-bf16 --channels-last \
    --minutes "$MINUTES" --res "${V2_RES:-256}" --bs "${V2_BS:-64}" --scenes "${V2_SCENES:-3000}" \
    --photo-share "${V2_PHOTO_SHARE:-0.5}" --hi-t-weight "${V2_HI_T_WEIGHT:-4}" --lr "${V2_LR:-2e-4}" --lr-end "${V2_LR_END:-2e-5}" --threads 8 --workers 16 --ckpt-minutes 2 ${V2_EXTRA:-}
rc=$?
echo "gpu-train: train_v2.py exit $rc; $(date -u +%FT%TZ)"
ls -la "$RUN" "$RUN/ckpt" 2>/dev/null
# train_v2.py keeps its scene cache beside the recipe; it is not a result
sleep 1  # let tee flush train.log
exit $rc
