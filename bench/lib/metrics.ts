// Metrics of the few-step sweep: the paper's faithfulness (L2 to the guide on images downsampled
// to the stroke resolution, core's downsampledL2) and realism (KID between the outputs and real
// held-out scenes, unbiased MMD² with the cubic polynomial kernel k(a, b) = (a·b/d + 1)³).
//
// KID needs a feature space. The evaluation harness (src/cli/eval) defines the project's; when
// it is not there, this file's fallback is used and the report says so: a fixed, hand-made
// feature vector per image (no learned network is available offline) — colour layout at 8×8,
// colour statistics, and texture statistics (gradient and Laplacian energy histograms at two
// scales), each block standardised by the real set.
import { downsampledL2, resizeChw, simulateStrokes } from '../../src/core';

export const FEATURE_SPACE = 'bench fallback: 8×8 colour layout + colour moments + gradient/Laplacian histograms (2 scales)';

export const GUIDES = 'core simulateStrokes with its defaults (8-pixel cells, 6 colours)';

/** The stroke guide of a 3×S×S scene. */
export function makeGuide(scene: Float32Array, size: number): Float32Array {
  return simulateStrokes(scene, 3, size, size);
}

/** Downsampling factor of the L2 (the stroke cell size). */
export function l2Factor(_size: number): number {
  return 8;
}

/** Mean downsampled L2 between each output and its guide (outputs[i] ↔ guides[i]). */
export function meanL2(outputs: Float32Array[], guides: Float32Array[], c: number, h: number, w: number, factor = 8): number {
  let s = 0;
  for (let i = 0; i < outputs.length; i++) s += downsampledL2(outputs[i], guides[i], c, h, w, factor);
  return s / outputs.length;
}

function hist(values: number[], edges: number[]): number[] {
  const out = new Array(edges.length + 1).fill(0);
  for (const v of values) {
    let k = 0;
    while (k < edges.length && v > edges[k]) k++;
    out[k]++;
  }
  return out.map((x) => x / Math.max(1, values.length));
}

/** The fallback feature vector of one C×H×W image in [−1, 1]. */
export function features(img: Float32Array, c: number, h: number, w: number): number[] {
  const f: number[] = [];
  const small = resizeChw(img, c, h, w, 8, 8);
  for (const v of small) f.push(v);
  const HW = h * w;
  for (let ch = 0; ch < c; ch++) {
    let m = 0;
    let m2 = 0;
    for (let p = 0; p < HW; p++) {
      const v = img[ch * HW + p];
      m += v;
      m2 += v * v;
    }
    m /= HW;
    f.push(m, Math.sqrt(Math.max(0, m2 / HW - m * m)));
  }
  const edges = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32];
  for (const scale of [1, 2]) {
    const hh = Math.floor(h / scale);
    const ww = Math.floor(w / scale);
    const im = scale === 1 ? img : resizeChw(img, c, h, w, hh, ww);
    // luminance
    const y = new Float32Array(hh * ww);
    for (let p = 0; p < hh * ww; p++) y[p] = (im[p] + im[hh * ww + p] + im[2 * hh * ww + p]) / 3;
    const grad: number[] = [];
    const lap: number[] = [];
    for (let r = 1; r < hh - 1; r++) {
      for (let q = 1; q < ww - 1; q++) {
        const p = r * ww + q;
        const gx = y[p + 1] - y[p - 1];
        const gy = y[p + ww] - y[p - ww];
        grad.push(Math.sqrt(gx * gx + gy * gy) / 2);
        lap.push(Math.abs(4 * y[p] - y[p - 1] - y[p + 1] - y[p - ww] - y[p + ww]) / 4);
      }
    }
    f.push(...hist(grad, edges), ...hist(lap, edges));
  }
  return f;
}

/** Standardise feature columns by the real set's mean and std. */
function standardise(real: number[][], fake: number[][]): [number[][], number[][]] {
  const d = real[0].length;
  const mean = new Array(d).fill(0);
  const sd = new Array(d).fill(0);
  for (const r of real) for (let j = 0; j < d; j++) mean[j] += r[j] / real.length;
  for (const r of real) for (let j = 0; j < d; j++) sd[j] += (r[j] - mean[j]) ** 2 / real.length;
  // a floor, so that a feature (a histogram bin) that barely varies over the real set does not
  // blow up: 0.02 absolute, or a tenth of the median spread
  const spreads = sd.map(Math.sqrt);
  const median = [...spreads].sort((x, y) => x - y)[Math.floor(d / 2)];
  for (let j = 0; j < d; j++) sd[j] = Math.max(spreads[j], 0.02, 0.1 * median);
  const z = (v: number[]) => v.map((x, j) => (x - mean[j]) / sd[j]);
  return [real.map(z), fake.map(z)];
}

/** Unbiased KID (MMD² with k(a, b) = (a·b/d + 1)³) between two feature sets. */
export function kidOfFeatures(realF: number[][], fakeF: number[][]): number {
  const [a, b] = standardise(realF, fakeF);
  const d = a[0].length;
  const k = (u: number[], v: number[]) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += u[j] * v[j];
    return (s / d + 1) ** 3;
  };
  const m = a.length;
  const n = b.length;
  let kxx = 0;
  let kyy = 0;
  let kxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) kxx += k(a[i], a[j]);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) kyy += k(b[i], b[j]);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) kxy += k(a[i], b[j]);
  return kxx / (m * (m - 1)) + kyy / (n * (n - 1)) - (2 * kxy) / (m * n);
}

/** KID of images against real images (both C×H×W lists). */
export function kid(real: Float32Array[], fake: Float32Array[], c: number, h: number, w: number): number {
  return kidOfFeatures(
    real.map((x) => features(x, c, h, w)),
    fake.map((x) => features(x, c, h, w)),
  );
}

/** KID and a rough standard deviation of it: the spread of KID over random half-subsets of the
 *  fake set, divided by √2 (a half-subset's estimate varies about twice as much). Seeded. */
export function kidWithSpread(real: Float32Array[], fake: Float32Array[], c: number, h: number, w: number, subsets = 50): { kid: number; sd: number } {
  const rf = real.map((x) => features(x, c, h, w));
  const ff = fake.map((x) => features(x, c, h, w));
  const value = kidOfFeatures(rf, ff);
  let st = 987654321;
  const next = () => {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    return st / 4294967296;
  };
  const half = Math.max(2, Math.floor(ff.length / 2));
  const vals: number[] = [];
  for (let r = 0; r < subsets; r++) {
    const idx = ff.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    vals.push(kidOfFeatures(rf, idx.slice(0, half).map((i) => ff[i])));
  }
  const mean = vals.reduce((x, y) => x + y, 0) / vals.length;
  const sd = Math.sqrt(vals.reduce((x, y) => x + (y - mean) ** 2, 0) / Math.max(1, vals.length - 1));
  return { kid: value, sd: sd / Math.SQRT2 };
}
