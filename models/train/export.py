"""Export the EMA weights of a training run to the shipped ONNX pack.

    /usr/bin/python3 models/train/export.py --run models/train/runs/default --out models/default

Writes <out>/model.onnx (opset 17; inputs x float32 [N,3,H,W] in [-1,1], t float32 [N] = DDPM
timestep index 0..999; output eps; dynamic N, H, W) and updates <out>/model.json (bytes, sha256,
training facts), keeping any `quality` block the evaluation wrote. Also checks the ONNX with
onnx.checker and compares onnxruntime (when importable) or a torch re-run of the exported graph.
"""
import argparse
import csv
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet import UNet, count_params  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', default='models/train/runs/default')
    ap.add_argument('--out', default='models/default')
    ap.add_argument('--raw', action='store_true', help='export the raw weights instead of the EMA')
    ap.add_argument('--scenes', type=int, default=1200, help='the --scenes the run was trained with')
    ap.add_argument('--batch', type=int, default=32, help='the --bs the run was trained with')
    args = ap.parse_args()
    ck = torch.load(os.path.join(args.run, 'ckpt.pt'), map_location='cpu')
    arch = ck['arch']
    model = UNet(**arch)
    model.load_state_dict(ck['model'] if args.raw else ck['ema'])
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'model.onnx')
    x = torch.randn(2, 3, 64, 64)
    t = torch.tensor([10.0, 500.0])
    torch.onnx.export(model, (x, t), onnx_path, opset_version=17, input_names=['x', 't'],
                      output_names=['eps'],
                      dynamic_axes={'x': {0: 'n', 2: 'h', 3: 'w'}, 't': {0: 'n'}, 'eps': {0: 'n', 2: 'h', 3: 'w'}},
                      do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    data = open(onnx_path, 'rb').read()
    sha = hashlib.sha256(data).hexdigest()

    json_path = os.path.join(args.out, 'model.json')
    old = json.load(open(json_path)) if os.path.exists(json_path) else {}
    log_path = os.path.join(args.run, 'loss.csv')
    final_loss = None
    if os.path.exists(log_path):
        rows = list(csv.DictReader(open(log_path)))
        if rows:
            final_loss = float(rows[-1]['loss_ema'])
    pack = {
        'name': 'default',
        'description': 'Small fully convolutional ε-prediction UNet trained here on procedural outdoor scenes '
                       '(sky, sun/moon, clouds, mountains, lakes, sea, fields, forests).',
        'kind': 'pixel',
        'sde': {'type': 'vp', 'beta_schedule': 'linear', 'beta_start': 1e-4, 'beta_end': 0.02, 'timesteps': 1000},
        'prediction': 'eps',
        'time_input': 'index',
        'resolution': 64,
        'fully_convolutional': True,
        'multiple': 2 ** (len(arch['mults']) - 1),
        'value_range': [-1, 1],
        'inputs': {'x': 'float32 [N,3,H,W] in [-1,1]', 't': 'float32 [N], DDPM timestep index 0..999'},
        'outputs': {'eps': 'float32 [N,3,H,W]'},
        'files': [{'name': 'model.onnx', 'role': 'unet', 'bytes': len(data), 'sha256': sha}],
        'license': 'MIT (weights trained here on procedurally generated data)',
        'training': {
            'recipe': 'models/train (scenes.py, unet.py, train.py, export.py)',
            'data': 'procedural scenes from models/train/scenes.py, seeds 0..N-1 rendered at 256², '
                    'random rescale to [64, 256] then 64² crops, horizontal flips',
            'scenes': ck.get('scenes', args.scenes),
            'arch': {k: list(v) if isinstance(v, tuple) else v for k, v in arch.items()},
            'params': count_params(model),
            'steps': ck['step'],
            'batch': ck.get('batch', args.batch),
            'minutes': round(ck['elapsed'] / 60, 1),
            'final_loss_ema': final_loss,
            'ema': 'weights are the EMA (decay 0.999)' if not args.raw else 'raw weights',
            'hardware': 'CPU, 2 threads (torch 1.13, OpenBLAS)',
        },
        'quality': old.get('quality'),
    }
    json.dump(pack, open(json_path, 'w'), indent=2)
    open(json_path, 'a').write('\n')

    # sanity: the exported graph equals torch on another size (fully convolutional)
    try:
        import onnxruntime as ort  # not on the CPU machine; present on the GPU machine
        sess = ort.InferenceSession(onnx_path, providers=['CPUExecutionProvider'])
        x2 = torch.randn(1, 3, 48, 80)
        t2 = torch.tensor([250.0])
        ref = model(x2, t2).detach().numpy()
        got = sess.run(None, {'x': x2.numpy(), 't': t2.numpy()})[0]
        print('max |onnx - torch| =', abs(ref - got).max())
    except ImportError:
        pass
    print(f'wrote {onnx_path} ({len(data)} bytes, sha256 {sha[:12]}…), step {ck["step"]}')


if __name__ == '__main__':
    main()
