"""Boats on the water of a procedural scene: objects with hard, man-made outlines.

Issue 15: a boat pasted onto a lake turns into a smear at t0 0.5, and nothing like a boat was in
the training data (scenes.py draws only landscape). This adds varied boats (hull shape and
colour, optional rail stripe, cabin with windows, mast with one or two sails, flipped either way)
standing on the water, sized by their distance below the horizon, lit by the scene's ambient
light, with a rippled, darkened reflection. The designs are drawn at random: none is the
evaluation's pasted asset (src/cli/eval/guides.ts boatAsset), and none is tuned to it.

Boats are drawn from their own random stream (seeded by [seed, BOAT_STREAM]), so a scene without
boats is byte for byte what scenes.scene() renders, and the held-out evaluation scenes keep
their pixels.

    draw_boats(rng, img, water, horizon, light) -> img    (float HWC in [0, 1], water: bool HW)
"""
import numpy as np

from scenes import _col  # scenes imports this module only inside scene(): no cycle at import

BOAT_STREAM = 7331          # second seed word of the boats' own random stream
SUPERSAMPLE = 4             # coverage of each shape from SUPERSAMPLE² sub-pixel samples

HULLS = [(250, 250, 248), (235, 232, 222), (30, 45, 80), (150, 30, 30), (95, 60, 35),
         (120, 80, 45), (25, 25, 28), (40, 90, 60), (210, 170, 40), (60, 110, 160)]
SAILS = [(248, 246, 238), (240, 236, 220), (232, 228, 214), (250, 250, 250), (200, 40, 40),
         (230, 120, 40), (40, 70, 150), (245, 210, 70)]
DARK = [(40, 30, 22), (60, 60, 64), (25, 25, 25), (200, 200, 200)]


def convex_coverage(h, w, poly):
    """Anti-aliased coverage in [0, 1] (float HW) of a convex polygon [(x, y), …] in pixel units
    (pixel (i, j) spans x in [j, j+1), y in [i, i+1)), with its bounding box (y0, y1, x0, x1)."""
    p = np.asarray(poly, np.float64)
    x0, x1 = max(0, int(np.floor(p[:, 0].min()))), min(w, int(np.ceil(p[:, 0].max())) + 1)
    y0, y1 = max(0, int(np.floor(p[:, 1].min()))), min(h, int(np.ceil(p[:, 1].max())) + 1)
    cov = np.zeros((h, w), np.float32)
    if x1 <= x0 or y1 <= y0:
        return cov
    k = SUPERSAMPLE
    sy = y0 + (np.arange((y1 - y0) * k) + 0.5) / k
    sx = x0 + (np.arange((x1 - x0) * k) + 0.5) / k
    yy, xx = np.meshgrid(sy, sx, indexing='ij')
    # orientation-independent half-plane test: the sign of every edge's cross product agrees
    signs = []
    for a, b in zip(p, np.roll(p, -1, axis=0)):
        signs.append((b[0] - a[0]) * (yy - a[1]) - (b[1] - a[1]) * (xx - a[0]))
    s = np.stack(signs)
    inside = np.all(s >= 0, axis=0) | np.all(s <= 0, axis=0)
    cov[y0:y1, x0:x1] = inside.reshape(y1 - y0, k, x1 - x0, k).mean(axis=(1, 3))
    return cov


def _boat_layers(rng, h, w, cx, y, s, light):
    """The boat standing with its waterline at row y, centred at cx, half-length s (pixels):
    a list of (coverage HW, colour HW3 or 3) from back to front."""
    flip = -1.0 if rng.uniform() < 0.5 else 1.0

    def X(u):                                 # boat coordinates (units of s) -> pixels
        return cx + flip * u * s

    layers = []
    depth = s * rng.uniform(0.18, 0.32)       # freeboard: hull height above the waterline
    bow, stern = rng.uniform(0.55, 0.9), rng.uniform(0.75, 0.98)
    hull = [(X(-1.0), y - depth), (X(1.1), y - depth), (X(bow), y + 0.15 * depth), (X(-stern), y + 0.15 * depth)]
    hull_col = _col(*HULLS[rng.integers(len(HULLS))]) * rng.uniform(0.85, 1.05)
    # shading: lit at the gunwale, darker towards the waterline
    rows = np.arange(h, dtype=np.float32)[:, None, None]
    grad = np.clip(1.05 - 0.35 * (rows - (y - depth)) / max(depth, 1.0), 0.6, 1.1)
    layers.append((convex_coverage(h, w, hull), hull_col[None, None] * grad * light))
    if rng.uniform() < 0.5:                   # a rail stripe of another colour
        band = 0.22 * depth
        stripe = [(X(-1.0), y - depth), (X(1.1), y - depth), (X(1.06), y - depth + band), (X(-0.99), y - depth + band)]
        layers.append((convex_coverage(h, w, stripe), _col(*HULLS[rng.integers(len(HULLS))]) * light))
    kind = rng.choice(['sail', 'motor', 'both'], p=[0.55, 0.3, 0.15])
    if kind in ('motor', 'both'):             # a cabin with a row of dark windows
        cw, ch = rng.uniform(0.25, 0.55), s * rng.uniform(0.2, 0.4)
        c0 = rng.uniform(-0.6, 0.4 - cw)
        top = y - depth - ch
        cabin = [(X(c0), y - depth), (X(c0 + cw), y - depth), (X(c0 + cw * 0.9), top), (X(c0 + cw * 0.05), top)]
        cab_col = _col(*[(245, 245, 240), (220, 220, 215), (180, 185, 190)][rng.integers(3)])
        layers.append((convex_coverage(h, w, cabin), cab_col * light))
        win = [(X(c0 + cw * 0.15), top + 0.3 * ch), (X(c0 + cw * 0.85), top + 0.3 * ch),
               (X(c0 + cw * 0.85), top + 0.6 * ch), (X(c0 + cw * 0.15), top + 0.6 * ch)]
        layers.append((convex_coverage(h, w, win), _col(35, 45, 60) * light))
    if kind in ('sail', 'both'):              # mast, mainsail and (mostly) a jib
        mast_h = s * rng.uniform(1.0, 1.8)
        m = rng.uniform(-0.15, 0.2)
        mw = max(0.35, 0.025 * s) / s
        mast = [(X(m - mw), y - depth), (X(m + mw), y - depth), (X(m + mw), y - depth - mast_h), (X(m - mw), y - depth - mast_h)]
        layers.append((convex_coverage(h, w, mast), _col(*DARK[rng.integers(len(DARK))]) * light))
        sail_col = _col(*SAILS[rng.integers(len(SAILS))])
        foot = y - depth - s * rng.uniform(0.05, 0.15)
        reach = rng.uniform(0.6, 0.95)
        main = [(X(m + mw), y - depth - mast_h * rng.uniform(0.9, 0.98)), (X(m + mw), foot), (X(m + reach), foot)]
        xs = np.arange(w, dtype=np.float32)[None, :, None]
        across = np.clip(0.85 + 0.2 * flip * (xs - X(m)) / s, 0.7, 1.1)      # a lit and a shaded side
        layers.append((convex_coverage(h, w, main), sail_col[None, None] * across * light))
        if rng.uniform() < 0.7:
            jib_col = sail_col if rng.uniform() < 0.7 else _col(*SAILS[rng.integers(len(SAILS))])
            jib = [(X(m - mw), y - depth - mast_h * rng.uniform(0.75, 0.9)), (X(m - mw), foot),
                   (X(m - rng.uniform(0.55, 0.9)), foot)]
            layers.append((convex_coverage(h, w, jib), jib_col * 0.92 * light))
    return layers


def _composite(layers, shape):
    """The layers over each other: premultiplied colour and coverage of the whole boat."""
    colour = np.zeros(shape, np.float32)
    alpha = np.zeros(shape[:2], np.float32)
    for cov, col in layers:
        colour = colour * (1 - cov[..., None]) + np.broadcast_to(col, shape) * cov[..., None]
        alpha = alpha + cov * (1 - alpha)
    return colour, alpha


def draw_boats(rng, img, water, horizon, light):
    """1–3 boats whose waterline lies on `water` pixels, farther ones smaller; each with a
    reflection (mirrored about its waterline, rippled, darkened, faded) in the water below it."""
    h, w = img.shape[:2]
    rows = np.nonzero(water.any(axis=1))[0]
    if len(rows) < 4:
        return img
    for _ in range(rng.integers(1, 4)):
        y = float(rng.uniform(rows.min() + 2, rows.max() + 1))
        near = np.clip((y - horizon) / max(h - horizon, 1.0), 0.0, 1.0)       # 0 at the horizon
        s = w * rng.uniform(0.6, 1.4) * (0.025 + 0.13 * near)
        cx = float(rng.uniform(0.1, 0.9) * w)
        yi = min(h - 1, int(y))
        if s < 2.5 or not water[yi, min(w - 1, int(cx))]:
            continue
        colour, alpha = _composite(_boat_layers(rng, h, w, cx, y, s, light), img.shape)
        # reflection: the boat mirrored about its waterline into the water below, rippled
        yy = np.arange(h)
        src = np.clip(np.round(2 * y - yy + rng.normal(0, 0.6, h)).astype(np.int64), 0, h - 1)
        shift = np.round(rng.normal(0, max(0.4, 0.04 * s), h)).astype(np.int64)
        cols = np.clip(np.arange(w)[None, :] - shift[:, None], 0, w - 1)
        fade = rng.uniform(0.3, 0.55) * np.exp(-np.maximum(yy - y, 0) / max(1.5 * s, 1.0))
        below = ((yy > y) * fade)[:, None] * water
        r_alpha = alpha[src[:, None], cols] * below
        img = img * (1 - r_alpha[..., None]) + 0.7 * colour[src[:, None], cols] * below[..., None]
        img = img * (1 - alpha[..., None]) + colour
    return np.clip(img, 0, 1)
