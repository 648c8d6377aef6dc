"""Network v2: a fully convolutional ε-prediction UNet that spends its compute at low resolution.

Same contract as v1 (models/train/unet.py): x [N,3,H,W] in [-1,1] and t [N] (DDPM timestep
index 0..999) -> eps [N,3,H,W]; sinusoidal time embedding + MLP, GroupNorm (fp32 under bf16
autocast) + SiLU ResBlocks, no attention over pixels, so the same weights run at any size that is
a multiple of `multiple`.

What differs from v1, and why (v1's time at 256² goes to its full-resolution convolutions):
- a space-to-depth stem: x is pixel-unshuffled by `unshuffle` (r) so the first convolution
  already runs at H/r × W/r on 3·r² channels, and the output is 3·r² channels pixel-shuffled
  back; no convolution ever runs at full resolution (the image-to-image skip is exact, since
  unshuffle/shuffle are permutations);
- channel widths per level (`chans`) instead of one base width times multipliers: narrow at the
  top, wide at the bottom, and per-level block counts (`blocks`), more at low resolution;
- the decoder upsamples by nearest + a 1×1 convolution (the ResBlock after it has the 3×3),
  where v1 spends a 3×3 convolution at the larger size;
- an optional global-context block (softmax-pooled context vector through a small MLP, added
  back to every position) at the lowest level: a whole-image summary at linear cost in pixels,
  so layout (horizon, sky) can be coordinated at any size without attention's quadratic cost.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from unet import GroupNorm32, ResBlock, count_params, timestep_embedding  # noqa: E402,F401


class GlobalContext(nn.Module):
    """h + MLP(Σ_p softmax(k(h))_p · norm(h)_p): one context vector per image, broadcast back."""

    def __init__(self, c, reduction=4):
        super().__init__()
        self.norm = GroupNorm32(8, c)
        self.key = nn.Conv2d(c, 1, 1)
        self.mlp1 = nn.Conv2d(c, c // reduction, 1)
        self.mlp2 = nn.Conv2d(c // reduction, c, 1)
        nn.init.zeros_(self.mlp2.weight)
        nn.init.zeros_(self.mlp2.bias)

    def forward(self, h):
        hn = self.norm(h)
        n, c = hn.shape[0], hn.shape[1]
        w = torch.softmax(self.key(hn).reshape(n, 1, -1).float(), dim=-1).type(hn.dtype)  # [N,1,HW]
        ctx = torch.matmul(hn.reshape(n, c, -1), w.transpose(1, 2)).reshape(n, c, 1, 1)   # [N,C,1,1]
        return h + self.mlp2(F.silu(self.mlp1(ctx)))


class UNetV2(nn.Module):
    """Levels at H/r, H/2r, …: `chans[i]` channels and `blocks[i]` ResBlocks each way at level i.
    Down: strided 3×3 conv to the next width. Up: nearest ×2 + 1×1 conv to the level's width,
    then ResBlocks on [h, skip] concatenations ('cat') or on h + skip ('add': the decoder's
    blocks cost what the encoder's do, which buys width at the low levels within the file-size
    budget); `skip` is one mode or one per level."""

    def __init__(self, chans=(32, 64, 128, 192), blocks=(1, 1, 2, 2), unshuffle=2, gc=True, tdim=128,
                 mid_blocks=2, up_blocks=None, skip='cat'):
        super().__init__()
        skips_mode = (skip,) * len(chans) if isinstance(skip, str) else tuple(skip)
        assert len(skips_mode) == len(chans) and set(skips_mode) <= {'cat', 'add'}
        assert len(chans) == len(blocks)
        up_blocks = tuple(up_blocks) if up_blocks is not None else tuple(blocks)
        self.r = unshuffle
        self.tch = 64
        self.time = nn.Sequential(nn.Linear(self.tch, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.inp = nn.Conv2d(3 * unshuffle ** 2, chans[0], 3, padding=1)
        self.down = nn.ModuleList()
        skips = []
        c = chans[0]
        for i, (ci, bi) in enumerate(zip(chans, blocks)):
            for _ in range(bi):
                self.down.append(ResBlock(c, ci, tdim))
                c = ci
                skips.append(c)
            if i < len(chans) - 1:
                self.down.append(nn.Conv2d(c, chans[i + 1], 3, stride=2, padding=1))
                c = chans[i + 1]
        self.mid = nn.ModuleList(ResBlock(c, c, tdim) for _ in range(mid_blocks))
        self.gc = GlobalContext(c) if gc else None
        self.up = nn.ModuleList()
        for i in reversed(range(len(chans))):
            if i < len(chans) - 1:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(c, chans[i], 1)))
                c = chans[i]
            for _ in range(up_blocks[i]):
                s = skips.pop() if skips and len(skips) > sum(blocks[:i]) else 0
                cat = s > 0 and skips_mode[i] == 'cat'
                self.up.append(ResBlock(c + s if cat else c, chans[i], tdim))
                self.up[-1].skip_mode = ('cat' if cat else 'add') if s > 0 else None
                c = chans[i]
        assert not skips, 'every encoder output feeds the decoder'
        self.out_norm = GroupNorm32(8, c)
        self.out = nn.Conv2d(c, 3 * unshuffle ** 2, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.multiple = unshuffle * 2 ** (len(chans) - 1)

    def forward(self, x, t):
        temb = self.time(timestep_embedding(t, self.tch))
        h = self.inp(F.pixel_unshuffle(x, self.r) if self.r > 1 else x)
        hs = []
        for layer in self.down:
            if isinstance(layer, ResBlock):
                h = layer(h, temb)
                hs.append(h)
            else:
                h = layer(h)
        for layer in self.mid:
            h = layer(h, temb)
        if self.gc is not None:
            h = self.gc(h)
        for layer in self.up:
            if isinstance(layer, ResBlock):
                if layer.skip_mode is not None:
                    h = torch.cat([h, hs.pop()], dim=1) if layer.skip_mode == 'cat' else h + hs.pop()
                h = layer(h, temb)
            else:
                h = layer(h)
        h = self.out(F.silu(self.out_norm(h)))
        return F.pixel_shuffle(h, self.r) if self.r > 1 else h


def grow_model(small, big_arch):
    """A UNetV2 of `big_arch` that computes exactly what `small` does: every tensor of `small` is
    copied by name (same shape), and each tensor `big_arch` adds must belong to a ResBlock that
    `small` lacks entirely, whose second convolution is zeroed so the block starts as the identity
    (h + 0), and the two are checked to agree on a random input. Returns (model in eval mode,
    names of the added ResBlocks). Growing instead of training a larger
    network from scratch keeps what the CPU already learnt and spends new training on the new blocks."""
    big = UNetV2(**big_arch)
    src = small.state_dict()
    sd = big.state_dict()
    missing = sorted(set(src) - set(sd))
    if missing:
        raise ValueError(f'the larger arch has no place for {missing[:5]}')
    for k, v in src.items():
        if sd[k].shape != v.shape:
            raise ValueError(f'{k}: shape {tuple(v.shape)} does not fit {tuple(sd[k].shape)}')
    added = sorted({k.rsplit('.', 2)[0] for k in set(sd) - set(src)})
    blocks = dict(big.named_modules())
    for name in added:
        if not isinstance(blocks.get(name), ResBlock) or any(k.startswith(name + '.') for k in src):
            raise ValueError(f'{name}: only whole new ResBlocks can be added')
        if not isinstance(blocks[name].skip, nn.Identity):
            raise ValueError(f'{name}: a new ResBlock must keep its width (identity skip)')
    new_sd = dict(sd)
    new_sd.update(src)
    for name in added:
        new_sd[f'{name}.conv2.weight'] = torch.zeros_like(sd[f'{name}.conv2.weight'])
        new_sd[f'{name}.conv2.bias'] = torch.zeros_like(sd[f'{name}.conv2.bias'])
    big.load_state_dict(new_sd)
    # the promise itself, checked: ε̂ of both on one random input (any shift of a trained tensor
    # to the wrong block, which names alone cannot rule out, shows here)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([100.0, 700.0])
    was_training = small.training
    small.eval()
    big.eval()
    with torch.no_grad():
        diff = (big(x, t) - small(x, t)).abs().max().item()
    small.train(was_training)
    if diff > 1e-5:
        raise ValueError(f'the grown network does not compute what the trained one does (max |Δε̂| {diff:.2e})')
    return big, added


def macs(model, size=256):
    """Multiply-accumulates of the convolutions and linears for one image of size² (a cost proxy)."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += out.numel() * m.in_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size), torch.zeros(1))
    for h in hs:
        h.remove()
    return total[0]


# Named architectures (bench/v2-percall.mjs and the README record each one's per-call time).
ARCHS = {
    # 4 levels at H/2 … H/16, additive skips, global context at the bottom
    'v2-s2-add': dict(chans=(32, 64, 128, 192), blocks=(1, 1, 1, 1), unshuffle=2, mid_blocks=1, skip='add'),
    # concatenated skips at the two top levels (cheap there), added below; two decoder blocks on top
    'v2-mix160': dict(chans=(32, 64, 128, 160), blocks=(1, 1, 1, 1), up_blocks=(2, 2, 1, 1), unshuffle=2,
                      mid_blocks=2, skip=('cat', 'cat', 'add', 'add')),
    'v2-mix160b': dict(chans=(32, 64, 128, 160), blocks=(1, 1, 2, 1), up_blocks=(2, 2, 2, 1), unshuffle=2,
                       mid_blocks=1, skip=('cat', 'cat', 'add', 'add')),
    'v2-mix40': dict(chans=(40, 80, 128, 176), blocks=(1, 1, 1, 1), up_blocks=(2, 2, 1, 1), unshuffle=2,
                     mid_blocks=1, skip=('cat', 'cat', 'add', 'add')),
}
# v2-mix160b and two more ResBlocks at the top level (H/2) after the last skip, where the decoder
# makes the pixel-scale detail: +0.6 GMAC; grow_model() seeds it from trained v2-mix160b weights
ARCHS['v2-mix160b-top2'] = dict(ARCHS['v2-mix160b'], up_blocks=(4, 2, 2, 1))
# three more there (+0.9 GMAC): session 14 found texture where the top2 blocks were added, still
# gaining when it stopped; grown from a trained top2 pack (the new blocks are up.12 … up.14)
ARCHS['v2-mix160b-top5'] = dict(ARCHS['v2-mix160b'], up_blocks=(7, 2, 2, 1))
V2_ARCH = 'v2-mix160b'


if __name__ == '__main__':
    # params and multiply-accumulates at 256² of every named architecture (and v1 for scale)
    from unet import UNet
    v1 = UNet(ch=32, mults=(1, 2, 2, 2), blocks=1)
    print(f'{"v1 (models/default)":22s} {count_params(v1) / 1e6:5.2f} M params {macs(v1) / 1e9:6.2f} GMAC')
    for name, a in ARCHS.items():
        m = UNetV2(**a)
        print(f'{name:22s} {count_params(m) / 1e6:5.2f} M params {macs(m) / 1e9:6.2f} GMAC  multiple {m.multiple}'
              f'{"  (V2_ARCH)" if name == V2_ARCH else ""}')
