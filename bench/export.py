"""Model files for the benchmarks (written under bench/out/, which git ignores).

    # a random-weight UNet of the default architecture (per-call speed does not depend on values)
    /usr/bin/python3 bench/export.py random --out bench/out/random
    # an fp16-storage variant of any ONNX file: float32 initializers stored as float16, each
    # followed by a Cast back to float32 (the graph computes in fp32 as before)
    /usr/bin/python3 bench/export.py fp16 --in models/default/model.onnx --out bench/out/fp16
    # GroupNorm decomposed into reductions instead of ORT's InstanceNormalization kernel
    /usr/bin/python3 bench/export.py gn-reduce --in models/default/model.onnx --out bench/out/gn-reduce

Both write <out>/model.onnx and a model.json pack (bytes, sha256) that src/model loads. The
architecture is read from models/train/train.py (ARCH) so the benchmark follows the recipe.
"""
import argparse
import ast
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_arch():
    src = open(os.path.join(ROOT, 'models/train/train.py')).read()
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'ARCH' for t in node.targets):
            call = node.value
            return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    raise SystemExit('ARCH not found in models/train/train.py')


def write_pack(out, onnx_path, name, note, arch=None):
    data = open(onnx_path, 'rb').read()
    mult = 2 ** (len(arch['mults']) - 1) if arch else 8
    pack = {
        'name': name,
        'kind': 'pixel',
        'sde': {'type': 'vp', 'beta_schedule': 'linear', 'beta_start': 1e-4, 'beta_end': 0.02, 'timesteps': 1000},
        'prediction': 'eps',
        'time_input': 'index',
        'resolution': 64,
        'fully_convolutional': True,
        'multiple': mult,
        'value_range': [-1, 1],
        'inputs': ['x', 't'],
        'outputs': ['eps'],
        'files': [{'name': os.path.basename(onnx_path), 'bytes': len(data),
                   'sha256': hashlib.sha256(data).hexdigest(), 'role': 'unet'}],
        'license': 'MIT',
        'training': {'data': note, 'steps': 0, 'arch': arch},
        'quality': None,
    }
    json.dump(pack, open(os.path.join(out, 'model.json'), 'w'), indent=2)
    print(f'wrote {onnx_path} ({len(data)} bytes)')


def export_random(out, seed):
    import torch
    sys.path.insert(0, os.path.join(ROOT, 'models/train'))
    from unet import UNet  # noqa: E402
    arch = train_arch()
    torch.manual_seed(seed)
    model = UNet(**arch)
    # the recipe zero-initialises the output conv; give it values so outputs are not constant
    torch.nn.init.normal_(model.out.weight, std=0.02)
    model.eval()
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, 'model.onnx')
    x = torch.randn(2, 3, 64, 64)
    t = torch.tensor([10.0, 500.0])
    torch.onnx.export(model, (x, t), path, opset_version=17, input_names=['x', 't'], output_names=['eps'],
                      dynamic_axes={'x': {0: 'n', 2: 'h', 3: 'w'}, 't': {0: 'n'}, 'eps': {0: 'n', 2: 'h', 3: 'w'}},
                      do_constant_folding=True)
    arch_json = {k: list(v) if isinstance(v, tuple) else v for k, v in arch.items()}
    write_pack(out, path, 'bench-random', f'random weights (seed {seed}), architecture of models/train/train.py', arch_json)


def to_fp16(src, out):
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    m = onnx.load(src)
    g = m.graph
    new_inits = []
    casts = []
    converted = 0
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        # only weight tensors: small ones (shapes, scalars) stay as they are
        if init.data_type == TensorProto.FLOAT and arr.size >= 16:
            h = numpy_helper.from_array(arr.astype(np.float16), init.name + '_fp16')
            new_inits.append(h)
            casts.append(helper.make_node('Cast', [h.name], [init.name], to=TensorProto.FLOAT, name=init.name + '_cast'))
            converted += 1
        else:
            new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, 'model.onnx')
    onnx.save(m, path)
    print(f'{converted} initializers stored as fp16')
    arch = None
    pj = os.path.join(os.path.dirname(src), 'model.json')
    if os.path.exists(pj):
        arch = (json.load(open(pj)).get('training') or {}).get('arch')
    write_pack(out, path, 'bench-fp16', f'fp16 storage of {os.path.relpath(src, ROOT)}', arch)


def gn_reduce(src, out):
    """Replace each InstanceNormalization (torch exports GroupNorm as Reshape → InstanceNorm →
    Reshape → Mul → Add) by ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div: the same function, built
    from element-wise and reduction kernels instead of ORT's InstanceNorm kernel."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for node in g.node:  # torch exports InstanceNorm's unit scale / zero bias as Constant nodes
        if node.op_type == 'Constant':
            for a in node.attribute:
                if a.name == 'value':
                    inits[node.output[0]] = numpy_helper.to_array(a.t)
    nodes = []
    replaced = 0
    for node in g.node:
        if node.op_type != 'InstanceNormalization':
            nodes.append(node)
            continue
        x, sc, bi = node.input
        eps = next((a.f for a in node.attribute if a.name == 'epsilon'), 1e-5)
        p = node.name or f'in{replaced}'
        eps_name = p + '_eps'
        g.initializer.append(numpy_helper.from_array(np.array(eps, dtype=np.float32), eps_name))
        nodes += [
            helper.make_node('ReduceMean', [x], [p + '_mean'], axes=[2], keepdims=1),
            helper.make_node('Sub', [x, p + '_mean'], [p + '_d']),
            helper.make_node('Mul', [p + '_d', p + '_d'], [p + '_d2']),
            helper.make_node('ReduceMean', [p + '_d2'], [p + '_var'], axes=[2], keepdims=1),
            helper.make_node('Add', [p + '_var', eps_name], [p + '_ve']),
            helper.make_node('Sqrt', [p + '_ve'], [p + '_sd']),
        ]
        trivial = sc in inits and bi in inits and np.all(inits[sc] == 1) and np.all(inits[bi] == 0)
        if trivial:
            nodes.append(helper.make_node('Div', [p + '_d', p + '_sd'], list(node.output)))
        else:
            for name in (sc, bi):
                g.initializer.append(numpy_helper.from_array(inits[name].reshape(1, -1, 1).astype(np.float32), name + '_u'))
            nodes += [
                helper.make_node('Div', [p + '_d', p + '_sd'], [p + '_n']),
                helper.make_node('Mul', [p + '_n', sc + '_u'], [p + '_s']),
                helper.make_node('Add', [p + '_s', bi + '_u'], list(node.output)),
            ]
        replaced += 1
    used = {i for n in nodes for i in n.input} | {o.name for o in g.output}
    nodes = [n for n in nodes if n.op_type != 'Constant' or any(o in used for o in n.output)]
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, 'model.onnx')
    onnx.save(m, path)
    print(f'{replaced} InstanceNormalization nodes decomposed')
    write_pack(out, path, 'bench-gn-reduce', f'GroupNorm as reductions, from {os.path.relpath(src, ROOT)}', None)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('random')
    r.add_argument('--out', default='bench/out/random')
    r.add_argument('--seed', type=int, default=0)
    f = sub.add_parser('fp16')
    f.add_argument('--in', dest='src', required=True)
    f.add_argument('--out', required=True)
    gr = sub.add_parser('gn-reduce')
    gr.add_argument('--in', dest='src', required=True)
    gr.add_argument('--out', required=True)
    a = ap.parse_args()
    if a.cmd == 'random':
        export_random(a.out, a.seed)
    elif a.cmd == 'fp16':
        to_fp16(a.src, a.out)
    else:
        gn_reduce(a.src, a.out)


if __name__ == '__main__':
    main()
