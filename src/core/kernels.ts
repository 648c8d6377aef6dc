// The per-element loops of the SDEdit engine. They are small top-level functions taking typed
// arrays (and a coefficient record whose fields are read into locals before the loop): the same
// loops written inside the big async sampler functions read their arrays from closure contexts
// and ran several times slower (bench/RESULTS.md §3). The default sampler's loops (noiseTo,
// blendKept and noisedKeptRuns, blendKeptFrom, multistepUpdate, copyClipped) run in WebAssembly
// (wasm/kernels.wat, the same bytes as the JavaScript loops they replaced; bench/RESULTS.md §16):
// in place on a run's arrays, which the SDEdit loop keeps in its arena (wasm/instance.ts), and
// on any other arrays through copies, window by window.
import type { AffineStep, X0Estimate } from './steps';
import { place, rangeWindows } from './wasm/instance';

/** x ← signal·g + noise·z (the SDEdit noising of the guide g with the draw z). */
export function noiseTo(x: Float32Array, g: Float32Array, z: Float32Array, signal: number, noise: number): void {
  rangeWindows(null, x.length, (pairs, count, lo, hi) => {
    const p = place([x, g, z], lo, hi, pairs, count, [true]);
    p.exports.noiseTo(p.at[0], p.at[1], p.at[2], hi - lo, signal, noise);
    p.back(0);
  });
}

/** Where a mask keeps pixels: runs [start, end) of pixels with m = 0 and the list of pixels with
 *  0 < m < 1 (pixels with m = 1 are edited and never touched). */
export interface KeptPixels {
  /** H·W, 1 = edit, 0 = keep */
  mask: Float32Array;
  runs: Int32Array;
  fractional: Int32Array;
}

export function keptPixels(mask: Float32Array): KeptPixels {
  const runs: number[] = [];
  const fractional: number[] = [];
  const pixels = mask.length;
  for (let p = 0; p < pixels; ) {
    const mv = mask[p];
    if (mv === 0) {
      const start = p;
      while (p < pixels && mask[p] === 0) p++;
      runs.push(start, p);
    } else {
      if (mv !== 1) fractional.push(p);
      p++;
    }
  }
  return { mask, runs: Int32Array.from(runs), fractional: Int32Array.from(fractional) };
}

/** The complement of the kept runs: [start, end) pairs of the indices of the pixels with m > 0
 *  within one item of `channels` planes (plane c's pixel p is index c·H·W + p). */
export function editedRanges(kept: KeptPixels, channels: number): Int32Array {
  const pixels = kept.mask.length;
  const { runs } = kept;
  const plane: number[] = [];
  let from = 0;
  for (let i = 0; i < runs.length; i += 2) {
    if (runs[i] > from) plane.push(from, runs[i]);
    from = runs[i + 1];
  }
  if (from < pixels) plane.push(from, pixels);
  const out = new Int32Array(channels * plane.length);
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane.length; i++) out[c * plane.length + i] = c * pixels + plane[i];
  return out;
}

/** The kept runs (m = 0) of every plane of an array of `n` values, as [start, end) pairs of its
 *  indices; remembered per mask and length, since a run asks for the same ones at every step. */
const keptRangesMemo = new WeakMap<KeptPixels, Map<number, Int32Array>>();
function keptRanges(kept: KeptPixels, n: number): Int32Array {
  let byLength = keptRangesMemo.get(kept);
  if (!byLength) keptRangesMemo.set(kept, (byLength = new Map()));
  let ranges = byLength.get(n);
  if (!ranges) {
    const { runs } = kept;
    const pixels = kept.mask.length;
    const planes = Math.floor(n / pixels);
    ranges = new Int32Array(planes * runs.length);
    for (let c = 0; c < planes; c++) for (let i = 0; i < runs.length; i++) ranges[c * runs.length + i] = c * pixels + runs[i];
    byLength.set(n, ranges);
  }
  return ranges;
}

/** x ← m·x + (1−m)·(signal·g + noise·z) at the pixels with 0 < m < 1, over every plane. */
function blendFractional(x: Float32Array, g: Float32Array, z: Float32Array, kept: KeptPixels, signal: number, noise: number): void {
  const { mask, fractional } = kept;
  if (fractional.length === 0) return;
  const pixels = mask.length;
  for (let base = 0, n = x.length; base < n; base += pixels) {
    for (let i = 0; i < fractional.length; i++) {
      const p = fractional[i];
      const mv = mask[p];
      const k = base + p;
      const y = noise === 0 ? signal * g[k] : signal * g[k] + noise * z[k];
      x[k] = mv * x[k] + (1 - mv) * y;
    }
  }
}

/** Kept pixels ← the guide noised with z: x ← m·x + (1−m)·(signal·g + noise·z) (for m = 0:
 *  exactly signal·g + noise·z, or signal·g when noise = 0), over every plane of H·W pixels. */
export function blendKept(x: Float32Array, g: Float32Array, z: Float32Array, kept: KeptPixels, signal: number, noise: number): void {
  noisedKeptRuns(x, g, z, kept, signal, noise);
  blendFractional(x, g, z, kept, signal, noise);
}

/** dst ← signal·g + noise·z on the pixels with m = 0 (blendKept's values there, rounded to float32
 *  as blendKept stores them), over every plane; other pixels of dst are left as they are. */
export function noisedKeptRuns(dst: Float32Array, g: Float32Array, z: Float32Array, kept: KeptPixels, signal: number, noise: number): void {
  // over the span of each window's runs: dst keeps its values between them
  rangeWindows(keptRanges(kept, dst.length), dst.length, (pairs, count, lo, hi) => {
    const p = place([dst, g, noise !== 0 ? z : null], lo, hi, pairs, count);
    p.exports.noisedRanges(p.at[0], p.at[1], p.at[2], lo, p.pairs, count, signal, noise, noise === 0 ? 0 : 1);
    p.back(0);
  });
}

/** blendKept with the m = 0 pixels copied from `noised` (noisedKeptRuns of the same g, z, signal
 *  and noise): the same bytes, the arithmetic done earlier. */
export function blendKeptFrom(x: Float32Array, noised: Float32Array, g: Float32Array, z: Float32Array, kept: KeptPixels, signal: number, noise: number): void {
  rangeWindows(keptRanges(kept, x.length), x.length, (pairs, count, lo, hi) => {
    const p = place([x, noised], lo, hi, pairs, count);
    p.exports.copyRanges(p.at[0], p.at[1], lo, p.pairs, count);
    p.back(0);
  });
  blendFractional(x, g, z, kept, signal, noise);
}

/** x ← c.sample·x + c.network·out (+ c.noise·z when z is not null). */
export function applyStep(x: Float32Array, out: Float32Array, z: Float32Array | null, c: AffineStep): void {
  const a = c.sample;
  const b = c.network;
  const n = x.length;
  if (z) {
    const s = c.noise;
    for (let k = 0; k < n; k++) x[k] = a * x[k] + b * out[k] + s * z[k];
  } else for (let k = 0; k < n; k++) x[k] = a * x[k] + b * out[k];
}

/** x ← x + s·z over [lo, hi) (all of x by default). */
export function addScaled(x: Float32Array, z: Float32Array, s: number, lo = 0, hi = x.length): void {
  for (let k = lo; k < hi; k++) x[k] = x[k] + s * z[k];
}

/** One pass of an ε step (applyStep), also filling x0 ← clip((x − sigma·ε)·invAlpha) from the
 *  sample before the update when x0 is not null. */
export function epsStep(x: Float32Array, eps: Float32Array, z: Float32Array | null, x0: Float32Array | null, c: AffineStep & X0Estimate): void {
  if (!x0) {
    applyStep(x, eps, z, c);
    return;
  }
  const a = c.sample;
  const b = c.network;
  const s = c.noise;
  const sigma = c.sigma;
  const inv = c.invAlpha;
  const n = x.length;
  if (z) {
    for (let k = 0; k < n; k++) {
      const xv = x[k];
      const ov = eps[k];
      x0[k] = (xv - sigma * ov) * inv;
      x[k] = a * xv + b * ov + s * z[k];
    }
  } else {
    for (let k = 0; k < n; k++) {
      const xv = x[k];
      const ov = eps[k];
      x0[k] = (xv - sigma * ov) * inv;
      x[k] = a * xv + b * ov;
    }
  }
  clampUnit(x0);
}

/** A DPM-Solver++(2M) update from the data predictions: x ← sample·x + x0·x̂0 + x0Prev·x̂0_prev
 *  (+ noise·z, the SDE variant's). */
export interface MultistepStep {
  sample: number;
  x0: number;
  x0Prev: number;
  noise?: number;
}

/** One pass of a DPM-Solver++(2M) step: d0 ← (x − sigma·ε)·invAlpha (this call's x̂0, stored as
 *  float32), then x ← c.sample·x + c.x0·d0 (+ c.x0Prev·d1 when d1 is not null, the previous
 *  call's x̂0), then x ← x + c.noise·z when z is not null. The update is rounded to float32
 *  before the noise is added, so the bytes equal an update followed by addScaled; one pass
 *  instead of two. Over the values of the [lo, hi) pairs of `ranges` only (all of x when null);
 *  x and d0 keep their other values. */
export function multistepUpdate(
  x: Float32Array,
  eps: Float32Array,
  d0: Float32Array,
  d1: Float32Array | null,
  c: MultistepStep & X0Estimate,
  z: Float32Array | null = null,
  ranges: Int32Array | null = null,
): void {
  const withPrev = d1 ? 1 : 0;
  const withNoise = z ? 1 : 0;
  // over the span of each window's ranges: x and d0 keep their values between them
  rangeWindows(ranges, x.length, (pairs, count, lo, hi) => {
    const p = place([x, eps, d0, d1, z], lo, hi, pairs, count);
    const [xAt, eAt, d0At, d1At, zAt] = p.at;
    p.exports.multistepRanges(xAt, eAt, d0At, d1At, zAt, lo, p.pairs, count, c.sample, c.x0, c.x0Prev, c.noise ?? 0, c.sigma, c.invAlpha, withPrev, withNoise);
    p.back(0);
    p.back(2);
  });
}

/** dst ← (x − sigma·ε)·invAlpha, unclipped (the data prediction), over [lo, hi). */
export function dataPrediction(dst: Float32Array, x: Float32Array, eps: Float32Array, c: X0Estimate, lo = 0, hi = dst.length): void {
  const sigma = c.sigma;
  const inv = c.invAlpha;
  for (let k = lo; k < hi; k++) dst[k] = (x[k] - sigma * eps[k]) * inv;
}

/** dst ← clip(x + sigma2·score, −1, 1): the VE x̂0 preview (Tweedie). */
export function x0FromScore(dst: Float32Array, x: Float32Array, score: Float32Array, sigma2: number): void {
  for (let k = 0, n = dst.length; k < n; k++) dst[k] = x[k] + sigma2 * score[k];
  clampUnit(dst);
}

/** dst ← clip(src, −1, 1), in one pass (clampUnit's bit arithmetic; dst may be src). */
export function copyClipped(dst: Float32Array, src: Float32Array): void {
  if (dst.length !== src.length) throw new Error(`copyClipped: ${src.length} values into ${dst.length}`);
  rangeWindows(null, src.length, (pairs, count, lo, hi) => {
    const p = place([dst, src], lo, hi, pairs, count, [true]);
    p.exports.clip(p.at[0], p.at[1], hi - lo);
    p.back(0);
  });
}

/** Index of the first value that is NaN or ±Inf, or −1 (every network output is checked: a
 *  broken model must fail the run, not turn into a grey image). */
export function firstNonFinite(v: Float32Array): number {
  let found = -1;
  rangeWindows(null, v.length, (pairs, count, lo, hi) => {
    if (found >= 0) return;
    const p = place([v], lo, hi, pairs, count);
    const i = p.exports.firstNonFinite(p.at[0], hi - lo);
    if (i >= 0) found = lo + i;
  });
  return found;
}

/**
 * a ← clip(a, −1, 1) in place, on the float32 bit patterns without branches (a branch per value
 * mispredicts on noisy data and cost 3× the rest of a step). Equal bit for bit to
 * `v > 1 ? 1 : v < −1 ? −1 : v` on every float32, −0 and NaN included; and since rounding to
 * float32 is monotone and ±1 are float32, clipping after the store equals clipping before it.
 */
export function clampUnit(a: Float32Array): void {
  copyClipped(a, a);
}
