// A fixed, hand-crafted feature space for KID.
//
// KID is normally measured on Inception-v3 pool features; no such weights exist here (nothing may
// be downloaded), and a network trained here would be neither fixed nor independent of the model
// under test. So the realism metric uses a deterministic descriptor of low-level image statistics,
// the things that separate a flat colour-stroke painting from a rendered outdoor scene:
//
//   per image, at 3 scales (the working size S, S/2, S/4; area downsampling), in the opponent
//   colour space O1 = (R−G)/√2, O2 = (R+G−2B)/√6, O3 = (R+G+B)/√3 (R, G, B in [0, 1]):
//   - colour   (6/scale): mean and standard deviation of O1, O2, O3 — the colour distribution;
//   - edges    (9/scale): log mean gradient magnitude of O3 and an 8-bin histogram of gradient
//                         orientation (mod π) weighted by magnitude, normalised to sum 1 — how much
//                         edge structure there is and which way it runs (stroke guides have
//                         axis-aligned block edges, scenes have horizons, ridges and ripples);
//   - texture  (5/scale): log RMS of the 4-neighbour Laplacian of O1, O2, O3 (band-pass energy) and
//                         the log mean and log std over pixels of the 3×3 local standard deviation
//                         of O3 — texture energy and how unevenly it is spread;
//   plus
//   - layout  (48): the 4×4 grid of mean O1, O2, O3 — the coarse composition (sky above, ground
//                         below, where the light is).
//
// 108 dimensions. Each is standardised by the mean and standard deviation of the real reference
// set and soft-clipped to ±5σ (5·tanh(z/5), see SOFT_CLIP), then every group (colour, edges,
// texture, layout) is scaled so that it carries the same total variance (groups of many
// dimensions, layout above all, do not drown the others).
//
// What it captures: colour distribution, texture energy at three scales, edge density and
// orientation, coarse layout. What it misses: object semantics (a "tree" made of the right
// colours and texture energy in the wrong shape scores as well as a real one), spatial
// arrangement finer than a quarter of the image, and anything an Inception network would know
// about natural images. KID numbers in this space are comparable only to each other, never to
// published Inception-KID values.
import { resizeChw } from '../../core';

const M = Math;

export const FEATURE_SCALES = 3;
export const LAYOUT_GRID = 4;
export const ORIENT_BINS = 8;

export type FeatureGroup = 'colour' | 'edges' | 'texture' | 'layout';
export const GROUPS: readonly FeatureGroup[] = ['colour', 'edges', 'texture', 'layout'];

/** Names of the 108 raw dimensions, in order. */
export const FEATURE_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (let s = 0; s < FEATURE_SCALES; s++) {
    const p = `s${s}.`;
    for (const o of ['o1', 'o2', 'o3']) names.push(`${p}colour.${o}.mean`, `${p}colour.${o}.std`);
    names.push(`${p}edges.logmag`);
    for (let b = 0; b < ORIENT_BINS; b++) names.push(`${p}edges.orient${b}`);
    for (const o of ['o1', 'o2', 'o3']) names.push(`${p}texture.loglap.${o}`);
    names.push(`${p}texture.loclogstd.mean`, `${p}texture.loclogstd.std`);
  }
  for (let gy = 0; gy < LAYOUT_GRID; gy++) for (let gx = 0; gx < LAYOUT_GRID; gx++) for (const o of ['o1', 'o2', 'o3']) names.push(`layout.${gy}${gx}.${o}`);
  return names;
})();

export const FEATURE_DIM = FEATURE_NAMES.length;

/** The group of each dimension. */
export const FEATURE_GROUP: readonly FeatureGroup[] = FEATURE_NAMES.map((n) => {
  const g = n.startsWith('layout') ? 'layout' : n.split('.')[1];
  return g as FeatureGroup;
});

const EPS = 1e-4;

/** RGB in [−1, 1] (3×H×W) → opponent channels (3×H×W) of RGB in [0, 1]. */
function opponent(chw: Float32Array, HW: number): Float32Array {
  const o = new Float32Array(3 * HW);
  const a = 1 / M.SQRT2;
  const b = 1 / M.sqrt(6);
  const c = 1 / M.sqrt(3);
  for (let p = 0; p < HW; p++) {
    const r = (chw[p] + 1) / 2;
    const g = (chw[HW + p] + 1) / 2;
    const bl = (chw[2 * HW + p] + 1) / 2;
    o[p] = (r - g) * a;
    o[HW + p] = (r + g - 2 * bl) * b;
    o[2 * HW + p] = (r + g + bl) * c;
  }
  return o;
}

function scaleFeatures(o: Float32Array, h: number, w: number, out: number[]): void {
  const HW = h * w;
  // colour
  for (let ch = 0; ch < 3; ch++) {
    let s = 0;
    let s2 = 0;
    for (let p = 0; p < HW; p++) {
      const v = o[ch * HW + p];
      s += v;
      s2 += v * v;
    }
    const mean = s / HW;
    out.push(mean, M.sqrt(M.max(0, s2 / HW - mean * mean)));
  }
  // edges: central differences of O3 (clamped borders)
  const L = o.subarray(2 * HW, 3 * HW);
  const hist = new Float64Array(ORIENT_BINS);
  let magSum = 0;
  for (let y = 0; y < h; y++) {
    const yu = M.max(0, y - 1);
    const yd = M.min(h - 1, y + 1);
    for (let x = 0; x < w; x++) {
      const xl = M.max(0, x - 1);
      const xr = M.min(w - 1, x + 1);
      const gx = (L[y * w + xr] - L[y * w + xl]) / 2;
      const gy = (L[yd * w + x] - L[yu * w + x]) / 2;
      const mag = M.sqrt(gx * gx + gy * gy);
      if (mag === 0) continue;
      magSum += mag;
      let th = M.atan2(gy, gx);
      if (th < 0) th += M.PI;
      let bin = M.floor((th / M.PI) * ORIENT_BINS);
      if (bin >= ORIENT_BINS) bin = ORIENT_BINS - 1;
      hist[bin] += mag;
    }
  }
  out.push(M.log(EPS + magSum / HW));
  for (let b = 0; b < ORIENT_BINS; b++) out.push(magSum > 0 ? hist[b] / magSum : 1 / ORIENT_BINS);
  // texture: Laplacian RMS per channel
  for (let ch = 0; ch < 3; ch++) {
    const C = o.subarray(ch * HW, (ch + 1) * HW);
    let s2 = 0;
    for (let y = 0; y < h; y++) {
      const yu = M.max(0, y - 1);
      const yd = M.min(h - 1, y + 1);
      for (let x = 0; x < w; x++) {
        const lap = C[yu * w + x] + C[yd * w + x] + C[y * w + M.max(0, x - 1)] + C[y * w + M.min(w - 1, x + 1)] - 4 * C[y * w + x];
        s2 += lap * lap;
      }
    }
    out.push(M.log(EPS + M.sqrt(s2 / HW)));
  }
  // texture: 3×3 local standard deviation of O3, its log mean and log std over pixels
  let ls = 0;
  let ls2 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let s2 = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = M.min(h - 1, M.max(0, y + dy));
        for (let dx = -1; dx <= 1; dx++) {
          const v = L[yy * w + M.min(w - 1, M.max(0, x + dx))];
          s += v;
          s2 += v * v;
        }
      }
      const m = s / 9;
      const sd = M.sqrt(M.max(0, s2 / 9 - m * m));
      ls += sd;
      ls2 += sd * sd;
    }
  }
  const lm = ls / HW;
  out.push(M.log(EPS + lm), M.log(EPS + M.sqrt(M.max(0, ls2 / HW - lm * lm))));
}

/** The raw 108-dimensional descriptor of a 3×H×W image in [−1, 1] (values clipped to it). */
export function rawFeatures(chw: Float32Array, h: number, w: number): Float64Array {
  if (chw.length !== 3 * h * w) throw new Error(`features: ${chw.length} values for 3×${h}×${w}`);
  const img = new Float32Array(chw.length);
  for (let i = 0; i < chw.length; i++) {
    const v = chw[i];
    img[i] = v > 1 ? 1 : v < -1 ? -1 : v !== v ? 0 : v;
  }
  const out: number[] = [];
  let cur: Float32Array = img;
  let ch = h;
  let cw = w;
  for (let s = 0; s < FEATURE_SCALES; s++) {
    if (s > 0) {
      const nh = M.max(1, M.round(ch / 2));
      const nw = M.max(1, M.round(cw / 2));
      cur = resizeChw(cur, 3, ch, cw, nh, nw);
      ch = nh;
      cw = nw;
    }
    scaleFeatures(opponent(cur, ch * cw), ch, cw, out);
  }
  const grid = opponent(resizeChw(img, 3, h, w, LAYOUT_GRID, LAYOUT_GRID), LAYOUT_GRID * LAYOUT_GRID);
  const G2 = LAYOUT_GRID * LAYOUT_GRID;
  for (let p = 0; p < G2; p++) for (let c = 0; c < 3; c++) out.push(grid[c * G2 + p]);
  if (out.length !== FEATURE_DIM) throw new Error(`features: produced ${out.length} values, expected ${FEATURE_DIM}`);
  return Float64Array.from(out);
}

/** Standardisation fitted on the real reference set, with equal total weight per group. */
export interface FeatureSpace {
  mean: Float64Array;
  std: Float64Array;
  /** per-dimension weight after standardisation: √(D / (G·d_g)) for a dimension of group g */
  weight: Float64Array;
  /** raw → standardised, weighted */
  apply(raw: Float64Array): Float64Array;
}

/** Standardised values are soft-clipped to ±SOFT_CLIP·tanh(z/SOFT_CLIP): real scenes stay within a
 *  few σ of the reference set (the largest |z| of a held-out real scene is about 6) and are barely
 *  changed, while one statistic that is off by hundreds of σ (a log energy of a flat or pure-noise
 *  image) cannot swamp the cubic kernel and every other dimension. */
export const SOFT_CLIP = 5;

/** Fit the standardisation on raw features of real images (at least 2). */
export function fitFeatureSpace(realRaw: readonly Float64Array[]): FeatureSpace {
  const n = realRaw.length;
  if (n < 2) throw new Error(`features: need at least 2 reference images to standardise, got ${n}`);
  const D = FEATURE_DIM;
  const mean = new Float64Array(D);
  const std = new Float64Array(D);
  for (const f of realRaw) for (let i = 0; i < D; i++) mean[i] += f[i] / n;
  for (const f of realRaw) for (let i = 0; i < D; i++) std[i] += (f[i] - mean[i]) ** 2 / (n - 1);
  // a floor keeps a (nearly) constant reference dimension from turning noise into huge values
  for (let i = 0; i < D; i++) std[i] = M.max(M.sqrt(std[i]), 1e-3);
  const counts = new Map<FeatureGroup, number>();
  for (const g of FEATURE_GROUP) counts.set(g, (counts.get(g) ?? 0) + 1);
  const weight = new Float64Array(D);
  for (let i = 0; i < D; i++) weight[i] = M.sqrt(D / (GROUPS.length * (counts.get(FEATURE_GROUP[i]) as number)));
  const apply = (raw: Float64Array): Float64Array => {
    const out = new Float64Array(D);
    for (let i = 0; i < D; i++) out[i] = SOFT_CLIP * M.tanh((raw[i] - mean[i]) / std[i] / SOFT_CLIP) * weight[i];
    return out;
  };
  return { mean, std, weight, apply };
}

/** One line for tables and model.json. */
export const FEATURE_SPACE_SUMMARY =
  `${FEATURE_DIM}-d descriptor: at 3 scales (S, S/2, S/4, area downsampling) ` +
  'per-channel mean/std in opponent colour space, log gradient magnitude and an 8-bin magnitude-weighted orientation histogram, ' +
  'log Laplacian RMS per channel and 3×3 local-std statistics; plus a 4×4 grid of mean opponent colours; ' +
  'standardised on the real reference set and soft-clipped to ±5σ, the 4 groups (colour, edges, texture, layout) weighted equally. ' +
  'Captures colour distribution, texture energy at several scales, edge density/orientation and coarse layout; misses object semantics.';
