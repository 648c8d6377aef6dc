"""Is bf16 worth it for training v2 on this CPU? Training-step speed of fp32 against bf16 autocast
(NCHW and channels-last), how far a bf16 step's gradient is from the fp32 one, and whether
GroupNorm in bf16 is correct on channels-last tensors (it decides whether the norms could skip
their fp32 round trip).

    /usr/bin/python3 models/train/v2/cpu_precision.py [--res 256] [--bs 4] [--steps 4]

Random weights and inputs for the speed (a step costs the same whatever the values); the
gradient check uses the shipped weights (models/default/model.onnx, read back by seed_run.py) on
random smooth images. Run it with nothing else on the cores.
"""
import argparse
import copy
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from train import vp_linear  # noqa: E402
from unet2 import ARCHS, V2_ARCH, UNetV2  # noqa: E402


def step_ms(model, x, t, bf16, steps):
    """The mean of `steps` training steps (forward, ε-MSE, backward, AdamW) after two warm-ups."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def one():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            pred = model(x, t)
        loss = (pred.float() - x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    one()
    one()
    t0 = time.perf_counter()
    for _ in range(steps):
        one()
    return (time.perf_counter() - t0) * 1000 / steps


def gradient(model, x, t, eps, bf16, channels_last):
    m = copy.deepcopy(model)
    if channels_last:
        m = m.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        pred = m(x, t)
    (pred.float() - eps).pow(2).mean().backward()
    return torch.cat([p.grad.flatten() for p in m.parameters()])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--res', type=int, default=256)
    ap.add_argument('--bs', type=int, default=4)
    ap.add_argument('--steps', type=int, default=4)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    arch = ARCHS[V2_ARCH]
    torch.manual_seed(0)
    x = torch.randn(args.bs, 3, args.res, args.res)
    t = torch.randint(0, 1000, (args.bs,)).float()
    print(f'{V2_ARCH}, {args.res}², batch {args.bs}, {args.threads} threads, torch {torch.__version__}')
    base = None
    for name, bf16, cl in [('fp32', False, False), ('fp32 channels-last', False, True),
                           ('bf16 autocast', True, False), ('bf16 autocast, channels-last', True, True)]:
        torch.manual_seed(0)
        m = UNetV2(**arch)
        xi = x
        if cl:
            m = m.to(memory_format=torch.channels_last)
            xi = x.contiguous(memory_format=torch.channels_last)
        ms = step_ms(m, xi, t, bf16, args.steps)
        base = base or ms
        print(f'  {name:30s} {ms:7.0f} ms/step  {args.bs * 1000 / ms:6.1f} img/s  ({base / ms:.2f}× fp32)', flush=True)

    # the gradient of one bf16 step against fp32, on trained weights and image-like inputs
    from seed_run import model_from_pack  # noqa: E402 (needs python3-onnx)
    model, _, _ = model_from_pack(os.path.join(os.path.dirname(os.path.dirname(HERE)), 'default'))
    abar_of = vp_linear()
    g = torch.Generator().manual_seed(1)

    def noised_batch():
        img = F.interpolate(torch.rand(args.bs, 3, 16, 16, generator=g) * 2 - 1, size=args.res, mode='bilinear', align_corners=False)
        eps = torch.randn(img.shape, generator=g)
        ti = torch.randint(0, 1000, (args.bs,), generator=g)
        abar = abar_of[ti][:, None, None, None]
        return abar.sqrt() * img + (1 - abar).sqrt() * eps, ti.float(), eps

    def compare(name, ref, gr):
        print(f'  gradient, {name}: cosine {F.cosine_similarity(ref, gr, dim=0).item():.4f}, '
              f'relative difference {((gr - ref).norm() / ref.norm()).item():.3f}')

    xt, ti, eps = noised_batch()
    ref = gradient(model, xt, ti, eps, False, False)
    for name, cl in [('bf16 autocast', False), ('bf16 autocast, channels-last', True)]:
        compare(f'{name} against fp32, one batch', ref, gradient(model, xt, ti, eps, True, cl))
    # the scale to read that against: the minibatch noise SGD lives with anyway
    compare('fp32, another batch of the same size against the first', ref, gradient(model, *noised_batch(), False, False))

    # GroupNorm of a bf16 tensor, NCHW and channels-last, against fp32
    h = torch.randn(4, 32, 64, 64, generator=g) * 3 + 1
    w = torch.rand(32, generator=g) + 0.5
    b = torch.randn(32, generator=g)
    want = F.group_norm(h, 8, w, b)
    for name, hb in [('NCHW', h.bfloat16()), ('channels-last', h.bfloat16().contiguous(memory_format=torch.channels_last))]:
        err = (F.group_norm(hb, 8, w.bfloat16(), b.bfloat16()).float() - want).abs().max().item()
        print(f'  GroupNorm in bf16, {name}: max |error| {err:.3f} (outputs ≈ N(0, 1))')


if __name__ == '__main__':
    main()
