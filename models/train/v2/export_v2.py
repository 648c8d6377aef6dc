"""Export network v2 to an ONNX pack (model.onnx, model-fp16.onnx, model.json), same contract as v1.

    # random weights (per-call speed does not depend on the values):
    /usr/bin/python3 models/train/v2/export_v2.py --random --arch v2-s2-add --out models/v2-candidate
    # a training run's EMA weights:
    /usr/bin/python3 models/train/v2/export_v2.py --run models/train/runs/v2 --out models/v2-candidate

Inputs x float32 [N,3,H,W] in [-1,1] and t float32 [N] (DDPM timestep index), output eps; dynamic
N, H, W; opset 17; checked with onnx.checker, by onnxruntime-node against torch at another size
(when `node` and the repository's node_modules are there) and for the size limits (fp32 ≤ 16 MB,
fp16 ≤ 8 MB). An existing model.json's `quality` and `noise_level_error` blocks are kept only when
they were measured on the same model.onnx (same sha256); the run's loss.csv is copied beside it.
`--name default` writes the pack as the shipped default (models/train/v2/ship.sh does that).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from unet2 import ARCHS, V2_ARCH, UNetV2, count_params, macs  # noqa: E402
from export_fp16 import convert  # noqa: E402

FP32_LIMIT = 16_000_000
FP16_LIMIT = 8_000_000


def export_onnx(model, path):
    x = torch.randn(2, 3, 64, 64)
    t = torch.tensor([10.0, 500.0])
    torch.onnx.export(model, (x, t), path, opset_version=17, input_names=['x', 't'], output_names=['eps'],
                      dynamic_axes={'x': {0: 'n', 2: 'h', 3: 'w'}, 't': {0: 'n'}, 'eps': {0: 'n', 2: 'h', 3: 'w'}},
                      do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def ort_check(model, onnx_path, multiple):
    """max |onnxruntime-node - torch| at a size and batch the export never saw, or None."""
    script = os.path.join(HERE, 'ort_check.mjs')
    if not shutil.which('node') or not os.path.isdir(os.path.join(ROOT, 'node_modules', 'onnxruntime-node')):
        return None
    g = torch.Generator().manual_seed(1)
    n, h, w = 2, 3 * multiple, 5 * multiple
    x = torch.rand(n, 3, h, w, generator=g) * 2 - 1
    t = torch.tensor([30.0, 700.0])
    with torch.no_grad():
        eps = model(x, t)
    with tempfile.TemporaryDirectory() as d:
        x.numpy().astype('<f4').tofile(os.path.join(d, 'x.bin'))
        eps.numpy().astype('<f4').tofile(os.path.join(d, 'eps.bin'))
        io = {'n': n, 'h': h, 'w': w, 't': t.tolist(), 'x': os.path.join(d, 'x.bin'), 'eps': os.path.join(d, 'eps.bin')}
        json.dump(io, open(os.path.join(d, 'io.json'), 'w'))
        r = subprocess.run(['node', script, onnx_path, os.path.join(d, 'io.json')], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f'onnxruntime-node could not run {onnx_path}: {r.stderr.strip()[-400:]}')
    return json.loads(r.stdout)


def data_sources():
    """Per package: how many training photographs and under which licences; and one credit line per
    photograph (file, package, licence, copyright holder), which CC-BY / CC-BY-SA ask for."""
    from photos import load_manifest
    m = load_manifest()
    pk, credits = {}, []
    for p in m['photos']:
        if p['split'] != 'train':
            continue
        pk.setdefault(p['package'], {'photos': 0, 'licences': set()})
        pk[p['package']]['photos'] += 1
        pk[p['package']]['licences'].add(p['licence'])
        c = {'file': os.path.basename(p['path']), 'package': p['package'], 'licence': p['licence'],
             'copyright': p['copyright']}
        if p.get('licence_note'):
            c['licence_note'] = p['licence_note']
        if p.get('source'):
            c['source'] = p['source']
        credits.append(c)
    packages = [{'package': k, 'photos': v['photos'], 'licences': sorted(v['licences'])} for k, v in sorted(pk.items())]
    return packages, sorted(credits, key=lambda c: (c['package'], c['file']))


def write_file_atomic(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', help='training run folder (<run>/ckpt, see ckpt.py); its EMA weights are exported')
    ap.add_argument('--random', action='store_true', help='export random (untrained) weights')
    ap.add_argument('--arch', default=None, help=f'one of {sorted(ARCHS)} (default: the run\'s, else {V2_ARCH})')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=os.path.join(ROOT, 'models/v2-candidate'))
    ap.add_argument('--name', default='v2-candidate', help='the pack\'s name in model.json (the shipped default: "default")')
    args = ap.parse_args()
    if bool(args.run) == bool(args.random):
        ap.error('give exactly one of --run DIR or --random')
    ck = None
    if args.run:
        import ckpt
        if not ckpt.exists(args.run):
            raise SystemExit(f'no checkpoint in {args.run}/ckpt')
        ck = ckpt.load_state(args.run)
        arch_name = ck['arch_name']
    else:
        arch_name = args.arch or V2_ARCH
    if arch_name not in ARCHS:
        raise SystemExit(f'unknown arch {arch_name!r}; known: {sorted(ARCHS)}')
    torch.manual_seed(args.seed)
    model = UNetV2(**ARCHS[arch_name])
    if ck is not None:
        model.load_state_dict(ckpt.load_weights(args.run, 'ema'))
    else:
        # the output conv starts at zero in training; random values here so the graph's outputs
        # (and the speed check's arithmetic) are not all zeros
        torch.nn.init.normal_(model.out.weight, std=0.02)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'model.onnx')
    fp16_path = os.path.join(args.out, 'model-fp16.onnx')
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, 'model.onnx')
        export_onnx(model, tmp)
        import onnx
        data = open(tmp, 'rb').read()
        data16 = convert(onnx.load(tmp)).SerializeToString()
        check = ort_check(model, tmp, model.multiple)
    if check is not None:
        print(f'onnxruntime-node vs torch at {3 * model.multiple}×{5 * model.multiple}, batch 2: max |Δ| '
              f'{check["max_abs"]:.2e} (output rms {check["rms_ref"]:.3f})')
        if check['max_abs'] > 1e-3 * max(1.0, check['rms_ref']):
            raise SystemExit('the ONNX graph does not match torch')
    if len(data) > FP32_LIMIT or len(data16) > FP16_LIMIT:
        raise SystemExit(f'{arch_name}: fp32 {len(data)} B (limit {FP32_LIMIT}), fp16 {len(data16)} B (limit {FP16_LIMIT})')
    write_file_atomic(onnx_path, data)
    write_file_atomic(fp16_path, data16)

    json_path = os.path.join(args.out, 'model.json')
    old = json.load(open(json_path)) if os.path.exists(json_path) else {}
    arch = {k: list(v) if isinstance(v, tuple) else v for k, v in ARCHS[arch_name].items()}
    training = {'recipe': 'models/train/v2 (unet2.py, train_v2.py, export_v2.py), models/train/photos.py, scenes.py',
                'arch_name': arch_name, 'arch': arch, 'params': count_params(model),
                'gmac_256': round(macs(model, 256) / 1e9, 3)}
    if ck is None:
        training['weights'] = 'RANDOM (untrained): an architecture candidate for the speed bench, not a usable model'
    else:
        training.update({'steps': ck['step'], 'images_seen': ck['images_seen'], 'segments': ck['segments'],
                         'minutes': round(ck['elapsed'] / 60, 1), 'final_loss_ema': ck.get('loss_ema')})
        training['hardware'] = sorted({s['hardware'] for s in ck['segments']})
        if ck.get('seeded_from'):
            training['seeded_from'] = ck['seeded_from']  # seed_run.py: the segments before it are that pack's
        training['ema'] = 'weights are the EMA (decay 0.999)'
        packages, credits = data_sources()
        training['data'] = {'procedural': f'models/train/scenes.py seeds 0..{ck["scenes"] - 1} at 256²',
                            'scenes': ck['scenes'],
                            'photo_share': ck['photo_share'],
                            'photographs': packages,
                            'photographs_manifest': 'models/train/photos-manifest.json (split train only)',
                            'credits': credits}
        boat_steps = [(sg['from_step'], sg['to_step']) for sg in ck['segments'] if sg.get('boats')]
        if boat_steps:  # train_v2.py --boats: the scenes of these segments had boats on their water
            training['data']['boats'] = {'generator': 'models/train/boats.py (scenes.scene(seed, boats=True))',
                                         'steps': boat_steps}
    if ck is not None:
        licences = sorted({c['licence'] for c in training['data']['credits']})
        license_text = (f'MIT for the code; the weights were trained on photographs under {", ".join(licences)} '
                        '(each author in training.data.credits) and on procedural scenes; whether share-alike '
                        'terms reach trained weights is unsettled')
        description = ('Network v2 (space-to-depth stem, capacity at low resolution, global context): a fully '
                       'convolutional ε-prediction UNet trained here on real photographs from Debian packages '
                       'and procedural outdoor scenes.')
    else:
        license_text = 'MIT (random weights)'
        description = ('Network v2 (space-to-depth stem, capacity at low resolution, global context): '
                       'fully convolutional ε-prediction UNet.')
    pack = {
        'name': args.name,
        'description': description,
        'kind': 'pixel',
        'sde': {'type': 'vp', 'beta_schedule': 'linear', 'beta_start': 1e-4, 'beta_end': 0.02, 'timesteps': 1000},
        'prediction': 'eps',
        'time_input': 'index',
        'resolution': max([64] + [s['res'] for s in ck['segments']]) if ck is not None else 64,
        'fully_convolutional': True,
        'multiple': model.multiple,
        'value_range': [-1, 1],
        'inputs': {'x': 'float32 [N,3,H,W] in [-1,1]', 't': 'float32 [N], DDPM timestep index 0..999'},
        'outputs': {'eps': 'float32 [N,3,H,W]'},
        'files': [{'name': 'model.onnx', 'role': 'unet', 'bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest()},
                  {'name': 'model-fp16.onnx', 'role': 'unet_fp16', 'bytes': len(data16),
                   'sha256': hashlib.sha256(data16).hexdigest()}],
        'license': license_text,
        'training': training,
        'quality': None,
    }
    same_weights = old.get('files', [{}])[0].get('sha256') == pack['files'][0]['sha256']
    q = old.get('quality')
    if ck is not None and isinstance(q, dict) and q.get('model_sha256', pack['files'][0]['sha256']) == pack['files'][0]['sha256'] and same_weights:
        pack['quality'] = q
    elif q:
        print('note: the existing quality block was measured on other weights: dropped')
    if old.get('noise_level_error') is not None and same_weights:
        pack['noise_level_error'] = old['noise_level_error']  # measured on these very weights
    if ck is not None and os.path.exists(os.path.join(args.run, 'loss.csv')):
        write_file_atomic(os.path.join(args.out, 'loss.csv'), open(os.path.join(args.run, 'loss.csv'), 'rb').read())
    write_file_atomic(json_path, (json.dumps(pack, indent=2, ensure_ascii=False) + '\n').encode())
    print(f'{arch_name}: {count_params(model) / 1e6:.2f} M params, {training["gmac_256"]} GMAC at 256², multiple '
          f'{model.multiple}; model.onnx {len(data)} B, model-fp16.onnx {len(data16)} B -> {args.out}')


if __name__ == '__main__':
    main()
