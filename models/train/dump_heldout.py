"""Render the held-out evaluation scenes (seeds from HELDOUT_SEED_BASE, never used in training)
to PNGs, so the evaluation and CI need neither torch nor this generator.

    /usr/bin/python3 models/train/dump_heldout.py --n 32 --out models/eval/heldout
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png_io import write_png  # noqa: E402
from scenes import HELDOUT_SEED_BASE, scene  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--n', type=int, default=32)
ap.add_argument('--size', type=int, default=256)
ap.add_argument('--out', default='models/eval/heldout')
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
for i in range(args.n):
    seed = HELDOUT_SEED_BASE + i
    write_png(os.path.join(args.out, f'scene-{seed}.png'), scene(seed, args.size))
print(f'wrote {args.n} held-out scenes to {args.out}')
