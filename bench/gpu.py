"""Per-call latency of the default UNet on a GPU: onnxruntime's CUDA execution provider and
PyTorch CUDA on the same architecture (and the same weights when a checkpoint or the ONNX file's
initializers provide them; per-call speed does not depend on the values). Run by bench/gpu.sh.

    python3 bench/gpu.py [--model models/default/model.onnx] [--quick] [--json-out FILE]

Rows that need a GPU are skipped with a message when there is none (exit code 0). The CPU rows
(ORT CPU EP, PyTorch CPU) give the ratios a baseline measured on the same machine.
"""
import argparse
import ast
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def train_arch():
    src = open(os.path.join(ROOT, 'models/train/train.py')).read()
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'ARCH' for t in node.targets):
            return {kw.arg: ast.literal_eval(kw.value) for kw in node.value.keywords}
    return dict(ch=32, mults=(1, 2, 2, 2), blocks=1)


def summarise(times):
    s = sorted(times)
    q = statistics.quantiles(s, n=4) if len(s) >= 4 else [s[0], statistics.median(s), s[-1]]
    return {'median': statistics.median(s), 'q1': q[0], 'q3': q[2], 'min': s[0], 'max': s[-1], 'reps': len(s)}


def bench(fn, reps, warmup, sync=None):
    for _ in range(warmup):
        fn()
    if sync:
        sync()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        if sync:
            sync()
        out.append((time.perf_counter() - t0) * 1000)
    return summarise(out)


def torch_model(arch, onnx_path):
    import torch
    sys.path.insert(0, os.path.join(ROOT, 'models/train'))
    from unet import UNet
    model = UNet(**arch)
    source = 'random weights'
    ckpt = os.path.join(ROOT, 'models/train/runs/default/ckpt.pt')
    if os.path.exists(ckpt):
        ck = torch.load(ckpt, map_location='cpu', weights_only=False)
        model.load_state_dict(ck['ema'])
        source = 'EMA weights of models/train/runs/default/ckpt.pt'
    elif onnx_path and os.path.exists(onnx_path):
        try:
            import onnx
            from onnx import numpy_helper
            inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(onnx_path).graph.initializer}
            sd = model.state_dict()
            hit = 0
            for k, v in sd.items():
                if k in inits and tuple(inits[k].shape) == tuple(v.shape):
                    sd[k] = torch.from_numpy(inits[k].copy())
                    hit += 1
            model.load_state_dict(sd)
            source = f'{hit}/{len(sd)} tensors from the ONNX initializers (rest random)'
        except Exception as e:  # noqa: BLE001
            source = f'random weights (ONNX initializers unreadable: {e})'
    return model.eval(), source


def export_random(arch, path):
    import torch
    sys.path.insert(0, os.path.join(ROOT, 'models/train'))
    from unet import UNet
    torch.manual_seed(0)
    m = UNet(**arch).eval()
    x = torch.randn(2, 3, 64, 64)
    t = torch.tensor([10.0, 500.0])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    kw = dict(opset_version=17, input_names=['x', 't'], output_names=['eps'],
              dynamic_axes={'x': {0: 'n', 2: 'h', 3: 'w'}, 't': {0: 'n'}, 'eps': {0: 'n', 2: 'h', 3: 'w'}})
    try:
        torch.onnx.export(m, (x, t), path, dynamo=False, **kw)
    except TypeError:
        torch.onnx.export(m, (x, t), path, **kw)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default=os.path.join(ROOT, 'models/default/model.onnx'))
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--json-out', default=None)
    ap.add_argument('--cpu-only', action='store_true', help='skip GPU rows (test the script without a GPU)')
    a = ap.parse_args()

    res = {'rows': [], 'skipped': [], 'machine': {}}
    arch = train_arch()
    try:
        import torch
    except ImportError:
        log('gpu: no PyTorch here; skipping every row')
        print(json.dumps({'skipped': ['all: no torch']}))
        return 0
    torch.backends.cudnn.benchmark = True
    has_cuda = torch.cuda.is_available() and not a.cpu_only
    res['machine']['torch'] = torch.__version__
    res['machine']['cpu_threads'] = torch.get_num_threads()
    if has_cuda:
        res['machine']['gpu'] = torch.cuda.get_device_name(0)
        log(f"gpu: {res['machine']['gpu']}, torch {torch.__version__}")
    else:
        msg = 'no CUDA GPU visible to PyTorch' if not a.cpu_only else '--cpu-only'
        log(f'gpu: SKIP GPU rows ({msg}); CPU rows only')
        res['skipped'].append(f'GPU rows: {msg}')

    onnx_path = a.model
    if not os.path.exists(onnx_path):
        onnx_path = os.path.join(ROOT, 'bench/out/gpu-random/model.onnx')
        if not os.path.exists(onnx_path):
            log(f'gpu: {a.model} missing; exporting a random-weight UNet to {onnx_path}')
            export_random(arch, onnx_path)
    res['model'] = os.path.relpath(onnx_path, ROOT)
    model, source = torch_model(arch, onnx_path)
    res['torch_weights'] = source

    if a.quick:
        cases = [(1, 64, 20), (1, 256, 10)]
    else:
        cases = [(1, 64, 50), (4, 64, 50), (1, 256, 30), (4, 256, 20), (1, 512, 20), (4, 512, 10)]
    cpu_cases = [(n, s, max(3, r // 10)) for n, s, r in cases if s <= 256]

    def inputs(n, s):
        import numpy as np
        x = (np.sin(np.arange(n * 3 * s * s, dtype=np.float32) * 0.001) * 0.8).reshape(n, 3, s, s)
        t = np.full((n,), 250.0, dtype=np.float32)
        return x, t

    def row(runtime, n, s, st, **extra):
        r = {'runtime': runtime, 'n': n, 'size': s, **st, **extra}
        res['rows'].append(r)
        log(f"gpu: {runtime:<44} {n} x {s:>3}²  median {st['median']:9.3f} ms  [{st['min']:.3f}–{st['max']:.3f}]")

    # ---- onnxruntime ----
    try:
        import onnxruntime as ort
        res['machine']['onnxruntime'] = ort.__version__
        provs = ort.get_available_providers()
        res['machine']['ort_providers'] = provs
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        cpu = ort.InferenceSession(onnx_path, so, providers=['CPUExecutionProvider'])
        for n, s, reps in cpu_cases:
            x, t = inputs(n, s)
            row('onnxruntime CPU EP (all cores)', n, s, bench(lambda: cpu.run(None, {'x': x, 't': t}), reps, 2))
        if has_cuda and 'CUDAExecutionProvider' in provs:
            cu = ort.InferenceSession(onnx_path, so, providers=[('CUDAExecutionProvider', {'cudnn_conv_algo_search': 'EXHAUSTIVE'}), 'CPUExecutionProvider'])
            for n, s, reps in cases:
                x, t = inputs(n, s)
                row('onnxruntime CUDA EP (numpy in/out)', n, s, bench(lambda: cu.run(None, {'x': x, 't': t}), reps, 5))
                # device-resident: IO binding, inputs and output stay on the GPU
                b = cu.io_binding()
                xv = ort.OrtValue.ortvalue_from_numpy(x, 'cuda', 0)
                tv = ort.OrtValue.ortvalue_from_numpy(t, 'cuda', 0)
                b.bind_ortvalue_input('x', xv)
                b.bind_ortvalue_input('t', tv)
                b.bind_output('eps', 'cuda', 0)
                row('onnxruntime CUDA EP (IO binding on GPU)', n, s, bench(lambda: cu.run_with_iobinding(b), reps, 5, sync=b.synchronize_outputs))
        elif has_cuda:
            msg = f'onnxruntime {ort.__version__} has no CUDAExecutionProvider (providers {provs}): the CPU-only wheel; carry onnxruntime-gpu wheels to measure it'
            log(f'gpu: SKIP ORT CUDA rows: {msg}')
            res['skipped'].append(msg)
    except ImportError:
        res['skipped'].append('onnxruntime rows: no onnxruntime module')
        log('gpu: SKIP onnxruntime rows (no onnxruntime module)')

    # ---- PyTorch ----
    with torch.inference_mode():
        for n, s, reps in cpu_cases:
            x, t = inputs(n, s)
            xt, tt = torch.from_numpy(x), torch.from_numpy(t)
            row('PyTorch CPU eager fp32', n, s, bench(lambda: model(xt, tt), reps, 2))
        if has_cuda:
            dev = torch.device('cuda')
            gm = model.to(dev)
            sync = torch.cuda.synchronize
            for n, s, reps in cases:
                x, t = inputs(n, s)
                xg, tg = torch.from_numpy(x).to(dev), torch.from_numpy(t).to(dev)
                row('PyTorch CUDA eager fp32 (on GPU)', n, s, bench(lambda: gm(xg, tg), reps, 5, sync=sync))
                row('PyTorch CUDA eager fp32 (+ host copies)', n, s,
                    bench(lambda: gm(torch.from_numpy(x).to(dev), torch.from_numpy(t).to(dev)).cpu(), reps, 5, sync=sync))
                with torch.autocast('cuda', dtype=torch.float16):
                    row('PyTorch CUDA eager fp16 autocast (on GPU)', n, s, bench(lambda: gm(xg, tg), reps, 5, sync=sync))
                # CUDA graph: the whole UNet replayed as one launch (what GPU-resident sampling buys)
                try:
                    sx, st_ = xg.clone(), tg.clone()
                    s_ = torch.cuda.Stream()
                    s_.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(s_):
                        for _ in range(3):
                            gm(sx, st_)
                    torch.cuda.current_stream().wait_stream(s_)
                    g = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(g):
                        gm(sx, st_)
                    row('PyTorch CUDA graph replay fp32 (on GPU)', n, s, bench(g.replay, reps, 5, sync=sync))
                except Exception as e:  # noqa: BLE001
                    res['skipped'].append(f'CUDA graph at {n}x{s}: {e}')

    # ---- ratios ----
    def med(rt, n, s):
        for r in res['rows']:
            if r['runtime'] == rt and r['n'] == n and r['size'] == s:
                return r['median']
        return None

    ratios = {}
    for n, s, _ in cases:
        base = med('PyTorch CUDA eager fp32 (on GPU)', n, s)
        for r in {r['runtime'] for r in res['rows']}:
            v = med(r, n, s)
            if base and v:
                ratios.setdefault(f'{n}x{s}', {})[r] = round(v / base, 3)
    res['ratios_vs_pytorch_cuda_eager'] = ratios
    if a.json_out:
        os.makedirs(os.path.dirname(os.path.abspath(a.json_out)), exist_ok=True)
        json.dump(res, open(a.json_out, 'w'), indent=2)
    # markdown table
    print('| runtime | batch × size | median ms | [min–max] | vs PyTorch CUDA eager |')
    print('| --- | --- | --- | --- | --- |')
    for r in res['rows']:
        ratio = ratios.get(f"{r['n']}x{r['size']}", {}).get(r['runtime'])
        print(f"| {r['runtime']} | {r['n']} × {r['size']}² | {r['median']:.3f} | {r['min']:.3f}–{r['max']:.3f} | {'' if ratio is None else f'{ratio:.2f}×'} |")
    for sk in res['skipped']:
        print(f'skipped: {sk}')
    print(json.dumps({'gpu': res['machine'].get('gpu'), 'skipped': res['skipped'], 'ratios_vs_pytorch_cuda_eager': ratios}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
