#!/usr/bin/env bash
# Packs what a GPU machine needs to train v2 into ONE tarball (run here, on the CPU machine):
#
#   bash models/train/v2/make-carry.sh [RUN_DIR]     # RUN_DIR: a run to resume from (optional)
#
# -> models/train/cache/gpu-carry/v2-gpu.tar.gz (git-ignored; ≈ 18 MB): the recipe
#    (models/train/*.py, v2/, photos-manifest.json), the TRAIN photographs (held-out ones stay
#    here; paths kept, for PHOTO_ROOTS) and, with RUN_DIR, its checkpoint (<run>/ckpt) to resume.
# The GPU machine has neither these Debian packages nor a network. Then, with the device tool:
#   run(command="mkdir -p /tmp/v2 && tar -xzf models/train/cache/gpu-carry/v2-gpu.tar.gz -C /tmp/v2 && bash /tmp/v2/models/train/v2/gpu-train.sh",
#       carry=["models/train/cache/gpu-carry"], timeout_s=590)
# and what comes back (files_at) is the run folder: ckpt/{ema,model,opt}.pt, state.json,
# loss.csv, train.log. Export here: /usr/bin/python3 models/train/v2/export_v2.py --run <files_at>/run
set -euo pipefail
cd "$(dirname "$0")/../../.."
RESUME="${1:-}"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/models/train/v2" models/train/cache/gpu-carry
cp models/train/*.py models/train/photos-manifest.json "$STAGE/models/train/"
cp models/train/v2/*.py models/train/v2/*.sh "$STAGE/models/train/v2/"
/usr/bin/python3 - "$STAGE/photos" <<'EOF'
import os, shutil, sys
sys.path.insert(0, 'models/train')
from photos import load_manifest, resolve
dst = sys.argv[1]
for p in load_manifest()['photos']:
    if p['split'] != 'train':
        continue
    src = resolve(p['path'])
    if not src:
        raise SystemExit(f'missing {p["path"]}: run bash models/train/get-photos.sh')
    out = os.path.join(dst, p['path'].lstrip('/'))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copyfile(src, out)
EOF
if [ -n "$RESUME" ]; then
  [ -f "$RESUME/ckpt/state.json" ] || { echo "no checkpoint in $RESUME/ckpt" >&2; exit 1; }
  mkdir -p "$STAGE/resume" && cp -r "$RESUME/ckpt" "$STAGE/resume/"
  [ -f "$RESUME/loss.csv" ] && cp "$RESUME/loss.csv" "$STAGE/resume/"
fi
OUTF=models/train/cache/gpu-carry/v2-gpu.tar.gz
tar -czf "$OUTF.tmp" -C "$STAGE" .
mv "$OUTF.tmp" "$OUTF"
echo "wrote $OUTF ($(du -h "$OUTF" | cut -f1))"
