#!/usr/bin/env bash
# Ship network v2 as the embedded default pack, in one step (issue 15).
#
#   bash models/train/v2/ship.sh [--run DIR] [--quality-from PACK] [--no-tests]
#   bash models/train/v2/ship.sh --undo        # put the working tree back as HEAD has it
#
# The first time (HEAD without models/v1) v1 moves to models/v1; once v2 is the default, a later
# export of the run replaces models/default and v1 stays where it is.
#
# 1. snapshots the training run (default models/train/runs/v2; a checkpoint being written while
#    it is copied is detected and the copy retried) into models/train/cache/ship/run;
# 2. exports its EMA weights with export_v2.py --name default (fp32 + fp16 ONNX, size limits,
#    onnxruntime-node vs torch) into models/train/cache/ship/pack, checks fp16 against fp32;
# 3. measures the pack's noise_level_error (Auto t0's L(t) table) with the project's tool
#    (dist/noise-level.cjs, as v1's was: held-out scenes 16..31 at 64², seed 0), recorded as if
#    run on models/default;
# 4. optionally copies the `quality` block (and eval/ folder) of an evaluated pack, only if it
#    was measured on the very same model.onnx (sha256);
# 5. the first time, `git mv models/default models/v1` (v1 kept whole for the side-by-side
#    evaluation; its model.json gets the name "v1" and its paths); later, the old v2 export is
#    removed; then moves the staged pack in as models/default and stages it with git add;
# 6. npm run build (ui.html embeds the new pack), the READMEs' generated blocks
#    (readme_block.py), and the unit tests that read models/default (unless --no-tests).
# Nothing is committed: review `git status`, then commit. Until step 5 nothing tracked changes;
# a failure after it prints the --undo command.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
PY=${PYTHON:-/usr/bin/python3}
WORK=models/train/cache/ship
RUN=models/train/runs/v2
QUALITY_FROM=
TESTS=1
UNDO=0
while [ $# -gt 0 ]; do
  case "$1" in
    --run) RUN=${2:?--run needs a folder}; shift 2 ;;
    --quality-from) QUALITY_FROM=${2:?--quality-from needs a pack folder}; shift 2 ;;
    --no-tests) TESTS=0; shift ;;
    --undo) UNDO=1; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "ship: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "ship: $*" >&2; exit 1; }
step() { echo "ship: [$(date -u +%H:%M:%S)] $*"; }

# v2 already the default in HEAD: this run replaces it (v1 stays in models/v1)
REPLACE=0
git cat-file -e HEAD:models/v1/model.json 2>/dev/null && REPLACE=1

if [ "$UNDO" = 1 ]; then
  git cat-file -e HEAD:models/default/model.json 2>/dev/null || die "HEAD has no models/default: nothing to undo to"
  git reset -q HEAD -- models/default models/v1 README.md models/train/README.md
  rm -rf models/default
  [ "$REPLACE" = 1 ] || rm -rf models/v1
  git checkout HEAD -- models/default README.md models/train/README.md
  step "undone: models/default and the READMEs are HEAD's again$([ "$REPLACE" = 1 ] || echo ', models/v1 removed')"
  exit 0
fi

# ---- preconditions (nothing is changed before all of them hold) ------------------------------
if [ "$REPLACE" = 0 ] && [ -e models/v1 ]; then die "models/v1 exists but HEAD has none: a ship is under way (bash $0 --undo to go back)"; fi
[ -z "$(git status --porcelain -- models/v1)" ] || die "models/v1 has uncommitted changes: commit or restore them first"
[ -z "$(git status --porcelain -- models/default README.md models/train/README.md)" ] || die "models/default or a README has uncommitted changes: commit or restore them first"
[ -f "$RUN/ckpt/state.json" ] || die "no checkpoint at $RUN/ckpt (train first: models/train/README.md)"
case "$(realpath "$RUN")/" in "$(realpath -m "$WORK")"/*) die "--run $RUN is inside $WORK, which this script overwrites: give the training run" ;; esac
"$PY" -c 'import torch, onnx' 2>/dev/null || die "$PY lacks torch/onnx (apt-get install -y python3-torch python3-onnx)"
[ -d node_modules/onnxruntime-node ] || die "node_modules missing: npm ci"
if [ -n "$QUALITY_FROM" ]; then [ -f "$QUALITY_FROM/model.json" ] || die "--quality-from $QUALITY_FROM has no model.json"; fi
START=$(date +%s)

# ---- 1. snapshot the run ---------------------------------------------------------------------
step "snapshot of $RUN"
mkdir -p "$WORK"
for try in 1 2 3 4 5 6; do
  rm -rf "$WORK/run" && mkdir -p "$WORK/run"
  before=$(sha256sum < "$RUN/ckpt/state.json" 2>/dev/null || true)
  if cp -r "$RUN/ckpt" "$WORK/run/ckpt" 2>/dev/null && cp "$RUN/loss.csv" "$WORK/run/loss.csv" 2>/dev/null; then
    after=$(sha256sum < "$RUN/ckpt/state.json" 2>/dev/null || true)
    copied=$(sha256sum < "$WORK/run/ckpt/state.json")
    [ -n "$before" ] && [ "$before" = "$after" ] && [ "$after" = "$copied" ] && break
  fi
  [ "$try" = 6 ] && die "the checkpoint kept changing while it was copied"
  echo "ship: checkpoint written while copying; again in 10 s"
  sleep 10
done
"$PY" -c "import json,sys; s=json.load(open(sys.argv[1])); print(f\"ship: step {s['step']}, {s['images_seen']} images, {s['elapsed']/60:.1f} min, loss_ema {s['loss_ema']}\")" "$WORK/run/ckpt/state.json"

# ---- 2. export ---------------------------------------------------------------------------------
step "export (fp32 + fp16) to $WORK/pack"
rm -rf "$WORK/pack"
"$PY" models/train/v2/export_v2.py --run "$WORK/run" --out "$WORK/pack" --name default
node bench/lib/compare.mjs "$WORK/pack/model.onnx" "$WORK/pack/model-fp16.onnx" > "$WORK/fp16.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`ship: fp16 vs fp32: max |d| ${r.max_abs.toExponential(2)}, relative RMS ${r.rel_rms.toExponential(2)}`);
  if (!(r.rel_rms < 0.01)) { console.error("ship: the fp16 copy is more than 1% RMS from fp32"); process.exit(1); }' "$WORK/fp16.json"

# ---- 3. noise_level_error ----------------------------------------------------------------------
step "noise_level_error (dist/noise-level.cjs)"
node -e "import('./src/cli/build-cli.mjs').then((m) => m.buildCli('src/cli/eval/noise-level-cli.ts', 'dist/noise-level.cjs'))"
# run from a folder where models/default is the staged pack, so the table's `command` reads as
# the one that re-measures the shipped pack
rm -rf "$WORK/root" && mkdir -p "$WORK/root/models"
ln -s "$ROOT/$WORK/pack" "$WORK/root/models/default"
ln -s "$ROOT/models/eval" "$WORK/root/models/eval"
(cd "$WORK/root" && node "$ROOT/dist/noise-level.cjs" --model models/default --heldout models/eval/heldout --first 16 --count 16 --size 64 --seed 0)

# ---- 4. quality block of an evaluation of these weights ----------------------------------------
if [ -n "$QUALITY_FROM" ]; then
  step "quality from $QUALITY_FROM"
  "$PY" - "$QUALITY_FROM" "$WORK/pack" <<'EOF'
import json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
q = json.load(open(os.path.join(src, 'model.json'), encoding='utf-8')).get('quality')
path = os.path.join(dst, 'model.json')
pack = json.load(open(path, encoding='utf-8'))
sha = pack['files'][0]['sha256']
if not isinstance(q, dict) or q.get('model_sha256') != sha:
    raise SystemExit(f'ship: {src}/model.json has no quality block measured on model.onnx {sha[:12]}… '
                     f'(it says {q.get("model_sha256") if isinstance(q, dict) else None}): evaluate this export, or ship without --quality-from')
pack['quality'] = q
tmp = path + '.tmp'
open(tmp, 'w', encoding='utf-8').write(json.dumps(pack, indent=2, ensure_ascii=False) + '\n')
os.replace(tmp, path)
if os.path.isdir(os.path.join(src, 'eval')):
    shutil.copytree(os.path.join(src, 'eval'), os.path.join(dst, 'eval'))
print(f'ship: quality block (and eval/) of {src} carried over')
EOF
fi

# ---- 5. v1 to models/v1 (the first time), the staged pack in as models/default -----------------
trap 'echo "ship: FAILED after models/ changed; to go back: bash models/train/v2/ship.sh --undo" >&2' ERR
if [ "$REPLACE" = 1 ]; then
  step "the staged pack replaces the v2 export in models/default (v1 stays in models/v1)"
  git rm -r -q models/default
  rm -rf models/default
else
  step "git mv models/default models/v1; the staged pack becomes models/default"
  git mv models/default models/v1
  "$PY" - models/v1/model.json <<'EOF'
import json, os, sys
path = sys.argv[1]
pack = json.load(open(path, encoding='utf-8'))
pack['name'] = 'v1'
pack['description'] = 'Model v1, the first embedded default (kept for side-by-side evaluation): ' + pack['description']
def moved(v):
    if isinstance(v, str):
        return v.replace('models/default', 'models/v1')
    if isinstance(v, list):
        return [moved(x) for x in v]
    if isinstance(v, dict):
        return {k: moved(x) for k, x in v.items()}
    return v
for key in ('quality', 'noise_level_error'):
    if pack.get(key) is not None:
        pack[key] = moved(pack[key])
tmp = path + '.tmp'
open(tmp, 'w').write(json.dumps(pack, indent=2) + '\n')  # v1's own style: ASCII escapes
os.replace(tmp, path)
EOF
fi
rm -f "$WORK/pack/"*.tmp
mv "$WORK/pack" models/default
git add -A models/default
[ "$REPLACE" = 1 ] || git add -A models/v1

# ---- 6. build, README, tests --------------------------------------------------------------------
step "npm run build"
npm run build --silent
step "README blocks"
"$PY" models/train/v2/readme_block.py --write
git add README.md models/train/README.md
if [ "$TESTS" = 1 ]; then
  step "unit tests that read models/default"
  npx jest test/eval/quality.test.ts test/core/auto-t0.test.ts test/cli/auto-t0.test.ts test/cli/main.test.ts test/model/memory.test.ts test/ui/memory-budget.test.ts --selectProjects unit
fi
trap - ERR
node -e '
  const p = require("./models/default/model.json");
  const f = Object.fromEntries(p.files.map((x) => [x.role, x]));
  console.log(`ship: models/default is now "${p.name}", ${p.training.arch_name}, step ${p.training.steps}, multiple ${p.multiple}; ` +
    `model.onnx ${f.unet.bytes} B sha256 ${f.unet.sha256.slice(0, 12)}…, model-fp16.onnx ${f.unet_fp16.bytes} B; quality ${p.quality ? "carried" : "not measured yet (npm run eval)"}`);'
if [ "$REPLACE" = 1 ]; then MSG="models/default: a later export of the v2 run"; else MSG="models: v2 is the default pack (v1 kept as models/v1)"; fi
step "done in $(( $(date +%s) - START )) s. Review: git status; then: git commit -m \"$MSG\""
