"""How much fine detail each training source has, on the measure of the flat-guide evaluation:
the std of the 4-neighbour Laplacian of the luminance (Rec. 601, [0, 1]) over interior pixels of
256² crops. laplacian_std restates src/cli/eval/image-stats.ts's laplacianStd for torch batches
(the evaluation is TypeScript, the training data lives here). On the committed held-out crops
both give 0.0932 (models/default/eval/results.md).

    /usr/bin/python3 models/train/v2/data_detail.py

Prints the mean over crops drawn the way training draws them (data.CropSampler) from the
training photographs (by short side), from the procedural scenes, and over the committed
held-out photo crops (models/eval/photos-heldout, the evaluation's reference).
"""
import glob
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, TRAIN)
from data import CropSampler, render_scenes  # noqa: E402
from photos import load_photos  # noqa: E402


def laplacian_std(x):
    """[N,3,H,W] in [-1, 1] -> [N]: std of the luminance's 4-neighbour Laplacian, interior pixels."""
    y = (x + 1) / 2
    lum = 0.299 * y[:, 0] + 0.587 * y[:, 1] + 0.114 * y[:, 2]
    lap = (4 * lum[:, 1:-1, 1:-1] - lum[:, :-2, 1:-1] - lum[:, 2:, 1:-1] - lum[:, 1:-1, :-2] - lum[:, 1:-1, 2:])
    return lap.flatten(1).std(1)


def crops_detail(sampler, g, batches=16):
    return torch.cat([laplacian_std(sampler.sample(16, g)) for _ in range(batches)])


def main():
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(0)
    photos = load_photos('train', 1024)  # train_v2.py's default --photo-max-short
    shorts = np.array([min(p.shape[:2]) for p in photos])
    v = crops_detail(CropSampler(photos, 256, 'cpu'), g)
    print(f'training photographs ({len(photos)}): crops {v.mean():.4f} (median {v.median():.4f})')
    for lo, hi in [(0, 400), (400, 700), (700, 1 << 30)]:
        some = [p for p, s in zip(photos, shorts) if lo <= s < hi]
        if some:
            v = crops_detail(CropSampler(some, 256, 'cpu'), g, 8)
            print(f'  short side {lo}–{hi if hi < 1 << 30 else "…"} px ({len(some)}): {v.mean():.4f}')
    v = crops_detail(CropSampler(render_scenes(200, 256, workers=1), 256, 'cpu'), g)
    print(f'procedural scenes (200): crops {v.mean():.4f} (median {v.median():.4f})')
    from PIL import Image
    files = sorted(glob.glob(os.path.join(os.path.dirname(TRAIN), 'eval', 'photos-heldout', '*.png')))
    x = torch.stack([torch.from_numpy(np.asarray(Image.open(f).convert('RGB'), dtype=np.float32)).permute(2, 0, 1) / 127.5 - 1
                     for f in files])
    print(f'committed held-out photo crops ({len(files)}): {laplacian_std(x).mean():.4f}')


if __name__ == '__main__':
    main()
