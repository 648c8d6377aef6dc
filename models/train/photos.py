"""Real photographs from Debian packages, for training model v2 beside the procedural scenes.

    bash models/train/get-photos.sh                          # install the packages (root)
    /usr/bin/python3 models/train/photos.py --write          # rebuild photos-manifest.json
    /usr/bin/python3 models/train/photos.py --check          # every listed file present, same sha256
    /usr/bin/python3 models/train/photos.py --copy DIR       # copy the photos (paths kept) for a
                                                             # machine without the packages
    /usr/bin/python3 models/train/photos.py --sheet out.png  # crops as training sees them
    /usr/bin/python3 models/train/photos.py --dump-heldout eval/out/heldout-photos --per-photo 8
                                 # 256² PNG crops of the HELD-OUT photos for `npm run eval --heldout`
                                 # (photo by photo in file order: the first crops come from the
                                 # first photos, so --scenes/--refs split by photo)

Which files count as photographs is decided by hand, file by file, in PHOTOS below (the rule:
a colour photograph taken with a camera of a real scene or object; not vector or rendered
art, logos, abstract gradients, greyscale, scientific imaging, nor a heavily colour-graded
composite; and only with a per-file free licence). Every other image of the scanned packages is
listed in the manifest's `excluded` with the reason. The split is by image: HELDOUT photos are
never cropped for training (they are the evaluation's real photographs).

Licences come from each package's /usr/share/doc/<pkg>/copyright (machine-readable DEP-5: the
last `Files:` paragraph whose pattern matches the file's name wins; `debian/*` paragraphs cover
the packaging only), except for palapeli-data, whose copyright file covers the code and whose
puzzle photographs carry their own licence, author and Wikimedia Commons source in the
`<name>.desktop` file beside each (read by `desktop_licence`). python3-skimage's
copyright covers its sample data with the code's BSD-3-Clause; its data module documents each
photograph's own status, recorded as `licence_note`.

Never used: mate-backgrounds and plasma-workspace-wallpapers (reserved for the independent
evaluation of the model): `load_photos` refuses a manifest that names a file of theirs.
"""
import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, 'photos-manifest.json')
RESERVED_PACKAGES = ('mate-backgrounds', 'plasma-workspace-wallpapers')
RESERVED_DIRS = ('/usr/share/backgrounds/mate', '/usr/share/wallpapers')
SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data'
# where get-photos.sh unpacks python3-skimage without installing it
EXTRA_ROOTS = (os.path.join(HERE, 'cache/debs/skimage'),)

# Packages scanned, and the image files of each that are photographs (basename -> what it shows).
SCANNED = ('gnome-backgrounds', 'ukui-wallpapers', 'lomiri-wallpapers', 'lomiri-wallpapers-16.04',
           'lomiri-wallpapers-20.04', 'sway-backgrounds', 'python3-skimage', 'palapeli-data')
PHOTOS = {
    'Bridge_by_Sander_Klootwijk.jpg': 'bridge cables over a beach and sea, sky',
    'Dragonfly_by_Bolly.jpg': 'dragonfly on a shrub, blue sky',
    'Picture_0B_by_freespace.jpg': 'a fig in a red bowl on concrete',
    'Picture_1A_by_freespace.jpg': 'paint brushes, close up',
    'Wine_by_Jakkub_Mede.jpg': 'interior: drum, table, wine bottle',
    'aitzgorri_by_Aitzol_Berasategi.jpg': 'mountain ridge over autumn forest and meadow',
    'analogpattern_by_Peter_Nerlich.jpg': 'macro photograph of a textured surface',
    'free_by_Peter_Nerlich.jpg': 'lamps and a toy bird, soft light',
    'friends_by_Aitzol_Berasategi.jpg': 'two dogs at a wooden window',
    'greentock_by_Peter_Nerlich.jpg': 'clock face, shallow depth of field',
    'life_by_Aitzol_Berasategi.jpg': 'forest stream over rocks',
    'picosdeeuropa_by_Aitzol_Berasategi.jpg': 'limestone peaks with snow, clouds, path in grass',
    'seeding_by_Clements_Engelhardt.jpg': 'dandelion clocks in a meadow, backlit',
    'sunset_by_Aitzol_Berasategi.jpg': 'sunset over hills and heath',
    'Kleiber_by_Lukas_Baubkus.jpg': 'nuthatch on a tree trunk, blurred background',
    'astronaut.png': 'portrait of an astronaut, flag, shuttle model',
    'chelsea.png': 'a cat, close up',
    'coffee.png': 'a cup of coffee on a wooden table',
    'rocket.jpg': 'rocket on its launch pad at dusk, towers, lights',
    'castle-maintenon.jpg': 'a château with towers, lawn, trees and a cloudy sky',
    'cincinnati-bridge.jpg': 'a suspension bridge lit at night over a river, reflections',
    'citrus-fruits.jpg': 'slices of oranges, lemons and limes, backlit',
    'european-honey-bee.jpg': 'a honey bee on a purple aster',
    'panther-chameleon-female.jpg': 'a chameleon on a branch among leaves',
}
# upstream statements for python3-skimage's photographs (skimage/data/_fetchers.py docstrings)
LICENCE_NOTES = {
    'astronaut.png': 'NASA; no known copyright restrictions, released into the public domain',
    'chelsea.png': 'CC0 by the photographer (Stefan van der Walt)',
    'coffee.png': 'CC0 by the photographer (Rachel Michetti)',
    'rocket.jpg': 'SpaceX; released into the public domain',
}
# held out by image for our own evaluation: a landscape, a sky scene, an animal, an interior
HELDOUT = {'picosdeeuropa_by_Aitzol_Berasategi.jpg', 'Bridge_by_Sander_Klootwijk.jpg',
           'chelsea.png', 'Wine_by_Jakkub_Mede.jpg'}
# why each other image of the scanned packages is left out (by basename; the rest: REASON_DEFAULT)
EXCLUDED = {
    'umang_by_Abhishek_Mudgal.jpg': 'abstract art',
    'Fossa_by_Jasper_Roks.jpg': 'abstract art',
    'Painting-Colors_by__herobrine7gamer.jpg': 'abstract art',
    'Infinite-Sea_by_Aury88.jpg': 'heavily colour-graded composite (sky and sea)',
    'hubble_deep_field.jpg': 'astronomical imaging',
    'retina.jpg': 'medical imaging',
    'ihc.png': 'microscopy',
    'motorcycle_left.png': 'no per-file licence stated (Middlebury stereo data)',
    'motorcycle_right.png': 'no per-file licence stated (Middlebury stereo data)',
    'camera.png': 'greyscale', 'coins.png': 'greyscale', 'moon.png': 'greyscale',
    'brick.png': 'greyscale', 'grass.png': 'greyscale', 'gravel.png': 'greyscale',
    'text.png': 'greyscale', 'page.png': 'greyscale', 'clock_motion.png': 'greyscale',
    'cell.png': 'microscopy', 'microaneurysms.png': 'medical imaging',
}
REASON_DEFAULT = 'not a photograph (vector, rendered or abstract art, logo, pattern or test image)'
IMAGE_EXT = ('.jpg', '.jpeg', '.png', '.webp')


# ---- the manifest ------------------------------------------------------------------------------

def dep5_paragraphs(text):
    """DEP-5 copyright file -> list of {field: value} (continuation lines joined by newlines)."""
    paras, cur, key = [], {}, None
    for line in text.splitlines() + ['']:
        if not line.strip():
            if cur:
                paras.append(cur)
            cur, key = {}, None
        elif line[0] in ' \t' and key:
            cur[key] += '\n' + line.strip()
        elif ':' in line:
            key, val = line.split(':', 1)
            cur[key] = val.strip()
    return paras


def licence_of(copyright_text, path):
    """(licence, copyright holder) of an installed file, by its name, from a DEP-5 text."""
    base = os.path.basename(path)
    found = None
    for p in dep5_paragraphs(copyright_text):
        if 'Files' not in p:
            continue
        # source-tree patterns, matched by file name; debian/* covers the packaging, never an image
        pats = [pat for pat in p['Files'].split() if not pat.startswith('debian/')]
        if any(pat == '*' or fnmatch.fnmatch(base, os.path.basename(pat)) for pat in pats):
            found = (p.get('License', '').split('\n')[0], p.get('Copyright', '').replace('\n', '; '))
    if not found:
        raise SystemExit(f'no copyright paragraph matches {path}')
    return found


# palapeli-data's .desktop licence names -> SPDX-like names
DESKTOP_LICENCES = {'FDL': 'GFDL-1.2+', 'GNU-FDL': 'GFDL-1.2+', 'Public Domain': 'public-domain'}


def desktop_licence(path):
    """(licence, author, source) of a palapeli puzzle photograph, from <name>.desktop beside it."""
    desk = os.path.splitext(resolve(path))[0] + '.desktop'
    if not os.path.exists(desk):
        raise SystemExit(f'no .desktop file with the licence of {path}')
    fields = {}
    for line in open(desk, encoding='utf-8'):
        if '=' in line and not line.startswith('['):
            k, v = line.rstrip('\n').split('=', 1)
            fields.setdefault(k, v)
    lic = fields.get('X-KDE-PluginInfo-License', '')
    if lic not in DESKTOP_LICENCES:
        raise SystemExit(f'{desk}: licence {lic!r} is not one this recipe knows to be free')
    return DESKTOP_LICENCES[lic], fields.get('X-KDE-PluginInfo-Author', ''), fields.get('X-KDE-PluginInfo-Website', '')


def package_files(pkg):
    """Installed image files of a package, or, for python3-skimage when it is only unpacked by
    get-photos.sh, the files under that unpacked tree (as their installed paths)."""
    r = subprocess.run(['dpkg', '-L', pkg], capture_output=True, text=True)
    if r.returncode == 0:
        files = r.stdout.split()
    elif pkg == 'python3-skimage' and os.path.isdir(EXTRA_ROOTS[0] + SKIMAGE_DATA):
        files = [os.path.join(SKIMAGE_DATA, f) for f in os.listdir(EXTRA_ROOTS[0] + SKIMAGE_DATA)]
    else:
        raise SystemExit(f'{pkg} is not installed: run bash models/train/get-photos.sh')
    if pkg == 'python3-skimage':
        files = [f for f in files if os.path.dirname(f) == SKIMAGE_DATA]
    return sorted(f for f in files if f.lower().endswith(IMAGE_EXT))


def resolve(path):
    """The file on this machine for a manifest path (installed, or under an extra root)."""
    for root in ('',) + EXTRA_ROOTS + tuple(os.environ.get('PHOTO_ROOTS', '').split(os.pathsep)):
        if root == '' and os.path.exists(path):
            return path
        if root and os.path.exists(root + path):
            return root + path
    return None


def copyright_text(pkg):
    for root in ('',) + EXTRA_ROOTS:
        p = f'{root}/usr/share/doc/{pkg}/copyright'
        if os.path.exists(p):
            return open(p, encoding='utf-8').read()
    raise SystemExit(f'no copyright file for {pkg}')


def build_manifest():
    from PIL import Image
    photos, excluded = [], []
    for pkg in SCANNED:
        text = copyright_text(pkg)
        for path in package_files(pkg):
            base = os.path.basename(path)
            if base not in PHOTOS:
                excluded.append({'path': path, 'package': pkg, 'reason': EXCLUDED.get(base, REASON_DEFAULT)})
                continue
            local = resolve(path)
            data = open(local, 'rb').read()
            w, h = Image.open(local).size
            if pkg == 'palapeli-data':
                lic, holder, source = desktop_licence(path)
            else:
                (lic, holder), source = licence_of(text, path), None
            entry = {'path': path, 'package': pkg, 'licence': lic, 'copyright': holder,
                     'sha256': hashlib.sha256(data).hexdigest(), 'bytes': len(data),
                     'size': [w, h], 'split': 'heldout' if base in HELDOUT else 'train',
                     'shows': PHOTOS[base]}
            if base in LICENCE_NOTES:
                entry['licence_note'] = LICENCE_NOTES[base]
            if source:
                entry['source'] = source
            photos.append(entry)
    missing = set(PHOTOS) - {os.path.basename(p['path']) for p in photos}
    if missing:
        raise SystemExit(f'listed photographs not found in the scanned packages: {sorted(missing)}')
    return {'about': 'Real photographs for training model v2 (models/train/photos.py decides and '
                     'documents which files count). split: train or heldout, by image.',
            'reserved_never_used': list(RESERVED_PACKAGES),
            'photos': photos, 'excluded': excluded}


def write_atomic(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def load_manifest(path=MANIFEST):
    m = json.load(open(path, encoding='utf-8'))
    for p in m['photos']:
        if p['package'] in RESERVED_PACKAGES or p['path'].startswith(RESERVED_DIRS):
            raise SystemExit(f'{p["path"]} belongs to a package reserved for evaluation: never train on it')
    return m


def check(m):
    bad = []
    for p in m['photos']:
        local = resolve(p['path'])
        if not local:
            bad.append(f'missing {p["path"]} ({p["package"]})')
        elif hashlib.sha256(open(local, 'rb').read()).hexdigest() != p['sha256']:
            bad.append(f'sha256 differs: {p["path"]}')
    return bad


# ---- training crops ----------------------------------------------------------------------------

def load_photos(split='train', max_short=1024, manifest=MANIFEST):
    """The split's photographs as uint8 RGB arrays, scaled (area) so the short side ≤ max_short."""
    from PIL import Image
    m = load_manifest(manifest)
    out = []
    for p in m['photos']:
        if p['split'] != split:
            continue
        local = resolve(p['path'])
        if not local:
            raise SystemExit(f'missing {p["path"]}: run bash models/train/get-photos.sh, or set '
                             'PHOTO_ROOTS to a folder made by photos.py --copy')
        im = Image.open(local).convert('RGB')
        s = min(im.size)
        if s > max_short:
            im = im.resize((round(im.size[0] * max_short / s), round(im.size[1] * max_short / s)), Image.BOX)
        out.append(np.asarray(im, dtype=np.uint8))
    return out


def photo_crops(photos, rng, n, res, min_frac=None):
    """n random res×res crops, uint8 [n, res, res, 3]: a random photo, a square window whose side
    is log-uniform between res·(1/min_frac) … the photo's short side (whole-photo views down to
    native-pixel detail), at a random place, resampled to res² (antialiased), flipped half the time."""
    from PIL import Image
    out = np.empty((n, res, res, 3), np.uint8)
    for k in range(n):
        a = photos[rng.integers(len(photos))]
        h, w = a.shape[:2]
        short = min(h, w)
        lo = res if min_frac is None else max(8, res * min_frac)
        side = float(np.exp(rng.uniform(np.log(min(lo, short)), np.log(short))))
        y0 = rng.uniform(0, h - side)
        x0 = rng.uniform(0, w - side)
        im = Image.fromarray(a).resize((res, res), Image.BILINEAR, box=(x0, y0, x0 + side, y0 + side))
        c = np.asarray(im)
        out[k] = c[:, ::-1] if rng.random() < 0.5 else c
    return out


def _centre_square(shape):
    h, w = shape[:2]
    s = min(h, w)
    return ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--write', action='store_true', help='rebuild photos-manifest.json from the installed packages')
    ap.add_argument('--check', action='store_true', help='check every listed photo is here with its sha256')
    ap.add_argument('--copy', metavar='DIR', help='copy the listed photos under DIR, keeping their paths')
    ap.add_argument('--sheet', metavar='PNG', help='write a sheet of 64² training crops')
    ap.add_argument('--dump-heldout', metavar='DIR', help='write 256² PNG crops of the held-out photos')
    ap.add_argument('--per-photo', type=int, default=8, help='crops per held-out photo (--dump-heldout)')
    a = ap.parse_args()
    if a.write:
        m = build_manifest()
        write_atomic(MANIFEST, json.dumps(m, indent=1, ensure_ascii=False) + '\n')
    m = load_manifest()
    n_train = sum(p['split'] == 'train' for p in m['photos'])
    by_pkg = {}
    for p in m['photos']:
        by_pkg.setdefault((p['package'], p['licence']), 0)
        by_pkg[(p['package'], p['licence'])] += 1
    print(f'{len(m["photos"])} photographs ({n_train} train, {len(m["photos"]) - n_train} held out), '
          f'{len(m["excluded"])} images excluded')
    for (pkg, lic), c in sorted(by_pkg.items()):
        print(f'  {pkg:26s} {lic:16s} {c}')
    if a.check:
        bad = check(m)
        print('\n'.join(bad) if bad else 'all photographs present, sha256 match')
        if bad:
            sys.exit(1)
    if a.copy:
        for p in m['photos']:
            dst = os.path.join(a.copy, p['path'].lstrip('/'))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(resolve(p['path']), dst)
        print(f'copied to {a.copy} (use with PHOTO_ROOTS={a.copy})')
    if a.sheet:
        from PIL import Image
        crops = photo_crops(load_photos('train'), np.random.default_rng(0), 48, 64)
        sheet = crops.reshape(6, 8, 64, 64, 3).transpose(0, 2, 1, 3, 4).reshape(6 * 64, 8 * 64, 3)
        Image.fromarray(sheet).save(a.sheet)
    if a.dump_heldout:
        from PIL import Image
        os.makedirs(a.dump_heldout, exist_ok=True)
        rng = np.random.default_rng(12345)
        names = [os.path.basename(p['path']).rsplit('.', 1)[0] for p in m['photos'] if p['split'] == 'heldout']
        for k, (name, photo) in enumerate(zip(names, load_photos('heldout'))):
            # whole-photo view first, then random multi-scale crops (no flips: evaluation data)
            crops = photo_crops([photo], rng, a.per_photo, 256)
            crops[0] = np.asarray(Image.fromarray(photo).resize((256, 256), Image.BOX,
                                  box=_centre_square(photo.shape)))
            for j, c in enumerate(crops):
                out = os.path.join(a.dump_heldout, f'photo{k}-{j:02d}-{name}.png')
                Image.fromarray(c).save(out + '.tmp.png')
                os.replace(out + '.tmp.png', out)
        print(f'wrote {len(names) * a.per_photo} crops of {len(names)} held-out photos to {a.dump_heldout}')


if __name__ == '__main__':
    main()
