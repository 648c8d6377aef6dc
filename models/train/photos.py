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
the packaging only), except for:
- palapeli-data, whose copyright file covers the code and whose puzzle photographs carry their
  own licence, author and Wikimedia Commons source in the `<name>.desktop` file beside each (read
  by `desktop_licence`);
- gcompris-qt-data, whose photographs sit inside Qt resource bundles (`<bundle>!<member>` in the
  manifest) with upstream's per-file author, licence and source in a README beside them in the
  bundle (photo_bundles.py; Debian's copyright file still lists their former names);
- kphotoalbum, whose copyright file is not DEP-5 and licenses the whole package under the GPL
  (version 2 or later); upstream's own statement for its demo photographs is in `licence_note`.
python3-skimage's copyright covers its sample data with the code's BSD-3-Clause; its data module
documents each photograph's own status, recorded as `licence_note`. hugin-data and
libjxl-testdata are DEP-5 with patterns over their source trees: SOURCE_PATHS maps the installed
folder back to the source folder for the match.

Never used: mate-backgrounds and plasma-workspace-wallpapers (reserved for the independent
evaluation of the model): `load_photos` refuses a manifest that names a file of theirs.
"""
import argparse
import fnmatch
import functools
import hashlib
import io
import json
import os
import subprocess
import sys

import numpy as np

from photo_bundles import member_path, readme_statement, rcc_members, split_member
from photos_gcompris import GCOMPRIS_PHOTOS

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, 'photos-manifest.json')
RESERVED_PACKAGES = ('mate-backgrounds', 'plasma-workspace-wallpapers')
RESERVED_DIRS = ('/usr/share/backgrounds/mate', '/usr/share/wallpapers')
SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data'
# packages get-photos.sh only unpacks (under cache/debs/<folder>) instead of installing them: their
# dependencies (a desktop, scipy, …) are not needed for a few photographs
UNPACKED = {'python3-skimage': 'skimage', 'kphotoalbum': 'kphotoalbum', 'hugin-data': 'hugin-data',
            'libjxl-testdata': 'libjxl-testdata', 'gcompris-qt-data': 'gcompris-qt-data'}
EXTRA_ROOTS = tuple(os.path.join(HERE, 'cache/debs', d) for d in UNPACKED.values())
GCOMPRIS_RCC = '/usr/share/gcompris-qt/rcc'

# Packages scanned, and the image files of each that are photographs (basename -> what it shows).
SCANNED = ('gnome-backgrounds', 'ukui-wallpapers', 'lomiri-wallpapers', 'lomiri-wallpapers-16.04',
           'lomiri-wallpapers-20.04', 'sway-backgrounds', 'python3-skimage', 'palapeli-data',
           'kphotoalbum', 'hugin-data', 'libjxl-testdata', 'gcompris-qt-data')
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
# photographs of the packages added in session 8, by installed path (their base names repeat);
# gcompris-qt-data's are in photos_gcompris.py
KPA = '/usr/share/kphotoalbum/demo/'
JXL = '/usr/share/libjxl-testdata/'
PHOTOS_BY_PATH = {
    KPA + 'anne_helene.jpg': 'a woman sitting on a beach, sea',
    KPA + 'bar55.jpg': 'two people in a bar',
    KPA + 'bar55_2.jpg': 'two people toasting in a bar',
    KPA + 'blackie.jpg': 'an aquarium',
    KPA + 'cold_water.jpg': 'people wading in the sea, beach',
    KPA + 'donna.jpg': 'a black dog in a forest',
    KPA + 'donna_2.jpg': 'a black dog, close up',
    KPA + 'grand_canyon_2.jpg': 'a man at the Grand Canyon',
    KPA + 'grand_canyon_3.jpg': 'the Grand Canyon',
    KPA + 'jesper.jpg': 'a man, close-up portrait',
    KPA + 'jesper_2.jpg': 'a man, portrait',
    KPA + 'new_wave_2.jpg': 'a young man in a room (scanned print)',
    KPA + 'pool.jpg': 'men playing pool',
    KPA + 'qt-logo.jpg': 'three men showing tattoos',
    KPA + 'skagen.jpg': 'rough sea at Skagen',
    KPA + 'skagen_2.jpg': 'aerial view of a coastline and spit',
    KPA + 'snow.jpg': 'an airport apron with snow, aircraft',
    KPA + 'spiff.jpg': 'a rabbit on grass',
    KPA + 'spiff_2.jpg': 'a rabbit in a box',
    KPA + 'sunset.jpg': 'sunset over a tree line',
    '/usr/share/hugin/xrc/data/help_en_EN/CA_fringes00.jpg': 'trees on a slope, woodland',
    '/usr/share/hugin/xrc/data/help_en_EN/CA_tCA00.jpg': 'an office building and a lawn',
    JXL + 'jxl/flower/flower.png': 'pink and white flowers, close up',
    JXL + 'external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png': 'a mossy rock cliff over a lake, mountains',
    JXL + 'external/wesaturate/500px/tmshre_riaphotographs_srgb8.png': 'pink tulips',
    JXL + 'external/wesaturate/500px/u76c0g_bliznaca_srgb8.png': 'a cherry-blossom branch',
}
EXCLUDED_BY_PATH = {
    KPA + 'grand_canyon_1.jpg': 'stored rotated (KPhotoAlbum turns it on display: index.xml angle)',
    KPA + 'new_wave_1.jpg': 'stored rotated (KPhotoAlbum turns it on display: index.xml angle)',
    KPA + 'wayne.jpg': 'stored rotated (KPhotoAlbum turns it on display: index.xml angle)',
    KPA + 'pool_2.jpg': 'stored rotated (KPhotoAlbum turns it on display: index.xml angle)',
}
# the packages whose photographs PHOTOS_BY_PATH and EXCLUDED_BY_PATH choose (the others: by base name)
BY_PATH_PACKAGES = ('kphotoalbum', 'hugin-data', 'libjxl-testdata')
# installed folder -> the source-tree folder a package's DEP-5 patterns are written against
SOURCE_PATHS = {'hugin-data': ('/usr/share/hugin/', 'src/hugin1/hugin/'),
                'libjxl-testdata': (JXL, '')}
# packages whose copyright file is not DEP-5: the licence it states for the whole package, a
# phrase that must be in it, and upstream's own statement for the photographs
PACKAGE_LICENCES = {
    'kphotoalbum': {'licence': 'GPL-2+', 'copyright': '2003-2007 Jesper K. Pedersen',
                    'must_contain': 'either version 2 of the License, or (at your option) any later version',
                    'licence_note': "upstream (KDE kphotoalbum, .reuse/dep5): demo/*.jpg "
                                    "© 2003-2007 Jesper K. Pedersen, CC-BY-SA-4.0"},
}
# gcompris READMEs' licence names -> SPDX-like names (anything else is refused)
README_LICENCES = {'Public Domain': 'public-domain', 'Public domain': 'public-domain',
                   'CC0-1.0': 'CC0-1.0', 'CC-BY-SA-4.0': 'CC-BY-SA-4.0', 'CC-BY-SA 4.0': 'CC-BY-SA-4.0',
                   'CC-BY 2.0': 'CC-BY-2.0', 'CC-BY-2.0': 'CC-BY-2.0', 'CC-BY-3.0': 'CC-BY-3.0',
                   'CC-BY 4.0': 'CC-BY-4.0', 'CC-BY-4.0': 'CC-BY-4.0', 'GPLv2+': 'GPL-2+'}
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
# a second held-out set (session 8), by path, from the packages added then: broader than the four
# above (animals, buildings, water, woodland, people), for a second KID reference
# (dump_photos_heldout.py --split heldout2); never trained on either
G = '/usr/share/gcompris-qt/rcc/'
HELDOUT2 = {
    KPA + 'skagen.jpg', KPA + 'sunset.jpg', KPA + 'donna.jpg', KPA + 'snow.jpg',
    JXL + 'external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png',
    '/usr/share/hugin/xrc/data/help_en_EN/CA_fringes00.jpg',
    G + 'clickgame.rcc!/gcompris/src/activities/clickgame/resource/sea3.webp',
    G + 'details.rcc!/gcompris/src/activities/details/resource/image/EilanDonanCastle_background.webp',
    G + 'erase.rcc!/gcompris/src/activities/erase/resource/kingfisher.webp',
    G + 'erase.rcc!/gcompris/src/activities/erase/resource/horse.webp',
    G + 'explore_farm_animals.rcc!/gcompris/src/activities/explore_farm_animals/resource/animals/cow.webp',
    G + 'explore_monuments.rcc!/gcompris/src/activities/explore_monuments/resource/usa/canyondeChelly.webp',
    G + 'explore_monuments.rcc!/gcompris/src/activities/explore_monuments/resource/france/pontduGard.webp',
    G + 'explore_monuments.rcc!/gcompris/src/activities/explore_monuments/resource/germany/neuschwansteinCastle.webp',
    G + 'explore_monuments.rcc!/gcompris/src/activities/explore_monuments/resource/wonders/machuPicchu.webp',
    G + 'explore_monuments.rcc!/gcompris/src/activities/explore_monuments/resource/wonders/greatWallofChina.webp',
}
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


def licence_of_source(copyright_text, source_path):
    """(licence, copyright holder) of a file by its path in the package's source tree: the last
    DEP-5 `Files:` paragraph with a pattern matching the whole path (`*` crosses folders)."""
    found = None
    for p in dep5_paragraphs(copyright_text):
        if any(fnmatch.fnmatchcase(source_path, pat) for pat in p.get('Files', '').split()):
            found = (p.get('License', '').split('\n')[0], p.get('Copyright', '').replace('\n', '; '))
    if not found:
        raise SystemExit(f'no copyright paragraph matches {source_path}')
    return found


def package_licence(pkg, copyright_text):
    """(licence, holder, note) of a package whose copyright file is not DEP-5 (PACKAGE_LICENCES),
    checked against the file's text."""
    rule = PACKAGE_LICENCES[pkg]
    if rule['must_contain'] not in ' '.join(copyright_text.split()):
        raise SystemExit(f'{pkg}: its copyright file no longer says {rule["must_contain"]!r}: read it again')
    return rule['licence'], rule['copyright'], rule['licence_note']


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
    """Installed image files of a package (or, for one get-photos.sh only unpacks, the files under
    its unpacked tree, as their installed paths); for gcompris-qt-data, its resource bundles."""
    r = subprocess.run(['dpkg', '-L', pkg], capture_output=True, text=True)
    if r.returncode == 0:
        files = r.stdout.split()
    elif pkg in UNPACKED and os.path.isdir(os.path.join(HERE, 'cache/debs', UNPACKED[pkg])):
        root = os.path.join(HERE, 'cache/debs', UNPACKED[pkg])
        files = [os.path.join(d, f)[len(root):] for d, _, fs in os.walk(root) for f in fs]
    else:
        raise SystemExit(f'{pkg} is not installed: run bash models/train/get-photos.sh')
    if pkg == 'python3-skimage':
        files = [f for f in files if os.path.dirname(f) == SKIMAGE_DATA]
    if pkg == 'gcompris-qt-data':
        return sorted(f for f in files if f.startswith(GCOMPRIS_RCC + '/') and f.endswith('.rcc'))
    return sorted(f for f in files if f.lower().endswith(IMAGE_EXT))


@functools.lru_cache(maxsize=None)
def bundle_members(local):
    """The members of a resource bundle on this machine (read once per process: a bundle holds
    many photographs)."""
    with open(local, 'rb') as f:
        return rcc_members(f.read())


def copied_name(path):
    """Where a copy (--copy, make-carry.sh) keeps a manifest path's bytes: the path itself, or for
    a bundle's member `<bundle>.d<member>` (the member alone, not its whole bundle)."""
    file, member = split_member(path)
    return file if member is None else file + '.d' + member


def photo_bytes(path):
    """The bytes of a manifest path (a file, or a `<bundle>!<member>`: from a copy's extracted
    member, else from the bundle), or None when absent."""
    file, member = split_member(path)
    local = resolve(copied_name(path))
    if local is None and member is not None and resolve(file):
        return bundle_members(resolve(file)).get(member)
    if local is None:
        return None
    with open(local, 'rb') as f:
        return f.read()


def copy_photo(p, dst_root):
    """Write manifest entry p's bytes under dst_root (for PHOTO_ROOTS on another machine)."""
    data = photo_bytes(p['path'])
    if data is None:
        raise SystemExit(f'missing {p["path"]}: run bash models/train/get-photos.sh')
    out = os.path.join(dst_root, copied_name(p['path']).lstrip('/'))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    write_atomic_bytes(out, data)


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


def _entry(path, pkg, data, size, lic, holder, shows, split='train', note=None, source=None):
    entry = {'path': path, 'package': pkg, 'licence': lic, 'copyright': holder,
             'sha256': hashlib.sha256(data).hexdigest(), 'bytes': len(data),
             'size': list(size), 'split': split, 'shows': shows}
    if note:
        entry['licence_note'] = note
    if source:
        entry['source'] = source
    return entry


def gcompris_photos(bundles):
    """Manifest entries for gcompris-qt-data's chosen photographs (GCOMPRIS_PHOTOS), and the other
    images of their bundles as excluded; the bundles none is chosen from are excluded whole."""
    from PIL import Image
    photos, excluded = [], []
    for bundle in bundles:
        name = os.path.basename(bundle)
        chosen = GCOMPRIS_PHOTOS.get(name)
        if not chosen:
            excluded.append({'path': bundle, 'package': 'gcompris-qt-data',
                             'reason': 'no photograph chosen from this bundle (drawings, renders, icons, sounds)'})
            continue
        members = bundle_members(resolve(bundle))
        missing = set(chosen) - set(members)
        if missing:
            raise SystemExit(f'{bundle}: chosen members not found: {sorted(missing)}')
        for member in sorted(members):
            path = member_path(bundle, member)
            if member not in chosen:
                if member.lower().endswith(IMAGE_EXT):
                    excluded.append({'path': path, 'package': 'gcompris-qt-data', 'reason': REASON_DEFAULT})
                continue
            data = members[member]
            lic, holder, source, comment = readme_statement(members, member)
            if lic not in README_LICENCES:
                raise SystemExit(f'{path}: licence {lic!r} is not one this recipe knows to be free')
            size = Image.open(io.BytesIO(data)).size
            photos.append(_entry(path, 'gcompris-qt-data', data, size, README_LICENCES[lic], holder,
                                 chosen[member], 'heldout2' if path in HELDOUT2 else 'train',
                                 note=comment and f'upstream README: {comment}', source=source))
    return photos, excluded


def build_manifest():
    from PIL import Image
    photos, excluded = [], []
    for pkg in SCANNED:
        text = copyright_text(pkg)
        files = package_files(pkg)
        if pkg == 'gcompris-qt-data':
            more, less = gcompris_photos(files)
            photos += more
            excluded += less
            continue
        by_path = pkg in BY_PATH_PACKAGES
        for path in files:
            base = os.path.basename(path)
            shows = PHOTOS_BY_PATH.get(path) if by_path else PHOTOS.get(base)
            if shows is None:
                reason = EXCLUDED_BY_PATH.get(path) if by_path else EXCLUDED.get(base)
                excluded.append({'path': path, 'package': pkg, 'reason': reason or REASON_DEFAULT})
                continue
            local = resolve(path)
            data = open(local, 'rb').read()
            size = Image.open(local).size
            note, source = LICENCE_NOTES.get(base) if not by_path else None, None
            if pkg == 'palapeli-data':
                lic, holder, source = desktop_licence(path)
            elif pkg in PACKAGE_LICENCES:
                lic, holder, note = package_licence(pkg, text)
            elif pkg in SOURCE_PATHS:
                installed, src = SOURCE_PATHS[pkg]
                lic, holder = licence_of_source(text, src + path[len(installed):])
            else:
                lic, holder = licence_of(text, path)
            split = 'heldout2' if path in HELDOUT2 else 'heldout' if not by_path and base in HELDOUT else 'train'
            photos.append(_entry(path, pkg, data, size, lic, holder, shows, split, note, source))
    names = {os.path.basename(p['path']) for p in photos}
    missing = (set(PHOTOS) - names) | ((set(PHOTOS_BY_PATH) | HELDOUT2) - {p['path'] for p in photos})
    if missing:
        raise SystemExit(f'listed photographs not found in the scanned packages: {sorted(missing)}')
    return {'about': 'Real photographs for training model v2 (models/train/photos.py decides and '
                     'documents which files count). split: train, heldout or heldout2 (a second held-out '
                     'set), by image.',
            'reserved_never_used': list(RESERVED_PACKAGES),
            'photos': photos, 'excluded': excluded}


def write_atomic(path, text):
    write_atomic_bytes(path, text.encode('utf-8'))


def write_atomic_bytes(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
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
        data = photo_bytes(p['path'])
        if data is None:
            bad.append(f'missing {p["path"]} ({p["package"]})')
        elif hashlib.sha256(data).hexdigest() != p['sha256']:
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
        data = photo_bytes(p['path'])
        if data is None:
            raise SystemExit(f'missing {p["path"]}: run bash models/train/get-photos.sh, or set '
                             'PHOTO_ROOTS to a folder made by photos.py --copy')
        im = Image.open(io.BytesIO(data))
        if im.mode not in ('RGB', 'P', 'L'):  # (RGBA with a real alpha would need a background)
            im = im.convert('RGBA')
            if im.getextrema()[3][0] < 255:
                raise SystemExit(f'{p["path"]} has transparent pixels: not a photograph to train on as is')
        im = im.convert('RGB')
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
            copy_photo(p, a.copy)
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
