"""fp16 variant of an exported UNet, for WebGPU adapters with `shader-f16`.

    /usr/bin/python3 models/train/export_fp16.py --pack models/default
    # (= --in models/default/model.onnx --out models/default/model-fp16.onnx, and the file's
    #  entry, role "unet_fp16", with bytes and sha256 in models/default/model.json)

The graph keeps fp32 inputs and outputs (`x`, `t` → `eps`), so the pack contract, the sampler
and the update graph do not change; inside it the image path computes in fp16:

- the time-embedding branch (everything that depends on `t` alone: the sinusoid and its MLP)
  stays fp32 — t goes up to 999, where fp16 has a step of 0.5, so sin(t·f) in fp16 would be
  noise — and is cast to fp16 where it joins the image path;
- InstanceNormalization (the core of GroupNorm) stays fp32 between two Casts: its mean and
  variance over up to 512² pixels are where fp16 loses most, and it is a few % of the time;
- Resize's roi/scales stay fp32 (the operator requires it);
- every other float initializer and Constant on the image path is stored as fp16 (which also
  halves the file), and the exporter's Cast-to-float nodes there become Cast-to-float16.

No torch needed: this rewrites the ONNX file that export.py wrote.
"""
import argparse
import hashlib
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
FLOAT16 = TensorProto.FLOAT16
# inputs of these ops that must stay fp32 whatever their data path (by input index)
KEEP_FP32_INPUTS = {'Resize': {1, 2}, 'InstanceNormalization': {0, 1, 2}}


def convert(model: onnx.ModelProto) -> onnx.ModelProto:
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consts = {n.output[0]: n for n in g.node if n.op_type == 'Constant'}
    in_names = [i.name for i in g.input]
    if 'x' not in in_names:
        raise SystemExit('expected an input named x')

    # which tensors depend on the image input x (the rest: t-only branch, constants)
    on_x = {'x'}
    for n in g.node:
        if any(i in on_x for i in n.input):
            on_x.update(n.output)

    new_nodes = []
    fp16_copies = {}   # original float const/initializer name -> fp16 name
    casted_fp16 = {}   # fp32 tensor name -> its Cast-to-fp16 name

    def fp16_const(name):
        if name in fp16_copies:
            return fp16_copies[name]
        new = name + '__fp16'
        if name in inits:
            arr = numpy_helper.to_array(inits[name])
            g.initializer.append(numpy_helper.from_array(arr.astype(np.float16), new))
        else:
            arr = numpy_helper.to_array(consts[name].attribute[0].t)
            new_nodes.append(helper.make_node('Constant', [], [new], value=numpy_helper.from_array(arr.astype(np.float16))))
        fp16_copies[name] = new
        return new

    def is_float_const(name):
        if name in inits:
            return inits[name].data_type == FLOAT
        if name in consts:
            attr = consts[name].attribute[0]
            return attr.name == 'value' and attr.t.data_type == FLOAT
        return False

    def cast_to_fp16(name):
        if name not in casted_fp16:
            new = name + '__to_fp16'
            new_nodes.append(helper.make_node('Cast', [name], [new], to=FLOAT16))
            casted_fp16[name] = new
        return casted_fp16[name]

    # x itself: cast once at the top
    x16 = cast_to_fp16('x')
    # t-only float tensors that feed the image path are found by their consumers below
    t_only_float = set()
    for n in g.node:
        if n.output and n.output[0] not in on_x and n.op_type not in ('Constant', 'Shape'):
            t_only_float.update(n.output)
    t_only_float.add('t')

    for n in g.node:
        if n.op_type == 'Constant':
            new_nodes.append(n)
            continue
        if not any(o in on_x for o in n.output):
            new_nodes.append(n)  # t-only branch: unchanged, fp32
            continue
        keep = KEEP_FP32_INPUTS.get(n.op_type, set())
        ins = list(n.input)
        for k, name in enumerate(ins):
            if not name or k in keep:
                continue
            if name == 'x':
                ins[k] = x16
            elif is_float_const(name):
                ins[k] = fp16_const(name)
            elif name in t_only_float and n.op_type not in ('Shape',):
                ins[k] = cast_to_fp16(name)
        if n.op_type == 'InstanceNormalization':
            # fp32 island: fp16 -> fp32 -> norm -> fp16
            src32 = ins[0] + '__to_fp32'
            new_nodes.append(helper.make_node('Cast', [ins[0]], [src32], to=FLOAT))
            out = n.output[0]
            n.output[0] = out + '__fp32'
            n.input[0] = src32
            new_nodes.append(n)
            new_nodes.append(helper.make_node('Cast', [n.output[0]], [out], to=FLOAT16))
            continue
        if n.op_type == 'Cast':
            for a in n.attribute:
                if a.name == 'to' and a.i == FLOAT:
                    a.i = FLOAT16
        del n.input[:]
        n.input.extend(ins)
        new_nodes.append(n)

    # eps back to fp32 under its old name
    out_name = g.output[0].name
    for n in new_nodes:
        for k, o in enumerate(n.output):
            if o == out_name:
                n.output[k] = out_name + '__fp16'
    new_nodes.append(helper.make_node('Cast', [out_name + '__fp16'], [out_name], to=FLOAT))

    # drop fp32 initializers nothing reads any more
    used = {i for n in new_nodes for i in n.input}
    keep_inits = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep_inits)
    del g.node[:]
    g.node.extend(n for n in new_nodes if n.op_type != 'Constant' or n.output[0] in used)
    del g.value_info[:]
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', help='pack directory: reads model.onnx, writes model-fp16.onnx and its model.json entry')
    ap.add_argument('--in', dest='src')
    ap.add_argument('--out')
    a = ap.parse_args()
    src = a.src or (a.pack and os.path.join(a.pack, 'model.onnx'))
    out = a.out or (a.pack and os.path.join(a.pack, 'model-fp16.onnx'))
    if not src or not out:
        ap.error('give --pack DIR, or --in and --out')
    m = convert(onnx.load(src))
    onnx.save(m, out)
    data = open(out, 'rb').read()
    sha = hashlib.sha256(data).hexdigest()
    print(f'wrote {out}: {len(data)} bytes, sha256 {sha}')
    if a.pack:
        path = os.path.join(a.pack, 'model.json')
        pack = json.load(open(path))
        pack['files'] = [f for f in pack['files'] if f.get('role') != 'unet_fp16']
        pack['files'].append({'name': os.path.basename(out), 'role': 'unet_fp16', 'bytes': len(data), 'sha256': sha})
        with open(path, 'w') as f:
            json.dump(pack, f, indent=2)
            f.write('\n')
        print(f'updated {path}')


if __name__ == '__main__':
    main()
