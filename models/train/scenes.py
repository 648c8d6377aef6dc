"""Deterministic procedural outdoor scenes: the training data of the default model.

Every scene is a pure function of its integer seed, so the data set is reproducible and the
evaluation can hold out seeds that training never saw. The generator favours variety over polish:
a designer's colour strokes must land somewhere the model has seen (sky over mountains over a
lake, a beach, fields, a forest edge, at any time of day).

    scene(seed, size=256) -> uint8 array [size, size, 3]

Run as a script to write a contact sheet:  /usr/bin/python3 models/train/scenes.py sheet.png [--boats]
"""
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

TRAIN_SEEDS = range(0, 1_000_000)          # training draws seeds from here
HELDOUT_SEED_BASE = 10_000_000             # evaluation seeds start here (never trained on)


def _fbm(rng, h, w, octaves=6, base=2, persistence=0.5, aspect=1.0):
    """Fractal value noise in about [-1, 1] (sum of bicubically upsampled random grids)."""
    out = torch.zeros(1, 1, h, w)
    amp, total = 1.0, 0.0
    for k in range(octaves):
        gh = max(2, int(base * (2 ** k) / aspect) + 1)
        gw = max(2, base * (2 ** k) + 1)
        grid = torch.from_numpy(rng.standard_normal((1, 1, gh, gw)).astype(np.float32))
        out += amp * F.interpolate(grid, size=(h, w), mode='bicubic', align_corners=True)
        total += amp
        amp *= persistence
        if gw > w:
            break
    return (out[0, 0] / total).numpy() * 1.6


def _fbm1d(rng, w, octaves=7, base=2, persistence=0.55):
    out = torch.zeros(1, 1, w)
    amp, total = 1.0, 0.0
    for k in range(octaves):
        g = base * (2 ** k) + 1
        grid = torch.from_numpy(rng.standard_normal((1, 1, g)).astype(np.float32))
        out += amp * F.interpolate(grid, size=w, mode='linear', align_corners=True)
        total += amp
        amp *= persistence
    return (out[0, 0] / total).numpy() * 1.6


def _ridged1d(rng, w, octaves=7, base=2):
    """Ridged noise for mountain silhouettes: sharp peaks, rounded valleys."""
    out = np.zeros(w, np.float32)
    amp, total = 1.0, 0.0
    for k in range(octaves):
        g = base * (2 ** k) + 1
        grid = torch.from_numpy(rng.standard_normal((1, 1, g)).astype(np.float32))
        n = F.interpolate(grid, size=w, mode='linear', align_corners=True)[0, 0].numpy()
        out += amp * (1.0 - np.abs(np.tanh(n)))
        total += amp
        amp *= 0.5
    return out / total


def _lerp(a, b, t):
    return a + (b - a) * t


def _col(*rgb):
    return np.array(rgb, np.float32) / 255.0


# Sky palettes by time of day: (zenith, horizon, sun colour, ambient light multiplier)
SKIES = {
    'day': [(_col(40, 100, 200), _col(170, 205, 240), _col(255, 252, 235), 1.0),
            (_col(70, 130, 220), _col(200, 225, 245), _col(255, 250, 230), 1.0),
            (_col(30, 80, 170), _col(140, 185, 230), _col(255, 255, 240), 0.95)],
    'golden': [(_col(70, 110, 180), _col(250, 200, 130), _col(255, 220, 150), 0.85),
               (_col(90, 120, 190), _col(255, 210, 160), _col(255, 230, 170), 0.9)],
    'sunset': [(_col(40, 50, 110), _col(250, 130, 70), _col(255, 170, 90), 0.6),
               (_col(60, 40, 100), _col(240, 100, 90), _col(255, 150, 100), 0.55),
               (_col(30, 60, 120), _col(255, 160, 80), _col(255, 190, 110), 0.65)],
    'dusk': [(_col(20, 25, 60), _col(120, 90, 140), _col(240, 200, 200), 0.4)],
    'night': [(_col(5, 8, 25), _col(25, 35, 70), _col(230, 230, 215), 0.22)],
    'overcast': [(_col(130, 140, 155), _col(190, 195, 200), _col(230, 230, 230), 0.75)],
}
SKY_WEIGHTS = {'day': 0.42, 'golden': 0.14, 'sunset': 0.18, 'dusk': 0.08, 'night': 0.06, 'overcast': 0.12}


def _sky(rng, h, w, horizon):
    kind = rng.choice(list(SKY_WEIGHTS), p=np.array(list(SKY_WEIGHTS.values())))
    zen, hor, sun_c, light = SKIES[kind][rng.integers(len(SKIES[kind]))]
    jitter = rng.normal(0, 0.04, 3).astype(np.float32)
    zen, hor = np.clip(zen + jitter, 0, 1), np.clip(hor + jitter * 0.5, 0, 1)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    t = np.clip(y / max(horizon / h, 0.05), 0, 1) ** rng.uniform(0.6, 1.4)
    sky = _lerp(zen[None, None], hor[None, None], t[..., None]) * np.ones((1, w, 1), np.float32)
    # sun or moon
    sx = rng.uniform(0.1, 0.9) * w
    sun_height = {'day': (0.1, 0.6), 'golden': (0.35, 0.8), 'sunset': (0.6, 0.98), 'dusk': (0.9, 1.1),
                  'night': (0.1, 0.6), 'overcast': (0.2, 0.6)}[kind]
    sy = rng.uniform(*sun_height) * horizon
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.sqrt((xx - sx) ** 2 + (yy - sy) ** 2) / w
    radius = rng.uniform(0.025, 0.06)
    if kind != 'overcast' and rng.uniform() < 0.8:
        glow = np.exp(-d / rng.uniform(0.05, 0.25)) * (0.6 if kind in ('sunset', 'golden') else 0.35)
        sky = sky + glow[..., None] * sun_c[None, None] * (0.4 if kind == 'night' else 1.0)
        disc = np.clip((radius - d) / 0.004, 0, 1)
        sky = _lerp(sky, sun_c[None, None] * (1.0 if kind != 'night' else 0.95), disc[..., None])
    if kind == 'night':  # stars
        stars = (rng.uniform(size=(h, w)) > 0.997) * rng.uniform(0.4, 1.0, size=(h, w))
        sky = sky + (stars * (yy < horizon))[..., None].astype(np.float32) * 0.8
    # clouds
    cover = {'overcast': rng.uniform(0.5, 1.0)}.get(kind, rng.uniform(0.0, 0.7))
    if cover > 0.08:
        n = _fbm(rng, h, w, octaves=6, base=rng.integers(2, 5), aspect=1.0 / rng.uniform(1.5, 4))
        density = np.clip((n - (1 - 2 * cover) * 0.8) * rng.uniform(1.2, 2.5), 0, 1)
        density *= np.clip(1.2 - y / max(horizon / h, 0.05), 0, 1)  # thin out near the horizon
        lit = _lerp(hor, sun_c, 0.5) * light + 0.1
        shade = _lerp(zen, hor, 0.6) * 0.8 * light + 0.05
        shading = np.clip(0.5 + 0.5 * _fbm(rng, h, w, octaves=4, base=3), 0, 1)[..., None]
        cloud = _lerp(shade[None, None], lit[None, None], shading)
        sky = _lerp(sky, np.clip(cloud, 0, 1), density[..., None] * rng.uniform(0.7, 1.0))
    return np.clip(sky, 0, 1), kind, hor, light, (sx, sy, sun_c)


def _mountains(rng, img, horizon, sky_hor, light, h, w):
    """1–3 ranges, far ones paler (atmospheric perspective), rock texture and snow caps."""
    n_ranges = rng.integers(1, 4)
    rock_palette = [_col(95, 90, 85), _col(110, 100, 90), _col(80, 85, 95), _col(120, 105, 85),
                    _col(70, 80, 70), _col(130, 115, 100)]
    yy = np.arange(h, dtype=np.float32)[:, None]
    for r in range(n_ranges):
        depth = (n_ranges - 1 - r) / max(n_ranges - 1, 1) if n_ranges > 1 else 0.0   # 1 = farthest
        height = rng.uniform(0.2, 0.75) * horizon * (1.0 - 0.35 * (1 - depth))
        base = horizon + rng.uniform(0, 0.03) * h
        ridge = _ridged1d(rng, w, base=rng.integers(1, 4))
        ridge = (ridge - ridge.min()) / (np.ptp(ridge) + 1e-6)
        top = base - height * (0.35 + 0.65 * ridge)            # silhouette y per column
        inside = yy >= top[None, :]
        rock = rock_palette[rng.integers(len(rock_palette))] * rng.uniform(0.7, 1.1)
        tex = _fbm(rng, h, w, octaves=6, base=4)
        strata = _fbm(rng, h, w, octaves=4, base=2, aspect=0.25)
        # slope shading: lit side vs shadow side from the ridge's gradient
        slope = np.gradient(top)[None, :] * np.ones((h, 1), np.float32)
        shade = np.clip(0.75 + 0.12 * tex + 0.15 * strata - 0.02 * slope, 0.3, 1.3)
        col = rock[None, None] * shade[..., None] * light
        # snow caps above a line that follows the ridge
        snow_line = base - height * rng.uniform(0.45, 0.8)
        snow = np.clip((snow_line - yy + 6 * tex) / 4.0, 0, 1) * (rng.uniform() < 0.65)
        col = _lerp(col, (_col(235, 240, 250) * np.clip(shade, 0.6, 1.1)[..., None]) * max(light, 0.35), snow[..., None])
        # atmospheric perspective towards the horizon colour
        haze = 0.15 + 0.6 * depth * rng.uniform(0.6, 1.0)
        col = _lerp(col, sky_hor[None, None] * max(light, 0.3), haze)
        img[:] = np.where(inside[..., None], col, img)
    return img


def _water(rng, img, horizon, h, w, light, sky_hor, sun):
    """Lake or sea below the horizon: mirrored reflection with ripples, tinted and darkened."""
    hz = int(horizon)
    below = h - hz
    if below <= 2:
        return img
    tint = [_col(30, 70, 100), _col(20, 60, 80), _col(40, 80, 90), _col(25, 50, 90)][rng.integers(4)]
    ripple = _fbm(rng, below, w, octaves=5, base=6, aspect=0.15)
    yrel = np.arange(below, dtype=np.float32)[:, None]
    amp = 1.0 + 5.0 * yrel / below                                        # ripples grow nearer
    src_y = np.clip(hz - 1 - (yrel + ripple * amp * 0.7).astype(np.int32), 0, h - 1)
    src_x = np.clip((np.arange(w)[None, :] + ripple * amp * 1.5).astype(np.int32), 0, w - 1)
    refl = img[src_y, src_x]
    mix = rng.uniform(0.25, 0.6) + 0.3 * (yrel / below)[..., None]
    water = _lerp(refl * 0.85, tint[None, None] * max(light, 0.3), np.clip(mix, 0, 0.9))
    streaks = np.clip(_fbm(rng, below, w, octaves=4, base=8, aspect=0.1), 0, 1) ** 3
    water = water + streaks[..., None] * 0.12 * light
    # sun glitter column
    sx, _, sun_c = sun
    glitter = np.exp(-np.abs(np.arange(w)[None, :] - sx) / (w * 0.04)) * (ripple > 0.3)
    water = water + glitter[..., None] * sun_c[None, None] * 0.3 * light
    img[hz:] = np.clip(water, 0, 1)
    return img


GROUNDS = {
    'grass': [_col(70, 120, 40), _col(90, 140, 50), _col(60, 100, 35), _col(110, 150, 60)],
    'field': [_col(200, 170, 80), _col(180, 160, 70), _col(150, 160, 60), _col(210, 190, 110)],
    'sand': [_col(220, 200, 150), _col(200, 180, 130), _col(235, 215, 170)],
    'forest': [_col(30, 60, 30), _col(25, 50, 35), _col(40, 70, 35)],
    'rock': [_col(110, 105, 95), _col(90, 85, 80)],
}


def _ground(rng, img, top_y, h, w, light, kind=None):
    """Ground from a wavy top edge down: grass, fields with rows, sand, forest, rock."""
    kind = kind or rng.choice(list(GROUNDS), p=[0.35, 0.2, 0.15, 0.2, 0.1])
    base = GROUNDS[kind][rng.integers(len(GROUNDS[kind]))] * rng.uniform(0.85, 1.1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    edge = top_y + _fbm1d(rng, w, octaves=5, base=2) * rng.uniform(2, 0.08 * h)
    inside = yy >= edge[None, :]
    depth = np.clip((yy - edge[None, :]) / max(h - top_y, 1), 0, 1)   # 0 far, 1 near
    tex = _fbm(rng, h, w, octaves=6, base=8)
    if kind == 'field':
        rows = np.sin((xx - w / 2) / (1 + depth * 6) * rng.uniform(0.8, 2.0) + tex) * 0.08
        shade = 0.9 + rows + 0.1 * tex
    elif kind == 'forest':
        crowns = _fbm(rng, h, w, octaves=6, base=16)
        shade = 0.7 + 0.45 * np.clip(crowns, -1, 1)
    elif kind == 'sand':
        dunes = np.sin(yy / rng.uniform(3, 8) + 3 * _fbm(rng, h, w, octaves=3, base=3)) * 0.05
        shade = 0.95 + dunes + 0.05 * tex
    else:
        shade = 0.85 + 0.2 * tex
    col = base[None, None] * shade[..., None] * (0.8 + 0.3 * depth[..., None]) * light
    img[:] = np.where(inside[..., None], np.clip(col, 0, 1), img)
    return img, kind


def _treeline(rng, img, y, h, w, light):
    """A band of conifers / broadleaf crowns standing on line y."""
    col = GROUNDS['forest'][rng.integers(3)] * rng.uniform(0.8, 1.2) * light
    n_trees = rng.integers(w // 12, w // 4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    mask = np.zeros((h, w), bool)
    conifer = rng.uniform() < 0.6
    for _ in range(n_trees):
        cx = rng.uniform(0, w)
        th = rng.uniform(0.04, 0.14) * h
        tw = th * rng.uniform(0.25, 0.45)
        base = y + rng.uniform(-2, 4)
        if conifer:
            rel = (base - yy) / th
            mask |= (rel >= 0) & (rel <= 1) & (np.abs(xx - cx) <= tw * (1 - rel))
        else:
            mask |= ((xx - cx) / tw) ** 2 + ((yy - (base - th * 0.6)) / (th * 0.6)) ** 2 <= 1
    tex = _fbm(rng, h, w, octaves=5, base=16)
    c = col[None, None] * (0.8 + 0.3 * tex[..., None])
    img[:] = np.where(mask[..., None], np.clip(c, 0, 1), img)
    return img


BOAT_SHARE = 0.7    # of lake and sea scenes, when boats are asked for


def scene(seed, size=256, boats=False):
    """Render the scene for `seed` at size×size, uint8 RGB. With `boats`, BOAT_SHARE of the lake
    and sea scenes get boats on their water (boats.py, its own random stream: every other pixel,
    and every scene without boats, is what boats=False renders)."""
    rng = np.random.default_rng(seed)
    h = w = size
    layout = rng.choice(['lake', 'sea', 'fields', 'valley'], p=[0.35, 0.2, 0.25, 0.2])
    horizon = rng.uniform(0.35, 0.7) * h
    img, sky_kind, sky_hor, light, sun = _sky(rng, h, w, horizon)
    if layout in ('lake', 'valley') or rng.uniform() < 0.3:
        img = _mountains(rng, img, horizon, sky_hor, light, h, w)
    water_img = None
    if layout == 'lake':
        if rng.uniform() < 0.5:
            img = _treeline(rng, img, horizon + 1, h, w, light)
        img = _water(rng, img, horizon, h, w, light, sky_hor, sun)
        water_img = img.copy()
        if rng.uniform() < 0.6:
            img, _ = _ground(rng, img, rng.uniform(0.8, 0.95) * h, h, w, light,
                             kind=rng.choice(['grass', 'rock', 'sand']))
    elif layout == 'sea':
        img = _water(rng, img, horizon, h, w, light, sky_hor, sun)
        water_img = img.copy()
        if rng.uniform() < 0.75:
            img, _ = _ground(rng, img, rng.uniform(0.7, 0.9) * h, h, w, light, kind='sand')
    else:
        img, kind = _ground(rng, img, horizon, h, w, light)
        if rng.uniform() < 0.5:
            img = _treeline(rng, img, horizon + rng.uniform(0, 0.1) * h, h, w, light)
        if rng.uniform() < 0.5:
            img, _ = _ground(rng, img, rng.uniform(0.75, 0.92) * h, h, w, light)
    if boats and water_img is not None:
        from boats import BOAT_STREAM, draw_boats
        boat_rng = np.random.default_rng([seed, BOAT_STREAM])
        if boat_rng.uniform() < BOAT_SHARE:
            below = (np.arange(h) >= int(horizon))[:, None]
            water = below & np.all(img == water_img, axis=-1)      # what the shore left of it
            img = draw_boats(boat_rng, img, water, horizon, light)
    # mild global grading and film grain so the model learns some texture everywhere
    grain = rng.normal(0, 0.008, img.shape).astype(np.float32)
    img = np.clip(img * rng.uniform(0.95, 1.05) + grain, 0, 1)
    return (img * 255 + 0.5).astype(np.uint8)


def contact_sheet(seeds, size=128, cols=8, boats=False):
    rows = math.ceil(len(seeds) / cols)
    sheet = np.zeros((rows * size, cols * size, 3), np.uint8)
    for i, s in enumerate(seeds):
        r, c = divmod(i, cols)
        sheet[r * size:(r + 1) * size, c * size:(c + 1) * size] = scene(s, size, boats)
    return sheet


if __name__ == '__main__':
    from png_io import write_png
    args = [a for a in sys.argv[1:] if a != '--boats']
    out = args[0] if args else 'scenes.png'
    write_png(out, contact_sheet(list(range(32)), size=128, boats='--boats' in sys.argv))
    print('wrote', out)
