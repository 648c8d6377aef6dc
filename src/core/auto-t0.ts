// Automatic t0 by noise-level matching.
//
// For an image x from the model's data, the network's denoising error at level t,
//   e(t) = ‖ε̂(x_t, t) − ε‖² / D,   x_t = √ᾱ(t)·x + √(1−ᾱ(t))·ε   (VE: x_t = x + σ(t)·ε),
// follows how much edge and texture the image has: over held-out scenes of the default pack,
// log e(t) is close to linear in log g, g = mean |∇x| (the image's mean absolute gradient), and
// that line leaves a spread s(t) of 0.11–0.18 in log e, against 0.07–0.43 around the plain mean
// L(t). So the expected error of a real image *with this guide's gradient*, L̂(t | g), is the
// reference, and the guide's error ratio is r(t) = e(t)/L̂(t | g). Off the data it is far out:
// flat colour strokes are harder to denoise than real scenes of the same mean gradient (their
// gradient sits in few hard edges), r ≈ e^(7…12·s) at t = 0.1 on the default pack, while noise
// drowns what is wrong with a guide as t grows and r → 1. (Against the plain mean L(t) strokes
// look *easier* than real scenes, r < 1, so the one-sided rule "e/L ≤ 1 + δ" would call them
// clean.) The guide matches level t when |log r(t)| ≤ z·s(t), z set so that a chosen share of
// held-out real images matches at every grid level; the suggested t0 is the smallest t at
// which the guide matches: the least noise after which it looks, to this network, like a noisy
// real image. src/cli/eval/noise-level.ts measures the table; models/default/eval/auto-t0.md
// has the numbers.
//
// r(t) does not depend on the parameterisation: in x0 terms e_x0 = (1−ᾱ)/ᾱ·e_ε at a fixed t, and
// the factor cancels in the ratio, so one rule serves ε, v, x0 and score packs alike.
//
// Cost: one network evaluation per grid level (≤ 8), all in one batch, at a reduced working
// size (the size L(t) was measured at). The same noise draw serves every level (common random
// numbers), so r(t) is a smooth function of t for one guide; a fixed seed makes it deterministic.
// Masks: only the edited region (mask weight) counts in e(t).
import { resizeChw, resizeMask } from './image';
import { gaussian, streamId } from './rng';
import type { Schedule } from './schedule';
import type { Denoiser } from './types';

const M = Math;

/** L(t): the pack's mean denoising error on held-out data, measured once per pack and stored in
 *  its model.json under `noise_level_error`. */
export interface NoiseLevelTable {
  /** times in (0, 1), ascending */
  t: readonly number[];
  /** the line log e(t) ≈ logMse(t) + slope(t)·(log g − logGradientMean) fitted on held-out
   *  images, e the per-value ε error ‖ε̂ − ε‖²/D, g the image's mean |∇x| */
  logMse: readonly number[];
  slope: readonly number[];
  logGradientMean: number;
  /** s(t): standard deviation of the (leave-one-out) residuals of that line at each t (> 0) */
  logSd: readonly number[];
  /** the band half-width in units of s(t) */
  z: number;
  /** longest side of the working size the table was measured at (px, or latent cells) */
  size?: number;
}

/** Levels asked at (≤ 8 network evaluations). Between 0.1 and 0.8: below 0.1 SDEdit changes
 *  almost nothing (signal kept ≥ 0.98 on DDPM's linear schedule), above 0.8 little of the
 *  guide survives; the steps are finer at the low end, where clean and lightly edited images
 *  separate (models/default/eval/auto-t0.md has the curves this grid was chosen from). */
export const AUTO_T0_GRID: readonly number[] = [0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8];

/** The most network evaluations suggestT0 makes. */
export const AUTO_T0_MAX_CALLS = 8;

export interface SuggestT0Options {
  /** L(t) of this pack; null/undefined: no suggestion is measured, `fallbackT0` is returned */
  calibration?: NoiseLevelTable | null;
  /** the pack's recommended t0, returned when there is no calibration table */
  fallbackT0: number;
  /** [h·w] mask of the guide, 1 = edit: only the edited region counts */
  mask?: Float32Array | null;
  /** seed of the noise draw (default 0) */
  seed?: number;
  /** levels to ask at (default AUTO_T0_GRID); at most AUTO_T0_MAX_CALLS */
  grid?: readonly number[];
  /** band half-width in units of s(t) (default: the table's z) */
  z?: number;
  /** longest side to downsample the guide to (default: the table's size; none: as given) */
  size?: number;
  /** the network's size multiple: the working size is rounded to it (default 1) */
  multiple?: number;
  /** items per network call (default: all levels in one call) */
  batch?: number;
}

export interface LevelError {
  t: number;
  /** e(t) of the guide */
  error: number;
  /** L̂(t | g): the error of a real image with the guide's mean gradient, from the table */
  expected: number;
  ratio: number;
  /** |log ratio| / (z·s(t)): ≤ 1 means the guide matches real images at this level */
  score: number;
}

export interface T0Suggestion {
  t0: number;
  /** 'noise-level': measured on this guide; 'fallback': the pack's recommended t0 (no table) */
  source: 'noise-level' | 'fallback';
  /** why the fallback was taken, or how the level was found, in words */
  reason: string;
  levels: LevelError[];
  /** network evaluations made (batch items) */
  evaluations: number;
}

/** The noise_level_error block of a model.json: null when absent, an Error naming the field
 *  when malformed. */
export function parseNoiseLevelTable(v: unknown): NoiseLevelTable | null {
  if (v === undefined || v === null) return null;
  const bad = (what: string): never => {
    throw new Error(`noise_level_error: ${what}`);
  };
  if (typeof v !== 'object' || Array.isArray(v)) bad('must be an object with "t" and "mse" arrays');
  const o = v as Record<string, unknown>;
  const nums = (k: string): number[] => {
    const a = o[k];
    if (!Array.isArray(a) || a.length < 2 || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) bad(`"${k}" must be an array of at least 2 numbers`);
    return a as number[];
  };
  const t = nums('t');
  const logMse = nums('log_mse');
  const slope = nums('slope');
  const logSd = nums('log_sd');
  for (const [k, a] of [['log_mse', logMse], ['slope', slope], ['log_sd', logSd]] as const) {
    if (a.length !== t.length) bad(`"${k}" must have as many values as "t" (${a.length} and ${t.length})`);
  }
  for (let i = 0; i < t.length; i++) {
    if (!(t[i] > 0 && t[i] < 1)) bad(`"t" values must be in (0, 1), got ${t[i]}`);
    if (i > 0 && !(t[i] > t[i - 1])) bad('"t" must be ascending');
    if (!(logSd[i] > 0)) bad(`"log_sd" values must be > 0, got ${logSd[i]}`);
  }
  if (!(typeof o.z === 'number' && o.z > 0)) bad(`"z" must be a number > 0, got ${String(o.z)}`);
  if (!(typeof o.log_gradient_mean === 'number' && Number.isFinite(o.log_gradient_mean))) bad(`"log_gradient_mean" must be a number, got ${String(o.log_gradient_mean)}`);
  const out: NoiseLevelTable = { t, logMse, slope, logGradientMean: o.log_gradient_mean as number, logSd, z: o.z as number };
  if (o.size !== undefined) {
    if (!(typeof o.size === 'number' && Number.isInteger(o.size) && o.size >= 1)) bad(`"size" must be a positive integer, got ${String(o.size)}`);
    out.size = o.size as number;
  }
  return out;
}

/** L̂(t | g) and s(t) for an image of mean gradient g, between the table's points (every
 *  column linear in t). Outside the table's range: null. */
export function expectedError(table: NoiseLevelTable, t: number, gradient: number): { mse: number; logSd: number } | null {
  const ts = table.t;
  if (t < ts[0] - 1e-9 || t > ts[ts.length - 1] + 1e-9) return null;
  let k = 0;
  while (k < ts.length - 2 && t > ts[k + 1]) k++;
  const u = M.min(1, M.max(0, (t - ts[k]) / (ts[k + 1] - ts[k])));
  const at = (a: readonly number[]) => (1 - u) * a[k] + u * a[k + 1];
  const logMse = at(table.logMse) + at(table.slope) * (M.log(gradient) - table.logGradientMean);
  return { mse: M.exp(logMse), logSd: at(table.logSd) };
}

/** Smallest mean gradient used (a flat image would have log g = −∞). */
const MIN_GRADIENT = 1e-4;

/**
 * g: the mean absolute difference between neighbouring values (right and down), over the
 * channels of a c×h×w image, weighted by a [h·w] mask (a pair counts with the smaller of its
 * two weights) when given.
 */
export function meanGradient(x: Float32Array, c: number, h: number, w: number, mask: Float32Array | null = null): number {
  const HW = h * w;
  let sum = 0;
  let weight = 0;
  const m = (p: number) => (mask ? M.max(0, M.min(1, mask[p])) : 1);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const p = y * w + xx;
      const mp = m(p);
      if (mp === 0) continue;
      for (const q of [xx + 1 < w ? p + 1 : -1, y + 1 < h ? p + w : -1]) {
        if (q < 0) continue;
        const wq = M.min(mp, m(q));
        if (wq === 0) continue;
        let d = 0;
        for (let ch = 0; ch < c; ch++) d += M.abs(x[ch * HW + q] - x[ch * HW + p]);
        sum += wq * d;
        weight += wq * c;
      }
    }
  }
  return M.max(MIN_GRADIENT, weight > 0 ? sum / weight : 0);
}

/** Noise level of time t: x_t = a·x + b·ε. */
function level(schedule: Schedule, t: number): { a: number; b: number } {
  if (schedule.type === 'vp') {
    const ab = schedule.alphaBar(t);
    return { a: M.sqrt(ab), b: M.sqrt(1 - ab) };
  }
  return { a: 1, b: schedule.sigma(t) };
}

const NOISE_STREAM = streamId(0x4e4f4953, 0x454c564c);

export interface NoiseLevelErrorOptions {
  /** [h·w] weights (1 = counts); default: every pixel */
  mask?: Float32Array | null;
  /** image b's noise comes from seed + b (default 0) */
  seed?: number;
  /** items per network call (default: all) */
  batch?: number;
}

/**
 * e(t) for each of n images (x: n×c×h×w) at each of the times ts, in one pass of n·ts.length
 * network evaluations. Returns errors[b·ts.length + k]. Image b is noised with the same draw
 * (seed + b) at every level.
 */
export async function noiseLevelErrors(denoiser: Denoiser, x: Float32Array, shape: readonly [number, number, number, number], schedule: Schedule, ts: readonly number[], opts: NoiseLevelErrorOptions = {}): Promise<Float64Array> {
  const [n, c, h, w] = shape;
  const HW = h * w;
  const P = c * HW;
  if (x.length !== n * P) throw new Error(`noiseLevelErrors: ${x.length} values for ${n}×${c}×${h}×${w}`);
  if (ts.length === 0) throw new Error('noiseLevelErrors: no levels given');
  for (const t of ts) if (!(t > 0 && t <= 1)) throw new Error(`noiseLevelErrors: levels must be in (0, 1], got ${t}`);
  const mask = opts.mask ?? null;
  if (mask && mask.length !== HW) throw new Error(`noiseLevelErrors: mask has ${mask.length} values for ${h}×${w}`);
  let weight = HW;
  if (mask) {
    weight = 0;
    for (let p = 0; p < HW; p++) weight += M.max(0, M.min(1, mask[p]));
    if (!(weight > 0)) throw new Error('noiseLevelErrors: the mask selects nothing (1 = edit)');
  }
  const seed = opts.seed ?? 0;
  const K = ts.length;
  const items = n * K;
  const B = M.max(1, M.min(items, opts.batch ?? items));
  const noise: Float32Array[] = [];
  for (let b = 0; b < n; b++) noise.push(gaussian(seed + b, NOISE_STREAM, new Float32Array(P)));
  const errors = new Float64Array(items);
  for (let start = 0; start < items; start += B) {
    const m = M.min(B, items - start);
    const xt = new Float32Array(m * P);
    const tt = new Float32Array(m);
    for (let j = 0; j < m; j++) {
      const b = M.floor((start + j) / K);
      const t = ts[(start + j) % K];
      const { a, b: s } = level(schedule, t);
      const src = x.subarray(b * P, (b + 1) * P);
      const z = noise[b];
      const dst = xt.subarray(j * P, (j + 1) * P);
      for (let i = 0; i < P; i++) dst[i] = a * src[i] + s * z[i];
      tt[j] = t;
    }
    const out = await denoiser.predict(xt, [m, c, h, w], tt);
    if (out.length !== m * P) throw new Error(`noiseLevelErrors: the denoiser returned ${out.length} values for ${m * P}`);
    for (let j = 0; j < m; j++) {
      const item = start + j;
      const b = M.floor(item / K);
      const std = level(schedule, ts[item % K]).b;
      // the network's noise estimate: ε̂ = out (eps), ε̂ = −std·s (score)
      const scale = denoiser.kind === 'score' ? -std : 1;
      const z = noise[b];
      let sum = 0;
      for (let ch = 0; ch < c; ch++) {
        for (let p = 0; p < HW; p++) {
          const i = ch * HW + p;
          const d = scale * out[j * P + i] - z[i];
          sum += (mask ? M.max(0, M.min(1, mask[p])) : 1) * d * d;
        }
      }
      errors[item] = sum / (c * weight);
    }
  }
  return errors;
}

/** Working size for a guide of h×w: longest side at most `size`, both sides multiples of `multiple`. */
function workingDims(h: number, w: number, size: number | undefined, multiple: number): [number, number] {
  const s = size ? M.min(1, size / M.max(h, w)) : 1;
  const round = (v: number) => M.max(multiple, M.round((v * s) / multiple) * multiple);
  return [round(h), round(w)];
}

/** The first time the score falls to 1, interpolated linearly between grid levels. */
function crossing(levels: readonly LevelError[]): { t0: number; reason: string } {
  const first = levels[0];
  if (first.score <= 1) return { t0: first.t, reason: `the guide matches real images already at the lowest level t = ${first.t} (error ratio ${first.ratio.toFixed(2)})` };
  for (let k = 1; k < levels.length; k++) {
    const hi = levels[k].score;
    if (hi <= 1) {
      const lo = levels[k - 1].score;
      const u = (lo - 1) / (lo - hi);
      const t0 = levels[k - 1].t + u * (levels[k].t - levels[k - 1].t);
      return { t0, reason: `the guide's error ratio enters the real images' band between t = ${levels[k - 1].t} and ${levels[k].t}` };
    }
  }
  const last = levels[levels.length - 1];
  return { t0: last.t, reason: `the guide's error ratio ${last.ratio.toFixed(2)} is still outside the real images' band at the highest level t = ${last.t}` };
}

/**
 * Suggest t0 for a guide (c×h×w, values as the denoiser takes them: pixels in [−1, 1], or a
 * latent from the pack's encoder) by noise-level matching against the pack's L(t) table.
 * Without a table it returns `fallbackT0` (source 'fallback').
 */
export async function suggestT0(denoiser: Denoiser, guide: Float32Array, shape: readonly [number, number, number], schedule: Schedule, opts: SuggestT0Options): Promise<T0Suggestion> {
  const [c, h, w] = shape;
  if (guide.length !== c * h * w) throw new Error(`suggestT0: ${guide.length} values for ${c}×${h}×${w}`);
  if (!(opts.fallbackT0 > 0 && opts.fallbackT0 <= 1)) throw new Error(`suggestT0: fallbackT0 must be in (0, 1], got ${opts.fallbackT0}`);
  const mask = opts.mask ?? null;
  if (mask && mask.length !== h * w) throw new Error(`suggestT0: mask has ${mask.length} values for ${h}×${w}`);
  const table = opts.calibration ?? null;
  if (!table) return { t0: opts.fallbackT0, source: 'fallback', reason: 'the pack has no noise_level_error table: its recommended t0', levels: [], evaluations: 0 };
  const z = opts.z ?? table.z;
  if (!(z > 0)) throw new Error(`suggestT0: z must be > 0, got ${z}`);

  const grid = (opts.grid ?? AUTO_T0_GRID).filter((t) => expectedError(table, t, 1) !== null);
  if (grid.length === 0) throw new Error(`suggestT0: no grid level lies within the table's t range [${table.t[0]}, ${table.t[table.t.length - 1]}]`);
  if (grid.length > AUTO_T0_MAX_CALLS) throw new Error(`suggestT0: at most ${AUTO_T0_MAX_CALLS} levels, got ${grid.length}`);
  for (let k = 1; k < grid.length; k++) if (!(grid[k] > grid[k - 1])) throw new Error('suggestT0: grid must be ascending');

  const multiple = opts.multiple ?? 1;
  const [H, W] = workingDims(h, w, opts.size ?? table.size, multiple);
  const x = H === h && W === w ? guide : resizeChw(guide, c, h, w, H, W);
  const m = mask && (H !== h || W !== w) ? resizeMask(mask, h, w, H, W) : mask;

  const errors = await noiseLevelErrors(denoiser, x, [1, c, H, W], schedule, grid, { mask: m, seed: opts.seed ?? 0, batch: opts.batch });
  const g = meanGradient(x, c, H, W, m);
  const levels: LevelError[] = grid.map((t, k) => {
    const ref = expectedError(table, t, g) as { mse: number; logSd: number };
    const ratio = errors[k] / ref.mse;
    return { t, error: errors[k], expected: ref.mse, ratio, score: M.abs(M.log(ratio)) / (z * ref.logSd) };
  });
  const { t0, reason } = crossing(levels);
  return { t0: M.round(t0 * 100) / 100, source: 'noise-level', reason, levels, evaluations: grid.length };
}
