"""Train network v2 on photographs + procedural scenes (VP linear β 1e-4..0.02, T=1000, ε-MSE).

    # CPU (the reproducible baseline; Debian's /usr/bin/python3 with torch 1.13):
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 models/train/v2/train_v2.py --run models/train/runs/v2 --minutes 100
    # GPU (see gpu-train.sh, which a session with a GPU machine runs):
    python3 models/train/v2/train_v2.py --run $OUT/run --device cuda --res 128 --bs 128 --bf16 --opt-bf16

Resumable: run the same command again (any device, resolution or batch) and it continues from
<run>/ckpt (see ckpt.py); a SIGTERM or SIGINT (e.g. `timeout`) saves a checkpoint and stops.
<run>/loss.csv logs (step, seconds, loss, loss_ema, res, bs); each stretch of training is a
`segment` in the checkpoint's state.json (hardware, res, batch, steps, minutes), which
export_v2.py copies into model.json.

Same objective, schedule and optimiser as v1's train.py (AdamW, lr warm-up over 300 steps,
grad-clip 1, EMA 0.999), so v1 and v2 differ only in network and data.
"""
import argparse
import csv
import math
import os
import signal
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import ckpt  # noqa: E402
from data import MixedBatches  # noqa: E402
from train import apply_update, vp_linear  # noqa: E402
from unet2 import ARCHS, V2_ARCH, UNetV2, count_params  # noqa: E402


def hardware(device, threads):
    if device.startswith('cuda'):
        return f'{torch.cuda.get_device_name(0)} (torch {torch.__version__})'
    return f'CPU, {threads} threads (torch {torch.__version__})'


def train_only(model, prefixes):
    """Freeze every parameter of `model` except those named by the comma-separated `prefixes`
    (a module path such as 'up.10' names all of its parameters). Returns the names left trainable;
    a prefix that names nothing is an error rather than a silently frozen network."""
    wanted = [q.strip() for q in prefixes.split(',') if q.strip()]
    if not wanted:
        raise ValueError('no parameter prefixes given')

    def named(n, q):
        return n == q or n.startswith(q + '.')

    names = [n for n, _ in model.named_parameters()]
    for q in wanted:
        if not any(named(n, q) for n in names):
            raise ValueError(f'no parameter is named {q!r} or under it')
    kept = []
    for n, p in model.named_parameters():
        p.requires_grad_(any(named(n, q) for q in wanted))
        if p.requires_grad:
            kept.append(n)
    return kept


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', default='models/train/runs/v2')
    ap.add_argument('--arch', default=V2_ARCH, help=f'one of {sorted(ARCHS)} (a resumed run keeps its own)')
    ap.add_argument('--minutes', type=float, default=60, help='stop after this many minutes of this invocation')
    ap.add_argument('--max-steps', type=int, default=None, help='stop at this total step count')
    ap.add_argument('--scenes', type=int, default=1200, help='procedural scenes rendered at 256²')
    ap.add_argument('--boats', action='store_true', help='boats on the water of the lake and sea scenes (boats.py)')
    ap.add_argument('--photo-share', type=float, default=0.5, help='expected share of photograph crops per batch')
    ap.add_argument('--photo-max-short', type=int, default=1024, help='photos are pre-scaled to this short side')
    ap.add_argument('--res', type=int, default=64)
    ap.add_argument('--bs', type=int, default=32)
    ap.add_argument('--lr', type=float, default=4e-4)
    ap.add_argument('--lr-end', type=float, default=None,
                    help='anneal the lr from --lr to this over --minutes (half a cosine); default: constant')
    ap.add_argument('--ema', type=float, default=0.999)
    ap.add_argument('--hi-t-weight', type=float, default=None, metavar='G',
                    help='weight each sample\'s ε-MSE by clamp((1-ᾱ)/ᾱ, 1, G) (normalised to mean 1 over t): '
                         'more of the network for the noisy end, where ε errors are magnified 1/√ᾱ in x̂0 '
                         '(SDEdit at t0 ≥ 0.5 and every step of the sampler\'s x̂0); default: plain ε-MSE')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--workers', type=int, default=None, help='processes that render the scenes (default: cores)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--ckpt-minutes', type=float, default=4)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast (GroupNorm and softmax stay fp32)')
    ap.add_argument('--opt-bf16', action='store_true', help='store the Adam moments as bf16 in checkpoints')
    ap.add_argument('--channels-last', action='store_true')
    ap.add_argument('--train-only', default=None, metavar='PREFIXES',
                    help='comma-separated parameter-name prefixes (e.g. the blocks seed_run.py --arch added, '
                         '"up.10,up.11,out_norm,out" for v2-mix160b-top2): only those train, the rest stay as they '
                         'are (the backward pass then stops at them: about twice the images per second at 256²)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.run, exist_ok=True)
    dev = args.device

    state = ckpt.load_state(args.run) if ckpt.exists(args.run) else None
    arch_name = state['arch_name'] if state else args.arch
    torch.manual_seed(args.seed)
    model = UNetV2(**ARCHS[arch_name]).to(dev)
    ema = UNetV2(**ARCHS[arch_name]).to(dev)
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        ema = ema.to(memory_format=torch.channels_last)
    if args.train_only:
        try:
            kept = train_only(model, args.train_only)
        except ValueError as e:
            raise SystemExit(f'--train-only: {e} (arch {arch_name})')
        n_kept = sum(p.numel() for p in model.parameters() if p.requires_grad)
        print(f'--train-only: {len(kept)} tensors, {n_kept / 1e3:.1f} k params train; the rest are frozen', flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0, foreach=True)
    g_data = torch.Generator().manual_seed(args.seed)
    g_noise = torch.Generator(device=dev).manual_seed(args.seed + 1)
    gens = {'data': g_data, 'noise': g_noise}
    step, elapsed, images, segments, loss_ema, warm_from = 0, 0.0, 0, [], None, 0
    if state:
        state = ckpt.load_into(args.run, model, ema, opt, gens, dev)
        step, elapsed, images = state['step'], state['elapsed'], state['images_seen']
        segments, loss_ema = state['segments'], state.get('loss_ema')
        warm_from = state.get('lr_warm_from', 0)  # seed_run.py: trained weights, fresh moments
        print(f'resumed {arch_name} at step {step} ({images} images, {elapsed / 60:.1f} min)', flush=True)
    print(f'params {count_params(model) / 1e6:.3f} M, arch {arch_name}, res {args.res}, bs {args.bs}, '
          f'{hardware(dev, args.threads)}, bf16 {args.bf16}', flush=True)

    batches = MixedBatches(args.res, dev, args.photo_share, args.scenes, args.photo_max_short, args.workers, args.boats)
    print(f'data: {batches.n_photos} training photographs (share {args.photo_share}), {args.scenes} scenes'
          f'{" with boats" if args.boats else ""}', flush=True)
    abar = vp_linear().to(dev)
    # per-timestep loss weights (mean 1 over the uniform t): 1/SNR = (1-ᾱ)/ᾱ clamped to [1, G]
    t_weight = None
    if args.hi_t_weight:
        t_weight = ((1 - abar) / abar).clamp(1.0, args.hi_t_weight)
        t_weight = t_weight / t_weight.mean()
    log_path = os.path.join(args.run, 'loss.csv')
    log_new = not os.path.exists(log_path)
    logf = open(log_path, 'a', newline='')
    log = csv.writer(logf)
    if log_new:
        log.writerow(['step', 'seconds', 'loss', 'loss_ema', 'res', 'bs'])
    seg = {'hardware': hardware(dev, args.threads), 'res': args.res, 'batch': args.bs, 'bf16': args.bf16,
           'photo_share': args.photo_share, 'photos': batches.n_photos, 'scenes': args.scenes, 'boats': args.boats,
           'lr': args.lr, 'lr_end': args.lr_end, 'hi_t_weight': args.hi_t_weight, 'train_only': args.train_only,
           'from_step': step, 'to_step': step, 'minutes': 0.0}
    segments.append(seg)

    stop = {'why': None}

    def on_signal(signum, _frame):
        stop['why'] = signal.Signals(signum).name

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    start = time.time()

    def save():
        seg['to_step'] = step
        seg['minutes'] = round((time.time() - start) / 60, 2)
        st = ckpt.state_record(arch_name=arch_name, arch=ARCHS[arch_name], step=step, elapsed=elapsed + time.time() - start,
                               images_seen=images, segments=segments, loss_ema=loss_ema, scenes=args.scenes,
                               photos=batches.n_photos, photo_share=args.photo_share, lr_warm_from=warm_from,
                               seeded_from=state.get('seeded_from') if state else None)
        ckpt.save(args.run, st, model, ema, opt, gens, args.opt_bf16)
        logf.flush()

    amp_device = 'cuda' if dev.startswith('cuda') else 'cpu'

    def lr_now():
        """--lr, or half a cosine from --lr to --lr-end over this invocation's --minutes: a
        resumed run that ends a long schedule settles into a minimum instead of stopping mid-stride."""
        if args.lr_end is None:
            return args.lr
        frac = min(1.0, (time.time() - start) / (args.minutes * 60))
        return args.lr_end + (args.lr - args.lr_end) * 0.5 * (1 + math.cos(math.pi * frac))

    last_ckpt = time.time()
    while time.time() - start < args.minutes * 60 and (args.max_steps is None or step < args.max_steps):
        if stop['why']:
            print(f'{stop["why"]}: saving', flush=True)
            break
        x0 = batches(args.bs, g_data)
        t = torch.randint(0, 1000, (args.bs,), generator=g_noise, device=dev)
        eps = torch.randn(x0.shape, generator=g_noise, device=dev)
        a = abar[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        if args.channels_last:
            xt = xt.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device_type=amp_device, dtype=torch.bfloat16, enabled=args.bf16):
            pred = model(xt, t.float())
        per_sample = (pred.float() - eps).pow(2).mean(dim=(1, 2, 3))
        loss = per_sample.mean()  # the plain ε-MSE, logged whatever the weighting
        objective = loss if t_weight is None else (per_sample * t_weight[t]).mean()
        apply_update(model, ema, opt, objective, step, lr_now(), args.ema, warm_from=warm_from)
        step += 1
        images += args.bs
        lv = float(loss)
        loss_ema = lv if loss_ema is None else 0.98 * loss_ema + 0.02 * lv
        if step % 25 == 0:
            log.writerow([step, round(elapsed + time.time() - start, 1), round(lv, 5), round(loss_ema, 5), args.res, args.bs])
        if step % 100 == 0:
            rate = (step - seg['from_step']) * args.bs / max(1e-6, time.time() - start)
            print(f'step {step} loss {loss_ema:.4f} {rate:.1f} img/s', flush=True)
        if time.time() - last_ckpt > args.ckpt_minutes * 60:
            save()
            last_ckpt = time.time()
    save()
    print(f'done: step {step}, {images} images, {(elapsed + time.time() - start) / 60:.1f} min in all, '
          f'loss_ema {loss_ema}', flush=True)


if __name__ == '__main__':
    main()
