#!/usr/bin/env bash
# Packs what a GPU machine needs to train v2 into ONE tarball (run here, on the CPU machine):
#
#   bash models/train/v2/make-carry.sh [RUN_DIR]     # RUN_DIR: a run to resume from (optional)
#
# -> models/train/cache/gpu-carry/v2-gpu.tar.gz (git-ignored; ≈ 35 MB, ≈ 60 MB with a seeded run): the recipe
#    (models/train/*.py, v2/, photos-manifest.json), the TRAIN photographs (held-out ones stay
#    here; paths kept, for PHOTO_ROOTS) and, with RUN_DIR, its checkpoint (<run>/ckpt) to resume.
# The GPU machine has neither these Debian packages nor a network. Then hide the checkout from
# git (its tracked files alone are over the tool's 64 MiB), make ONE device call, and restore:
#   bash models/train/v2/gpu-tree.sh hide
#   run(command="mkdir -p /tmp/v2 && tar -xzf models/train/cache/gpu-carry/v2-gpu.tar.gz -C /tmp/v2 && bash /tmp/v2/models/train/v2/gpu-train.sh",
#       carry=["models/train/cache/gpu-carry"], timeout_s=590)
#   bash models/train/v2/gpu-tree.sh restore
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
import sys
sys.path.insert(0, 'models/train')
from photos import copy_photo, load_manifest
for p in load_manifest()['photos']:
    if p['split'] == 'train':
        copy_photo(p, sys.argv[1])  # a bundle's photograph alone, not the whole bundle
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
# The device tool sends the checkout's tracked (and untracked, not ignored) files with the carried
# paths, 64 MiB in all. The tarball must fit alone; the checkout's tracked files (≈ 70 MiB) do not,
# so the call runs with them hidden from git (gpu-tree.sh). Say so here, before a call that would
# be refused spends device time.
TREE=$(bash models/train/v2/gpu-tree.sh size)
CARRY=$(stat -c %s "$OUTF")
LIMIT=$((64 * 1024 * 1024))
if [ "$CARRY" -gt "$LIMIT" ]; then
  echo "make-carry: this tarball ($((CARRY / 1048576)) MiB) is over the device tool's 64 MiB by itself: the call would be refused (models/train/README.md, 'On a GPU machine')" >&2
  exit 2
fi
if [ $((TREE + CARRY)) -gt $LIMIT ]; then
  echo "make-carry: with the working tree as it is ($((TREE / 1048576)) MiB) the call would be refused: run it between"
  echo "  bash models/train/v2/gpu-tree.sh hide   and   bash models/train/v2/gpu-tree.sh restore"
fi
