"""A small, fully convolutional ε-prediction UNet (no attention), so the same weights run at
64², 256² or 512². Time embedding: sinusoidal of the DDPM timestep index (0..999), then an MLP.

GroupNorm runs in fp32 even under bf16 autocast (torch 1.13 on CPU rejects bf16 GroupNorm)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupNorm32(nn.GroupNorm):
    def forward(self, x):
        return F.group_norm(x.float(), self.num_groups, self.weight, self.bias, self.eps).type(x.dtype)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim, groups=8):
        super().__init__()
        self.norm1 = GroupNorm32(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(tdim, cout)
        self.norm2 = GroupNorm32(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(temb)[:, :, None, None].type(h.dtype)
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """Levels of `ch * mult`, `blocks` ResBlocks per level on the way down, blocks+1 up.
    Downsampling by strided conv, upsampling by nearest + conv: spatial multiple 2**(levels-1)."""

    def __init__(self, ch=32, mults=(1, 2, 2, 4), blocks=1, tdim_mult=4):
        super().__init__()
        self.ch = ch
        tdim = ch * tdim_mult
        self.time = nn.Sequential(nn.Linear(ch, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.inp = nn.Conv2d(3, ch, 3, padding=1)
        self.down = nn.ModuleList()
        chans = [ch]
        c = ch
        for i, m in enumerate(mults):
            for _ in range(blocks):
                self.down.append(ResBlock(c, ch * m, tdim))
                c = ch * m
                chans.append(c)
            if i < len(mults) - 1:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                chans.append(c)
        self.mid1 = ResBlock(c, c, tdim)
        self.mid2 = ResBlock(c, c, tdim)
        self.up = nn.ModuleList()
        for i, m in reversed(list(enumerate(mults))):
            for _ in range(blocks + 1):
                self.up.append(ResBlock(c + chans.pop(), ch * m, tdim))
                c = ch * m
            if i > 0:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(c, c, 3, padding=1)))
        self.out_norm = GroupNorm32(8, c)
        self.out = nn.Conv2d(c, 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.multiple = 2 ** (len(mults) - 1)

    def forward(self, x, t):
        temb = self.time(timestep_embedding(t, self.ch))
        h = self.inp(x)
        hs = [h]
        for layer in self.down:
            h = layer(h, temb) if isinstance(layer, ResBlock) else layer(h)
            hs.append(h)
        h = self.mid2(self.mid1(h, temb), temb)
        for layer in self.up:
            if isinstance(layer, ResBlock):
                h = layer(torch.cat([h, hs.pop()], dim=1), temb)
            else:
                h = layer(h)
        return self.out(F.silu(self.out_norm(h)))


def count_params(model):
    return sum(p.numel() for p in model.parameters())
