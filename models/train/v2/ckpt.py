"""v2 checkpoints: a folder of a few files, each small enough to come back from a GPU machine
(the device tool returns files of ≤ 16 MiB), written atomically (a new folder, then renames).

    <run>/ckpt/state.json   step, elapsed, images seen, arch, the training segments, loss
    <run>/ckpt/ema.pt       EMA weights (what export_v2.py exports), fp32
    <run>/ckpt/model.pt     raw weights, fp32
    <run>/ckpt/opt.pt       AdamW state (moments fp32, or bf16 with --opt-bf16 to halve it) and
                            the data/noise generators' states
"""
import json
import os
import shutil

import torch


def state_record(*, arch_name, arch, step, elapsed, images_seen, segments, loss_ema, scenes, photos, photo_share,
                 lr_warm_from, seeded_from=None):
    """What state.json holds (train_v2.py after each stretch, seed_run.py for a run seeded from a
    pack): elapsed in seconds; scenes/photos as the data the last stretch drew from (None where not
    known); lr_warm_from the step the lr warm-up counts from (fresh Adam moments start there);
    seeded_from {pack, model_sha256} for a seeded run, carried on by every later save."""
    st = {'arch_name': arch_name, 'arch': {k: list(v) if isinstance(v, tuple) else v for k, v in arch.items()},
          'step': step, 'elapsed': elapsed, 'images_seen': images_seen, 'segments': segments, 'loss_ema': loss_ema,
          'scenes': scenes, 'photos': photos, 'photo_share': photo_share, 'lr_warm_from': lr_warm_from}
    if seeded_from:
        st['seeded_from'] = seeded_from
    return st


def save(run, state, model, ema, opt, gens, opt_bf16=False):
    final = os.path.join(run, 'ckpt')
    tmp = final + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    torch.save(ema.state_dict(), os.path.join(tmp, 'ema.pt'))
    torch.save(model.state_dict(), os.path.join(tmp, 'model.pt'))
    o = opt.state_dict()
    if opt_bf16:
        o = {'state': {k: {n: (v.to(torch.bfloat16) if torch.is_tensor(v) and v.dim() > 0 else v) for n, v in s.items()}
                       for k, s in o['state'].items()}, 'param_groups': o['param_groups']}
    torch.save({'opt': o, 'gens': {k: g.get_state() for k, g in gens.items()}}, os.path.join(tmp, 'opt.pt'))
    with open(os.path.join(tmp, 'state.json'), 'w') as f:
        json.dump(state, f, indent=1)
    old = final + '.old'
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(final):
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def exists(run):
    return os.path.exists(os.path.join(run, 'ckpt', 'state.json'))


def load_state(run):
    return json.load(open(os.path.join(run, 'ckpt', 'state.json')))


def load_weights(run, which='ema'):
    return torch.load(os.path.join(run, 'ckpt', f'{which}.pt'), map_location='cpu')


def load_into(run, model, ema, opt, gens, device):
    model.load_state_dict(torch.load(os.path.join(run, 'ckpt', 'model.pt'), map_location=device))
    ema.load_state_dict(torch.load(os.path.join(run, 'ckpt', 'ema.pt'), map_location=device))
    o = torch.load(os.path.join(run, 'ckpt', 'opt.pt'), map_location='cpu')
    st = o['opt']
    st['state'] = {k: {n: (v.float() if torch.is_tensor(v) and v.dim() > 0 else v) for n, v in s.items()}
                   for k, s in st['state'].items()}
    opt.load_state_dict(st)  # moves the moments to the parameters' device
    for k, g in gens.items():
        try:
            g.set_state(o['gens'][k])
        except (KeyError, RuntimeError, TypeError) as e:  # e.g. a CUDA generator's state on the CPU
            print(f'note: generator {k!r} not restored ({type(e).__name__}: {e}); it keeps its seed', flush=True)
    return load_state(run)
