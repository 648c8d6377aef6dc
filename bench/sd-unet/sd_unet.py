#!/usr/bin/python3
"""SD-Turbo's UNet (SD 2.1's UNet2DConditionModel layout) in plain PyTorch, with random weights.

Written from the published config (stabilityai/sd-turbo unet/config.json) and the architecture's
description, for benchmarks only: the weights are random (fixed seed), so the outputs mean
nothing, but every layer has the real shape, so a call costs what a real SD-Turbo call costs.

    /usr/bin/python3 bench/sd-unet/sd_unet.py params [--config sd-turbo|small]
    /usr/bin/python3 bench/sd-unet/sd_unet.py export [--config ...] [--out bench/out/sd-unet]
    /usr/bin/python3 bench/sd-unet/sd_unet.py bench  [--config ...] [--latent 64] [--threads 2]
                                                     [--warmup 1] [--calls 3]

`export` writes unet/model.onnx + unet/model.onnx_data (opset 17, the published I/O names) and
assembles a pack folder around it (pack.py). `bench` times PyTorch CPU calls and prints one JSON
line. `small` is the same layout with block_out_channels [32, 64, 128, 128], for trying the
tooling in seconds.
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.dont_write_bytecode = True

SEED = 20251201
TEXT_SEQ = 77

# The fields of SD-Turbo's unet/config.json that decide the network (the same as SD 2.1's except
# sample_size). In diffusers' naming "attention_head_dim" [5, 10, 20, 20] is the number of heads
# per block (a historical misnomer): each head has 64 channels at every level.
CONFIGS = {
    'sd-turbo': {
        'in_channels': 4, 'out_channels': 4, 'block_out_channels': [320, 640, 1280, 1280],
        'layers_per_block': 2, 'attention_head_dim': [5, 10, 20, 20],
        'cross_attention_dim': 1024, 'norm_num_groups': 32, 'norm_eps': 1e-5, 'sample_size': 64,
        'down_block_types': ['CrossAttnDownBlock2D'] * 3 + ['DownBlock2D'],
        'up_block_types': ['UpBlock2D'] + ['CrossAttnUpBlock2D'] * 3,
    },
    'small': {
        'in_channels': 4, 'out_channels': 4, 'block_out_channels': [32, 64, 128, 128],
        'layers_per_block': 2, 'attention_head_dim': [1, 1, 2, 2],
        'cross_attention_dim': 1024, 'norm_num_groups': 32, 'norm_eps': 1e-5, 'sample_size': 64,
        'down_block_types': ['CrossAttnDownBlock2D'] * 3 + ['DownBlock2D'],
        'up_block_types': ['UpBlock2D'] + ['CrossAttnUpBlock2D'] * 3,
    },
}

# SD 2.1's UNet2DConditionModel, counted with diffusers (public figure, e.g. the model card's
# "865M"; 865,910,724 exactly).
SD21_UNET_PARAMS = 865_910_724


# ----------------------------------------------------------------------------------------------
# Building blocks
# ----------------------------------------------------------------------------------------------

def conv3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class TimestepFeatures(nn.Module):
    """Sinusoidal features of the timestep: [cos | sin] (cos first: flip_sin_to_cos), frequencies
    exp(-ln(10000)·i/half) for i < half (freq_shift 0)."""

    def __init__(self, dim):
        super().__init__()
        half = dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        self.register_buffer('freqs', freqs, persistent=False)

    def forward(self, t):
        angles = t.float()[:, None] * self.freqs[None, :]
        return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, the time embedding added between; 1×1 shortcut when the
    channel count changes."""

    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = conv3(cin, cout)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = conv3(cout, cout)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        skip = x if self.conv_shortcut is None else self.conv_shortcut(x)
        return skip + h


class Attention(nn.Module):
    """Multi-head scaled dot-product attention; q/k/v without bias, output projection with."""

    def __init__(self, dim, context_dim, heads, head_dim):
        super().__init__()
        inner = heads * head_dim
        self.heads, self.head_dim = heads, head_dim
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Linear(inner, dim)

    def split(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, context):
        q, k, v = self.split(self.to_q(x)), self.split(self.to_k(context)), self.split(self.to_v(context))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (self.head_dim ** -0.5)
        y = torch.matmul(scores.softmax(dim=-1), v)
        b, _, n, _ = y.shape
        return self.to_out(y.permute(0, 2, 1, 3).reshape(b, n, self.heads * self.head_dim))


class GegluFeedForward(nn.Module):
    """Linear to 2×(4·dim), one half gating the other through GELU, linear back to dim."""

    def __init__(self, dim, mult=4):
        super().__init__()
        self.proj = nn.Linear(dim, 2 * mult * dim)
        self.out = nn.Linear(mult * dim, dim)

    def forward(self, x):
        value, gate = self.proj(x).chunk(2, dim=-1)
        return self.out(value * F.gelu(gate))


class TransformerBlock(nn.Module):
    """Pre-LayerNorm self-attention, cross-attention on the text, GEGLU feed-forward, each
    residual."""

    def __init__(self, dim, context_dim, heads, head_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, dim, heads, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, context_dim, heads, head_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = GegluFeedForward(dim)

    def forward(self, x, context):
        h = self.norm1(x)
        x = x + self.attn1(h, h)
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class SpatialTransformer(nn.Module):
    """GroupNorm, pixels as tokens, linear projection in (use_linear_projection), one transformer
    block, linear projection out, residual."""

    def __init__(self, channels, context_dim, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, channels)
        self.block = TransformerBlock(channels, context_dim, heads, channels // heads)
        self.proj_out = nn.Linear(channels, channels)

    def forward(self, x, context):
        b, c, h, w = x.shape
        tokens = self.norm(x).permute(0, 2, 3, 1).reshape(b, h * w, c)
        tokens = self.proj_out(self.block(self.proj_in(tokens), context))
        return x + tokens.reshape(b, h, w, c).permute(0, 3, 1, 2)


class Upsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = conv3(channels, channels)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class Level(nn.Module):
    """One resolution of the UNet: resnets (each followed by a spatial transformer when the
    block has attention), then an optional resampler."""

    def __init__(self, cins, cout, temb, heads, context_dim, groups, eps, resample):
        super().__init__()
        self.resnets = nn.ModuleList(ResBlock(c, cout, temb, groups, eps) for c in cins)
        self.attentions = nn.ModuleList(
            SpatialTransformer(cout, context_dim, heads, groups) for _ in cins) if heads else None
        self.resample = resample

    def run_layer(self, i, x, temb, context):
        x = self.resnets[i](x, temb)
        return self.attentions[i](x, context) if self.attentions is not None else x


class SDUNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch = cfg['block_out_channels']
        heads = cfg['attention_head_dim']
        n = cfg['layers_per_block']
        g, eps, ctx = cfg['norm_num_groups'], cfg['norm_eps'], cfg['cross_attention_dim']
        temb = 4 * ch[0]
        self.time_features = TimestepFeatures(ch[0])
        self.time_embedding = nn.Sequential(nn.Linear(ch[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = conv3(cfg['in_channels'], ch[0])

        self.down = nn.ModuleList()
        skips = [ch[0]]   # channels of each skip, in the order they are produced
        cin = ch[0]
        for i, cout in enumerate(ch):
            last = i == len(ch) - 1
            attn = heads[i] if cfg['down_block_types'][i].startswith('CrossAttn') else 0
            self.down.append(Level([cin] + [cout] * (n - 1), cout, temb, attn, ctx, g, eps,
                                   None if last else conv3(cout, cout, stride=2)))
            skips += [cout] * (n + (0 if last else 1))
            cin = cout

        self.mid_res1 = ResBlock(ch[-1], ch[-1], temb, g, eps)
        self.mid_attn = SpatialTransformer(ch[-1], ctx, heads[-1], g)
        self.mid_res2 = ResBlock(ch[-1], ch[-1], temb, g, eps)

        self.up = nn.ModuleList()
        rch, rheads = ch[::-1], heads[::-1]
        prev = ch[-1]
        for i, cout in enumerate(rch):
            last = i == len(rch) - 1
            cins = []
            for _ in range(n + 1):
                cins.append(prev + skips.pop())
                prev = cout
            attn = rheads[i] if cfg['up_block_types'][i].startswith('CrossAttn') else 0
            self.up.append(Level(cins, cout, temb, attn, ctx, g, eps, None if last else Upsample(cout)))

        self.norm_out = nn.GroupNorm(g, ch[0], eps=eps)
        self.conv_out = conv3(ch[0], cfg['out_channels'])

    def forward(self, sample, timestep, encoder_hidden_states):
        t = timestep.reshape(-1).expand(sample.shape[0])
        temb = self.time_embedding(self.time_features(t))
        x = self.conv_in(sample)
        skips = [x]
        for level in self.down:
            for i in range(len(level.resnets)):
                x = level.run_layer(i, x, temb, encoder_hidden_states)
                skips.append(x)
            if level.resample is not None:
                x = level.resample(x)
                skips.append(x)
        x = self.mid_res2(self.mid_attn(self.mid_res1(x, temb), encoder_hidden_states), temb)
        for level in self.up:
            for i in range(len(level.resnets)):
                x = level.run_layer(i, torch.cat([x, skips.pop()], dim=1), temb, encoder_hidden_states)
            if level.resample is not None:
                x = level.resample(x)
        return self.conv_out(F.silu(self.norm_out(x)))


def build(config):
    torch.manual_seed(SEED)
    with torch.no_grad():
        model = SDUNet(CONFIGS[config]).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def inputs(config, latent, seed=1):
    gen = torch.Generator().manual_seed(seed)
    cfg = CONFIGS[config]
    sample = torch.randn(1, cfg['in_channels'], latent, latent, generator=gen)
    timestep = torch.tensor([499], dtype=torch.int64)
    ehs = torch.randn(1, TEXT_SEQ, cfg['cross_attention_dim'], generator=gen)
    return sample, timestep, ehs


# ----------------------------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------------------------

def cmd_params(a):
    model = build(a.config)
    n = param_count(model)
    line = {'config': a.config, 'params': n}
    if a.config == 'sd-turbo':
        line['sd21_params'] = SD21_UNET_PARAMS
        line['relative_difference'] = (n - SD21_UNET_PARAMS) / SD21_UNET_PARAMS
    print(json.dumps(line))


def cmd_bench(a):
    torch.set_num_threads(a.threads)
    t = time.perf_counter()
    model = build(a.config)
    build_ms = (time.perf_counter() - t) * 1e3
    x = inputs(a.config, a.latent)
    times = []
    with torch.no_grad():
        for i in range(a.warmup + a.calls):
            t = time.perf_counter()
            out = model(*x)
            if i >= a.warmup:
                times.append((time.perf_counter() - t) * 1e3)
    assert torch.isfinite(out).all(), 'non-finite output'
    print(json.dumps({
        'runtime': 'pytorch-cpu', 'torch': torch.__version__, 'config': a.config,
        'params': param_count(model), 'latent': a.latent, 'threads': torch.get_num_threads(),
        'build_ms': round(build_ms, 1), 'warmup': a.warmup, 'calls_ms': [round(v, 1) for v in times],
        'out_std': float(out.std()),
    }))


def cmd_export(a):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from pack import assemble_pack, consolidate_external_data

    model = build(a.config)
    params = param_count(model)
    print(f'{a.config}: {params:,} parameters', flush=True)
    os.makedirs(a.out, exist_ok=True)

    # A check the ONNX side can repeat: inputs and PyTorch's output at a small latent size.
    x = inputs(a.config, a.check_latent)
    with torch.no_grad():
        out = model(*x)
    check = {'config': a.config, 'latent': a.check_latent, 'timestep': int(x[1][0]),
             'sample': x[0].flatten().tolist(), 'encoder_hidden_states': x[2].flatten().tolist(),
             'out_sample': out.flatten().tolist()}
    with open(os.path.join(a.out, 'check.json.tmp'), 'w') as f:
        json.dump(check, f)
    os.replace(os.path.join(a.out, 'check.json.tmp'), os.path.join(a.out, 'check.json'))

    # torch writes a model over 2 GB as one file per tensor beside the graph: export into a
    # scratch folder, then gather the tensors into unet/model.onnx_data.
    scratch = os.path.join(a.out, 'export-scratch')
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    raw = os.path.join(scratch, 'model.onnx')
    t = time.perf_counter()
    with torch.no_grad():
        torch.onnx.export(
            model, inputs(a.config, a.trace_latent), raw, opset_version=17,
            input_names=['sample', 'timestep', 'encoder_hidden_states'], output_names=['out_sample'],
            dynamic_axes={'sample': {0: 'batch', 2: 'height', 3: 'width'},
                          'encoder_hidden_states': {0: 'batch', 1: 'sequence'},
                          'out_sample': {0: 'batch', 2: 'height', 3: 'width'}},
            do_constant_folding=True)
    print(f'exported in {time.perf_counter() - t:.1f} s', flush=True)
    del model
    unet_dir = os.path.join(a.out, 'unet')
    consolidate_external_data(raw, unet_dir)
    shutil.rmtree(scratch)

    assemble_pack(a.out, CONFIGS[a.config], params)
    sizes = {f: os.path.getsize(os.path.join(unet_dir, f)) for f in sorted(os.listdir(unet_dir))}
    print(json.dumps({'config': a.config, 'params': params, 'unet_files': sizes}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    for name in ('params', 'export', 'bench'):
        s = sub.add_parser(name)
        s.add_argument('--config', choices=sorted(CONFIGS), default='sd-turbo')
    e = sub.choices['export']
    e.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'out', 'sd-unet'))
    e.add_argument('--trace-latent', type=int, default=8, help='latent side traced (shapes stay dynamic)')
    e.add_argument('--check-latent', type=int, default=16, help='latent side of check.json')
    b = sub.choices['bench']
    b.add_argument('--latent', type=int, default=64)
    b.add_argument('--threads', type=int, default=2)
    b.add_argument('--warmup', type=int, default=1)
    b.add_argument('--calls', type=int, default=3)
    a = p.parse_args()
    {'params': cmd_params, 'export': cmd_export, 'bench': cmd_bench}[a.cmd](a)


if __name__ == '__main__':
    main()
