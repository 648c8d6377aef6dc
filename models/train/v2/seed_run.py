"""Start a v2 training run from a shipped pack's weights (models/default/model.onnx), so that a
session whose earlier checkpoint is gone (runs are git-ignored and machines are fresh) can go on
training the model users have, on the CPU or on a GPU (make-carry.sh <run>), instead of from
random weights.

    /usr/bin/python3 models/train/v2/seed_run.py --pack models/default --run models/train/runs/v2-ft
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/train/v2/train_v2.py --run models/train/runs/v2-ft ...

The weights come back exactly: most ONNX initializers keep torch's parameter names; GroupNorm's
affine pair is exported as the initializers of its `/<module>/Mul` and `/<module>/Add` nodes
(weight, bias). The seeded model is exported again and every initializer must equal the pack's,
byte for byte, before anything is written. The checkpoint (ckpt.py) holds those weights as both
the model and its EMA, fresh AdamW moments, and the pack's own training record (step, images
seen, minutes, segments) and loss.csv, so that model.json keeps counting from there; `lr_warm_from` makes
train_v2.py warm the lr up again, since the moments start from zero.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import ckpt  # noqa: E402
from export_v2 import export_onnx  # noqa: E402
from unet2 import ARCHS, UNetV2, grow_model  # noqa: E402


def onnx_weights(path):
    """{torch parameter name: tensor} from an ONNX export of UNetV2."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(path).graph
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    out = {}
    for init in graph.initializer:
        name = init.name
        if not name.startswith('onnx::'):
            out[name] = torch.from_numpy(numpy_helper.to_array(init).copy())
            continue
        nodes = consumers.get(name, [])
        if len(nodes) != 1 or nodes[0].op_type not in ('Mul', 'Add') or not nodes[0].name.startswith('/'):
            raise SystemExit(f'{path}: cannot tell which parameter initializer {name} is '
                             f'(used by {[n.name for n in nodes]})')
        module = nodes[0].name[1:].rsplit('/', 1)[0].replace('/', '.')
        param = f'{module}.{"weight" if nodes[0].op_type == "Mul" else "bias"}'
        if param in out:
            raise SystemExit(f'{path}: two initializers for {param}')
        out[param] = torch.from_numpy(numpy_helper.to_array(init).copy()).flatten()
    return out


def model_from_pack(pack):
    """(UNetV2 with a v2 pack's weights, arch name, the pack's model.json): the weights read back
    from <pack>/model.onnx by onnx_weights, every parameter checked present."""
    meta = json.load(open(os.path.join(pack, 'model.json')))
    arch_name = (meta.get('training') or {}).get('arch_name')
    if arch_name not in ARCHS:
        raise SystemExit(f'{pack}: training.arch_name {arch_name!r} is not a v2 architecture ({sorted(ARCHS)})')
    onnx_path = os.path.join(pack, 'model.onnx')
    model = UNetV2(**ARCHS[arch_name])
    weights = onnx_weights(onnx_path)
    sd = model.state_dict()
    missing = sorted(set(sd) - set(weights))
    extra = sorted(set(weights) - set(sd))
    if missing or extra:
        raise SystemExit(f'{onnx_path} does not match {arch_name}: missing {missing[:5]}, unexpected {extra[:5]}')
    model.load_state_dict({k: weights[k].reshape(sd[k].shape) for k in sd})
    return model, arch_name, meta


def initializer_bytes(path):
    import onnx
    return sorted(i.raw_data or i.SerializeToString() for i in onnx.load(path).graph.initializer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', default='models/default', help='a v2 pack folder (model.json + model.onnx)')
    ap.add_argument('--run', required=True, help='the new run folder (must not hold a checkpoint)')
    ap.add_argument('--arch', default=None,
                    help=f'grow the pack\'s network into this larger one of {sorted(ARCHS)} (unet2.grow_model: the '
                         'added ResBlocks start as the identity, so the seeded run computes what the pack does)')
    args = ap.parse_args()
    if ckpt.exists(args.run):
        raise SystemExit(f'{args.run} already holds a checkpoint: resume it with train_v2.py, or pick another --run')
    if os.path.exists(os.path.join(args.run, 'loss.csv')):
        raise SystemExit(f'{args.run} already holds a loss.csv (a run, or the pack itself): pick a new folder for --run')
    model, arch_name, meta = model_from_pack(args.pack)
    tr = meta.get('training') or {}
    if 'steps' not in tr or 'segments' not in tr:
        raise SystemExit(f'{args.pack}: model.json has no training record (steps, segments): not a trained v2 pack')
    onnx_path = os.path.join(args.pack, 'model.onnx')
    model.eval()
    with tempfile.TemporaryDirectory() as d:
        again = os.path.join(d, 'model.onnx')
        export_onnx(model, again)
        if initializer_bytes(again) != initializer_bytes(onnx_path):
            raise SystemExit(f're-exporting the seeded weights does not give {onnx_path}\'s initializers back')
    grown = None
    if args.arch and args.arch != arch_name:
        if args.arch not in ARCHS:
            raise SystemExit(f'unknown --arch {args.arch!r}; known: {sorted(ARCHS)}')
        try:
            big, added = grow_model(model, ARCHS[args.arch])
        except ValueError as e:
            raise SystemExit(f'cannot grow {arch_name} into {args.arch}: {e}')
        grown = {'from_arch': arch_name, 'added': added}
        print(f'grew {arch_name} into {args.arch}: added {", ".join(added)} as identity blocks (checked: same ε̂)')
        model, arch_name = big, args.arch
    ema = UNetV2(**ARCHS[arch_name])
    ema.load_state_dict(model.state_dict())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0, foreach=True)
    # seeded by the step, so the new stretch does not replay the first crops of the pack's run
    gens = {'data': torch.Generator().manual_seed(tr['steps']), 'noise': torch.Generator().manual_seed(tr['steps'] + 1)}
    data = tr.get('data') or {}
    scenes = data.get('scenes')
    if scenes is None:  # exported before training.data.scenes was written: read it off the text
        m = re.search(r'seeds 0\.\.(\d+)', data.get('procedural', ''))
        scenes = int(m.group(1)) + 1 if m else None
    state = ckpt.state_record(arch_name=arch_name, arch=ARCHS[arch_name] if grown else tr['arch'], step=tr['steps'], elapsed=tr['minutes'] * 60,
                              images_seen=tr['images_seen'], segments=tr['segments'], loss_ema=tr.get('final_loss_ema'),
                              scenes=scenes, photos=None, photo_share=data.get('photo_share', 0.5),
                              lr_warm_from=tr['steps'],
                              seeded_from={'pack': os.path.normpath(args.pack), 'model_sha256': meta['files'][0]['sha256'],
                                           **({'grown': grown} if grown else {})})
    os.makedirs(args.run, exist_ok=True)
    ckpt.save(args.run, state, model, ema, opt, gens)
    # the loss curve goes on from the pack's (train_v2.py appends to it; export_v2.py ships it)
    loss = os.path.join(args.pack, 'loss.csv')
    if os.path.exists(loss):
        dst = os.path.join(args.run, 'loss.csv')
        shutil.copyfile(loss, dst + '.tmp')
        os.replace(dst + '.tmp', dst)
    print(f'{args.run}: seeded from {onnx_path} ({arch_name}, step {tr["steps"]}, {tr["images_seen"]} images); '
          f'all {len(model.state_dict())} tensors recovered exactly')


if __name__ == '__main__':
    main()
