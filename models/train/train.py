"""Train the default ε-prediction model on procedural scenes (VP linear β 1e-4..0.02, T=1000).

    /usr/bin/python3 models/train/train.py --run models/train/runs/default --minutes 100

Resumable: the run folder keeps `ckpt.pt` (weights, EMA, optimiser, step, data RNG) written every
few minutes, and `loss.csv` (step, seconds, loss, ema loss). Run it again with the same --run to
continue. The data set (`--scenes` renders at 256²) is cached in models/train/cache/.
"""
import argparse
import csv
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenes import scene  # noqa: E402
from unet import UNet, count_params  # noqa: E402

ARCH = dict(ch=32, mults=(1, 2, 2, 2), blocks=1)


def vp_linear(T=1000, b0=1e-4, b1=0.02):
    betas = torch.linspace(b0, b1, T, dtype=torch.float64)
    return torch.cumprod(1 - betas, 0).float()


def apply_update(model, ema, opt, loss, step, lr, ema_max, warm_steps=300, clip=1.0, warm_from=0):
    """One optimiser step on `loss` and the EMA after it: lr warmed up linearly over `warm_steps`
    (counted from step `warm_from`: a run seeded from trained weights with fresh Adam moments warms
    up again), gradients clipped to norm `clip`, EMA decay min(ema_max, (1+step)/(10+step)) so the
    average starts from the first weights instead of lagging behind them. Shared by v1 and v2."""
    for pg in opt.param_groups:
        pg['lr'] = lr * min(1.0, (step - warm_from + 1) / warm_steps)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    decay = min(ema_max, (1 + step) / (10 + step))
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)


def load_scenes(n, size, cache_dir):
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f'scenes_{n}_{size}.npy')
    if os.path.exists(path):
        return np.load(path, mmap_mode='r')
    data = np.zeros((n, size, size, 3), np.uint8)
    t = time.time()
    for i in range(n):
        data[i] = scene(i, size)
        if i % 200 == 0:
            print(f'scenes {i}/{n} {time.time() - t:.0f}s', flush=True)
    np.save(path, data)
    return data


def batch_of_crops(data, g, bs, res):
    """Random scenes at a random scale (whole scene down to res … native 256² crops), flipped."""
    idx = torch.randint(0, data.shape[0], (bs,), generator=g).numpy()
    x = torch.from_numpy(np.stack([data[i] for i in idx])).permute(0, 3, 1, 2).float() / 127.5 - 1
    full = x.shape[-1]
    # scale: the side the 256² scene is resized to before cropping res×res
    side = int(torch.randint(res, full + 1, (1,), generator=g))
    side = min(full, max(res, side))
    if side != full:
        x = F.interpolate(x, size=(side, side), mode='bilinear', align_corners=False, antialias=True)
    oy = int(torch.randint(0, side - res + 1, (1,), generator=g))
    ox = int(torch.randint(0, side - res + 1, (1,), generator=g))
    x = x[:, :, oy:oy + res, ox:ox + res]
    flip = torch.rand(bs, generator=g) < 0.5
    x[flip] = x[flip].flip(-1)
    return x.contiguous()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', default='models/train/runs/default')
    ap.add_argument('--minutes', type=float, default=60)
    ap.add_argument('--scenes', type=int, default=3000)
    ap.add_argument('--res', type=int, default=64)
    ap.add_argument('--bs', type=int, default=32)
    ap.add_argument('--lr', type=float, default=4e-4)
    ap.add_argument('--ema', type=float, default=0.999)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--ckpt-minutes', type=float, default=4)
    ap.add_argument('--device', default='cpu')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.run, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    data = load_scenes(args.scenes, 256, os.path.join(here, 'cache'))

    torch.manual_seed(args.seed)
    model = UNet(**ARCH).to(args.device)
    ema = UNet(**ARCH).to(args.device)
    ema.load_state_dict(model.state_dict())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    step, elapsed = 0, 0.0
    ckpt_path = os.path.join(args.run, 'ckpt.pt')
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck['model'])
        ema.load_state_dict(ck['ema'])
        opt.load_state_dict(ck['opt'])
        g.set_state(ck['g'])
        step, elapsed = ck['step'], ck['elapsed']
        print(f'resumed at step {step}', flush=True)
    print(f'params {count_params(model) / 1e6:.3f} M, arch {ARCH}', flush=True)
    abar = vp_linear().to(args.device)
    log_new = not os.path.exists(os.path.join(args.run, 'loss.csv'))
    logf = open(os.path.join(args.run, 'loss.csv'), 'a', newline='')
    log = csv.writer(logf)
    if log_new:
        log.writerow(['step', 'seconds', 'loss', 'loss_ema'])

    def save():
        torch.save({'model': model.state_dict(), 'ema': ema.state_dict(), 'opt': opt.state_dict(),
                    'g': g.get_state(), 'step': step, 'elapsed': elapsed + time.time() - start,
                    'arch': ARCH, 'scenes': args.scenes, 'batch': args.bs}, ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)
        logf.flush()

    start = time.time()
    last_ckpt = start
    loss_ema = None
    while time.time() - start < args.minutes * 60:
        x0 = batch_of_crops(data, g, args.bs, args.res).to(args.device)
        t = torch.randint(0, 1000, (args.bs,), generator=g).to(args.device)
        eps = torch.randn(x0.shape, generator=g).to(args.device)
        a = abar[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(model(xt, t.float()), eps)
        apply_update(model, ema, opt, loss, step, args.lr, args.ema)
        step += 1
        lv = float(loss)
        loss_ema = lv if loss_ema is None else 0.98 * loss_ema + 0.02 * lv
        if step % 25 == 0:
            log.writerow([step, round(elapsed + time.time() - start, 1), round(lv, 5), round(loss_ema, 5)])
        if step % 100 == 0:
            rate = step / max(1e-6, elapsed + time.time() - start)
            print(f'step {step} loss {loss_ema:.4f} {rate * args.bs:.1f} img/s', flush=True)
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save()
            last_ckpt = time.time()
    save()
    print(f'done: step {step}, {(elapsed + time.time() - start) / 60:.1f} min', flush=True)


if __name__ == '__main__':
    main()
