"""Training batches for v2: random multi-scale crops of real photographs mixed with procedural
scenes, on any torch device (CPU here, CUDA on a GPU machine).

Every image is kept as a float pyramid (full, 1/2, 1/4, … by 2×2 area averaging). A crop of side
`s` source pixels resampled to res² is read from the pyramid level where the reduction left is in
[1, 2) and bilinearly sampled there (grid_sample): antialiased like mip-mapping, and one small
kernel per crop, so the CPU recipe and the GPU one run the same code.

- photographs: models/train/photos.py's train split (never the held-out ones); crop side
  log-uniform between res and the photo's short side (whole-photo views … native pixels);
- scenes: models/train/scenes.py seeds 0..n-1 (with boats on their water if asked) rendered at 256² (in parallel worker processes,
  cached as .npy), crop side log-uniform between res and 256;
- horizontal flips half the time; the share of photographs per batch is Binomial(bs, share).
"""
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

TRAIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAIN_DIR)


def _render(args):
    seed, size, boats = args
    torch.set_num_threads(1)
    from scenes import scene
    return scene(seed, size, boats)


def render_scenes(n, size=256, cache_dir=os.path.join(TRAIN_DIR, 'cache'), workers=None, boats=False):
    """uint8 [n, size, size, 3] of scenes 0..n-1, cached (without boats: the same file as
    train.py's load_scenes)."""
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f'scenes_{n}_{size}{"_boats" if boats else ""}.npy')
    if os.path.exists(path):
        return np.load(path, mmap_mode='r')
    workers = workers or max(1, min(16, (os.cpu_count() or 1)))
    t = time.time()
    jobs = [(i, size, boats) for i in range(n)]
    if workers == 1:
        imgs = [_render(j) for j in jobs]
    else:
        with mp.get_context('spawn').Pool(workers) as pool:
            imgs = pool.map(_render, jobs, chunksize=8)
    data = np.stack(imgs)
    np.save(path + '.tmp.npy', data)
    os.replace(path + '.tmp.npy', path)
    print(f'rendered {n} scenes at {size}² with {workers} workers in {time.time() - t:.0f} s', flush=True)
    return data


def pyramid(img, min_side):
    """[3,H,W] float -> [img, img/2, …] down to a short side ≥ min_side."""
    levels = [img]
    while min(levels[-1].shape[-2:]) // 2 >= min_side:
        levels.append(F.avg_pool2d(levels[-1][None], 2)[0])
    return levels


def to_float(u8_hwc, device):
    return torch.from_numpy(np.array(u8_hwc)).to(device).permute(2, 0, 1).float() / 127.5 - 1


class CropSampler:
    """Random res² crops of a list of images (uint8 HWC arrays), as float [-1, 1] tensors.
    Images of one size (the scenes) are stacked per pyramid level and cropped in one batched
    grid_sample per level; images of different sizes (the photos) one by one."""

    def __init__(self, images, res, device):
        self.res = res
        self.device = device
        self.n = len(images)
        self.sizes = [a.shape[:2] for a in images]
        pyrs = [pyramid(to_float(a, device), res) for a in images]
        self.stacked = len(set(self.sizes)) == 1
        if self.stacked:
            self.levels = [torch.stack([p[k] for p in pyrs]) for k in range(len(pyrs[0]))]
        else:
            self.pyramids = pyrs

    def sample(self, n, g):
        """n crops: image uniform, side log-uniform in [res, short side], position uniform, a
        horizontal flip half the time."""
        idx = torch.randint(self.n, (n,), generator=g)
        u = torch.rand(n, 4, generator=g).double()
        theta = torch.zeros(n, 2, 3, dtype=torch.float64)
        level = []
        for j in range(n):
            h0, w0 = self.sizes[int(idx[j])]
            short = min(h0, w0)
            lo = min(self.res, short)
            side = math.exp(math.log(lo) + float(u[j, 0]) * (math.log(short) - math.log(lo)))
            cy = (side / 2 + float(u[j, 1]) * (h0 - side)) / h0   # window centre in [0, 1], inside
            cx = (side / 2 + float(u[j, 2]) * (w0 - side)) / w0
            # output [-1, 1]² -> the window in the source's normalised coordinates (any level)
            theta[j, 0, 0] = -side / w0 if u[j, 3] < 0.5 else side / w0
            theta[j, 0, 2] = cx * 2 - 1
            theta[j, 1, 1] = side / h0
            theta[j, 1, 2] = cy * 2 - 1
            n_levels = len(self.levels) if self.stacked else len(self.pyramids[int(idx[j])])
            # the level where the reduction left is in [1, 2)
            level.append(min(n_levels - 1, max(0, int(math.floor(math.log2(side / self.res))))))
        theta = theta.float().to(self.device)
        out = torch.empty(n, 3, self.res, self.res, device=self.device)
        size = (1, 3, self.res, self.res)
        if self.stacked:
            lv = torch.tensor(level)
            for k in lv.unique().tolist():
                sel = (lv == k).nonzero()[:, 0]
                grid = F.affine_grid(theta[sel.to(self.device)], (len(sel), 3, self.res, self.res), align_corners=False)
                imgs = self.levels[k][idx[sel].to(self.device)]
                out[sel.to(self.device)] = F.grid_sample(imgs, grid, mode='bilinear', padding_mode='reflection',
                                                         align_corners=False)
        else:
            for j in range(n):
                img = self.pyramids[int(idx[j])][level[j]]
                grid = F.affine_grid(theta[j:j + 1], size, align_corners=False)
                out[j] = F.grid_sample(img[None], grid, mode='bilinear', padding_mode='reflection', align_corners=False)[0]
        return out


class MixedBatches:
    """Batches of res² crops: photographs with probability `photo_share`, else procedural scenes."""

    def __init__(self, res, device, photo_share=0.5, scenes=1200, photo_max_short=1024, workers=None, boats=False):
        self.photo_share = photo_share
        self.scenes = (CropSampler(render_scenes(scenes, 256, workers=workers, boats=boats), res, device)
                       if photo_share < 1 else None)
        self.photos = None
        self.n_photos = 0
        if photo_share > 0:
            from photos import load_photos
            imgs = load_photos('train', max_short=photo_max_short)
            self.n_photos = len(imgs)
            self.photos = CropSampler(imgs, res, device)

    def __call__(self, bs, g):
        k = int((torch.rand(bs, generator=g) < self.photo_share).sum())
        parts = []
        if k:
            parts.append(self.photos.sample(k, g))
        if bs - k:
            parts.append(self.scenes.sample(bs - k, g))
        return torch.cat(parts)
