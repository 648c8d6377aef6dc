// The evaluation's inputs, all made from the held-out real scenes:
// - stroke guides (the paper's stroke simulation, through core's simulateStrokes);
// - a stroke edit of a real scene with its mask (masked editing);
// - an asset pasted on a scene with a mask from its alpha (compositing).
// Shapes are given in units of the image side, so the same inputs are drawn at any size; at 256²
// they are the bundled examples (examples/, written by make-examples.ts).
import type { StrokeOptions } from '../../core';
import { dilateMask, featherMask, maskFromAlpha, simulateStrokes } from '../../core';

const M = Math;

/** Stroke cells per side: a 256² scene becomes 32×32 cells of 8 px. Faithfulness is measured at
 *  this resolution too (the paper's L2 on downsampled images). */
export const STROKE_CELLS = 32;

/** Stroke simulation: downsample to STROKE_CELLS², 3×3 median filter, 6 colours (k-means). */
export function strokeOptions(size: number): StrokeOptions {
  return { downsample: size / STROKE_CELLS, medianRadius: 1, colors: 6, seed: 0, iterations: 20 };
}

/** Round values in [−1, 1] (images) or [0, 1] (masks) to what an 8-bit PNG holds, so an input
 *  made in memory equals the same input read back from its file. */
export function to8bit(v: Float32Array, signed: boolean): Float32Array {
  return signed ? v.map((x) => (2 * M.round(((M.max(-1, M.min(1, x)) + 1) / 2) * 255)) / 255 - 1) : v.map((x) => M.round(M.max(0, M.min(1, x)) * 255) / 255);
}

/** The stroke painting of a 3×size×size scene. */
export function strokeGuide(scene: Float32Array, size: number): Float32Array {
  return to8bit(simulateStrokes(scene, 3, size, size, strokeOptions(size)), true);
}

export type Pt = [number, number];
export type RGB = [number, number, number];

const SS = 4; // supersampling per axis for anti-aliased coverage

function inPolygon(px: number, py: number, poly: readonly Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segDist(px: number, py: number, a: Pt, b: Pt): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const L = dx * dx + dy * dy;
  const t = L > 0 ? M.max(0, M.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / L)) : 0;
  return M.hypot(px - a[0] - t * dx, py - a[1] - t * dy);
}

/** Coverage [size²] in [0, 1] of a shape given by an inside test in unit coordinates. */
export function coverage(size: number, inside: (x: number, y: number) => boolean): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let n = 0;
      for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) if (inside((x + (sx + 0.5) / SS) / size, (y + (sy + 0.5) / SS) / size)) n++;
      out[y * size + x] = n / (SS * SS);
    }
  }
  return out;
}

export const polygonCoverage = (size: number, poly: readonly Pt[]): Float32Array => coverage(size, (x, y) => inPolygon(x, y, poly));

/** A brush stroke: the polyline `pts` with round caps, half-width r (unit coordinates). */
export const strokeCoverage = (size: number, pts: readonly Pt[], r: number): Float32Array =>
  coverage(size, (x, y) => {
    for (let i = 0; i + 1 < pts.length; i++) if (segDist(x, y, pts[i], pts[i + 1]) <= r) return true;
    return false;
  });

export const hex = (s: string): RGB => [1, 3, 5].map((i) => (parseInt(s.slice(i, i + 2), 16) / 255) * 2 - 1) as RGB;

/** Paint a flat colour with coverage `a` over a 3×size×size image, in place. */
export function paint(img: Float32Array, size: number, a: Float32Array, rgb: RGB): void {
  const HW = size * size;
  for (let p = 0; p < HW; p++) {
    if (a[p] === 0) continue;
    for (let c = 0; c < 3; c++) img[c * HW + p] = a[p] * rgb[c] + (1 - a[p]) * img[c * HW + p];
  }
}

export function union(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => M.max(v, b[i]));
}

/** Held-out scene used for each example (index into the sorted held-out files). */
export const EXAMPLE_SCENES = { strokes: 17, edit: 1, composite: 4 } as const;

export interface MaskedInput {
  /** 3×size×size guide in [−1, 1] */
  guide: Float32Array;
  /** [size²], 1 = edit */
  mask: Float32Array;
}

/**
 * Masked editing: a designer paints a far mountain on the right of a lake scene's horizon and
 * a dark green island stroke on the water. The mask is the painted pixels, dilated by 2% and
 * feathered outward by 3% of the side (core's dilateMask, featherMask).
 */
export function strokeEdit(scene: Float32Array, size: number): MaskedInput {
  const guide = scene.slice();
  const mountain = polygonCoverage(size, [
    [0.5, 0.5],
    [0.6, 0.36],
    [0.66, 0.4],
    [0.76, 0.28],
    [0.86, 0.38],
    [0.98, 0.5],
  ]);
  const cap = strokeCoverage(
    size,
    [
      [0.72, 0.32],
      [0.76, 0.29],
      [0.8, 0.33],
    ],
    0.012,
  );
  const island = strokeCoverage(
    size,
    [
      [0.1, 0.64],
      [0.2, 0.62],
      [0.34, 0.63],
    ],
    0.025,
  );
  paint(guide, size, mountain, hex('#5f5a5c'));
  paint(guide, size, cap, hex('#e8ecf0'));
  paint(guide, size, island, hex('#1f3d24'));
  const painted = union(union(mountain, cap), island).map((v) => (v > 0 ? 1 : 0));
  const mask = featherMask(dilateMask(painted, size, size, M.max(1, 0.02 * size)), size, size, M.max(1, 0.03 * size));
  return { guide: to8bit(guide, true), mask: to8bit(mask, false) };
}

/** The asset: a conifer (three stacked dark green triangles on a brown trunk) as RGBA bytes with
 *  anti-aliased alpha, like an image a designer pastes from a library. */
export function treeAsset(size: number): Uint8ClampedArray {
  const cx = 0.66;
  const tiers: Pt[][] = [
    [
      [cx, 0.4],
      [cx - 0.06, 0.55],
      [cx + 0.06, 0.55],
    ],
    [
      [cx, 0.48],
      [cx - 0.08, 0.66],
      [cx + 0.08, 0.66],
    ],
    [
      [cx, 0.57],
      [cx - 0.1, 0.78],
      [cx + 0.1, 0.78],
    ],
  ];
  const trunk = polygonCoverage(size, [
    [cx - 0.015, 0.77],
    [cx + 0.015, 0.77],
    [cx + 0.015, 0.86],
    [cx - 0.015, 0.86],
  ]);
  const crown = tiers.map((t) => polygonCoverage(size, t)).reduce(union);
  return rgbaAsset(size, [
    [trunk, hex('#5a3b22')],
    [crown, hex('#22492a')],
  ]);
}

/** A sailing boat (hull, mast, mainsail and jib) centred at (cx, cy) with half-length s (unit
 *  coordinates; the hull sits just below cy, the sails rise 1.35·s above it), as RGBA bytes with
 *  anti-aliased alpha. */
export function boatAsset(size: number, cx: number, cy: number, s: number): Uint8ClampedArray {
  const hull = polygonCoverage(size, [
    [cx - s, cy],
    [cx + s, cy],
    [cx + 0.7 * s, cy + 0.3 * s],
    [cx - 0.7 * s, cy + 0.3 * s],
  ]);
  const mast = polygonCoverage(size, [
    [cx - 0.03 * s, cy - 1.45 * s],
    [cx + 0.03 * s, cy - 1.45 * s],
    [cx + 0.03 * s, cy],
    [cx - 0.03 * s, cy],
  ]);
  const main = polygonCoverage(size, [
    [cx + 0.05 * s, cy - 1.35 * s],
    [cx + 0.05 * s, cy - 0.1 * s],
    [cx + 0.85 * s, cy - 0.1 * s],
  ]);
  const jib = polygonCoverage(size, [
    [cx - 0.05 * s, cy - 1.2 * s],
    [cx - 0.05 * s, cy - 0.1 * s],
    [cx - 0.65 * s, cy - 0.1 * s],
  ]);
  return rgbaAsset(size, [
    [hull, hex('#7a2e1f')],
    [mast, hex('#3b2a1a')],
    [main, hex('#f4f1e8')],
    [jib, hex('#ddd6c4')],
  ]);
}

/** Flat-colour layers (coverage, colour; later ones on top) as RGBA bytes with their union as
 *  alpha (colour un-premultiplied). */
function rgbaAsset(size: number, layers: [Float32Array, RGB][]): Uint8ClampedArray {
  const rgb = new Float32Array(3 * size * size);
  for (const [a, c] of layers) paint(rgb, size, a, c);
  const alpha = layers.map(([a]) => a).reduce(union);
  const HW = size * size;
  const out = new Uint8ClampedArray(4 * HW);
  for (let p = 0; p < HW; p++) {
    const a = alpha[p];
    for (let c = 0; c < 3; c++) out[4 * p + c] = a > 0 ? M.round(((rgb[c * HW + p] / a + 1) / 2) * 255) : 0;
    out[4 * p + 3] = M.round(a * 255);
  }
  return out;
}

/**
 * Compositing: an RGBA asset pasted on a scene (alpha over). The mask is the asset's silhouette
 * (core's maskFromAlpha at α > 0.5), dilated by 1.5% and feathered outward by 4% of the side, so
 * the model may re-light the asset and blend its edge and shadow into the scene.
 */
export function pasteAsset(scene: Float32Array, size: number, asset: Uint8ClampedArray): MaskedInput {
  const HW = size * size;
  const guide = scene.slice();
  for (let p = 0; p < HW; p++) {
    const a = asset[4 * p + 3] / 255;
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) guide[c * HW + p] = a * ((asset[4 * p + c] / 255) * 2 - 1) + (1 - a) * guide[c * HW + p];
  }
  const sil = maskFromAlpha(asset, size, size, 0.5);
  const mask = featherMask(dilateMask(sil, size, size, M.max(1, 0.015 * size)), size, size, M.max(1, 0.04 * size));
  return { guide: to8bit(guide, true), mask: to8bit(mask, false) };
}

/** Compositing example: the tree asset pasted on a field scene (pasteAsset). */
export function compositeInput(scene: Float32Array, size: number): MaskedInput & { asset: Uint8ClampedArray } {
  const asset = treeAsset(size);
  return { ...pasteAsset(scene, size, asset), asset };
}
