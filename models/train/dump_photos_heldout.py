"""Cut the HELD-OUT photographs (photos-manifest.json, split "heldout") into small PNG crops for
the v1/v2 comparison (`npm run eval -- --compare`), with a README crediting each source, so the
evaluation reads committed files and never needs the Debian packages.

    PHOTO_ROOTS=models/train/cache/debs/skimage \\
      /usr/bin/python3 models/train/dump_photos_heldout.py --out models/eval/photos-heldout

Per photograph: GUIDES crops named guide-<photo>-NN.png (the first is the centred whole-photo
square, the others random squares) and REFS crops named ref-<photo>-NN.png (other random squares,
from their own random stream). Sorted by name every guide comes before every reference, which is
how the evaluation splits them (--scenes / --refs). Square sides are log-uniform between
MIN_FRAC of the photo's short side (at least SIZE native pixels) and the whole short side, resampled
to SIZE² with area averaging; no flips (evaluation data). Deterministic: one seed.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from photos import load_manifest, load_photos, write_atomic, _centre_square  # noqa: E402

# the panel's default working size (src/protocol.ts DEFAULT_SETTINGS.size), where the comparison runs
SIZE = 256
GUIDES = 4
REFS = 11
MIN_FRAC = 0.3
SEED = 20261201


def crops(photo, rng, n, size, whole_first):
    from PIL import Image
    h, w = photo.shape[:2]
    short = min(h, w)
    lo = min(short, max(size, MIN_FRAC * short))
    im = Image.fromarray(photo)
    out = []
    for k in range(n):
        if whole_first and k == 0:
            box = _centre_square(photo.shape)
        else:
            side = float(np.exp(rng.uniform(np.log(lo), np.log(short))))
            y0 = rng.uniform(0, h - side)
            x0 = rng.uniform(0, w - side)
            box = (x0, y0, x0 + side, y0 + side)
        out.append(im.resize((size, size), Image.BOX, box=box))
    return out


def save_atomic(img, path):
    tmp = path + '.tmp.png'
    img.save(tmp, optimize=True)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default='models/eval/photos-heldout')
    ap.add_argument('--split', default='heldout', choices=('heldout', 'heldout2'),
                    help='heldout: the committed set; heldout2: the second, broader set of session 8 '
                         '(not committed: dump it where it is needed, e.g. eval/out/photos-heldout2)')
    ap.add_argument('--guides', type=int, default=GUIDES, help='guide crops per photograph')
    ap.add_argument('--refs', type=int, default=REFS, help='reference crops per photograph')
    a = ap.parse_args()
    m = load_manifest()
    held = [p for p in m['photos'] if p['split'] == a.split]
    guides, refs = a.guides, a.refs
    os.makedirs(a.out, exist_ok=True)
    # an earlier dump's crops go (a set of other photographs would leave stale ones); nothing else
    # in the folder is touched, since --out may name any folder
    ours = lambda f: f.endswith('.png') and f.startswith(('guide-', 'ref-'))  # noqa: E731
    for f in os.listdir(a.out):
        if ours(f):
            os.remove(os.path.join(a.out, f))
    rows = []
    for k, (p, photo) in enumerate(zip(held, load_photos(a.split))):
        name = os.path.basename(p['path']).rsplit('.', 1)[0]
        files = []
        for kind, n, whole in (('guide', guides, True), ('ref', refs, False)):
            rng = np.random.default_rng([SEED, k, 0 if kind == 'guide' else 1])
            for j, c in enumerate(crops(photo, rng, n, SIZE, whole)):
                fn = f'{kind}-{name}-{j:02d}.png'
                save_atomic(c, os.path.join(a.out, fn))
                files.append(fn)
        rows.append((p, name, files))
    total = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out) if ours(f))
    lines = [
        '# Held-out photographs for the v1 / v2 comparison',
        '',
        f'Written by `models/train/dump_photos_heldout.py` (seed {SEED}): {len(held)} photographs that model v2 never',
        f'trained on (split "{a.split}" in models/train/photos-manifest.json), each cut into {guides} guide crops',
        f'(`guide-*`, the first the centred whole-photo square) and {refs} reference crops (`ref-*`) of {SIZE}×{SIZE} px:',
        f'squares of {MIN_FRAC:g}–1 × the short side, area-resampled. {len(held) * (guides + refs)} PNGs, {total / 1e6:.2f} MB.',
        '`npm run eval -- --compare DIR` turns the guide crops into stroke guides and measures KID against the',
        'reference crops (see models/default/eval/results.md).',
        '',
        '**These crops are modified (cropped, downscaled) versions of the photographs below and keep their',
        'licences**: each crop is licensed as its source is; the CC-BY-SA photograph\'s crops are CC-BY-SA.',
        '',
        '| crops | source file | Debian package | licence | copyright | shows |',
        '|---|---|---|---|---|---|',
    ]
    for p, name, files in rows:
        lic = p['licence'] + (f" ({p['licence_note']})" if p.get('licence_note') else '')
        lines.append(f"| `*-{name}-*` ({len(files)}) | `{p['path']}` (sha256 `{p['sha256'][:16]}…`) | {p['package']} | {lic} | {p['copyright']} | {p['shows']} |")
    lines += ['', 'Licence texts: CC-BY-4.0 https://creativecommons.org/licenses/by/4.0/, CC-BY-SA-4.0',
              'https://creativecommons.org/licenses/by-sa/4.0/, BSD-3-Clause per Debian\'s copyright file of',
              'python3-skimage (/usr/share/doc/python3-skimage/copyright).', '']
    write_atomic(os.path.join(a.out, 'README.md'), '\n'.join(lines))
    print(f'wrote {len(held) * (guides + refs)} crops of {len(held)} held-out photos ({total / 1e6:.2f} MB) to {a.out}')


if __name__ == '__main__':
    main()
