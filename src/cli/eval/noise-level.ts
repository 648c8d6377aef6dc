// Measure a pack's L(t) — the mean denoising error of held-out real images at each noise level —
// and store it in the pack's model.json as `noise_level_error`, the table core's suggestT0
// compares a guide's error against (src/core/auto-t0.ts).
//
// The command is noise-level-cli.ts.
//
// The images are held-out scenes (seeds never trained on) from `first` on; the automatic-t0
// evaluation takes its guides from the scenes before them, so what it reports is never measured
// on the images the table came from.
//
// Per level t, the table holds the line log e_i(t) ≈ log_mse(t) + slope(t)·(log g_i − log ḡ)
// (least squares over the images; g_i the image's mean |∇x|, core's meanGradient), s(t), the
// standard deviation of its leave-one-out residuals (each image predicted by the line fitted
// without it, so an image never sets its own reference), and z, the BAND_QUANTILE quantile over
// the images of max_k |residual_i(t_k)|/s(t_k) over the suggestT0 grid: that share of real
// images matches at every grid level, i.e. gets the lowest level (almost no noise).
import type { Denoiser, Schedule } from '../../core';
import { AUTO_T0_GRID, meanGradient, noiseLevelErrors } from '../../core';
import { asciiJson } from './quality';

const M = Math;

/** Levels L(t) is measured at: every 0.05 from 0.05 to 0.95 (holds every AUTO_T0_GRID level). */
export const CALIBRATION_TIMES: readonly number[] = Array.from({ length: 19 }, (_, i) => M.round((i + 1) * 5) / 100);

/** Share of held-out real images that must match at every grid level. */
export const BAND_QUANTILE = 0.9;

/** Per-image e(t): errors[i][k] for image i at CALIBRATION_TIMES[k] (3×size×size each). */
export async function imageErrors(denoiser: Denoiser, schedule: Schedule, images: readonly Float32Array[], size: number, ts: readonly number[], seed: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < images.length; i++) {
    const e = await noiseLevelErrors(denoiser, images[i], [1, 3, size, size], schedule, ts, { seed: seed + i });
    out.push(Array.from(e));
  }
  return out;
}

const quantile = (v: number[], q: number): number => {
  const s = [...v].sort((a, b) => a - b);
  const x = q * (s.length - 1);
  const lo = M.floor(x);
  const hi = M.ceil(x);
  return s[lo] + (x - lo) * (s[hi] - s[lo]);
};

export interface Calibration {
  t: number[];
  /** arithmetic mean error L(t) (for reading; suggestT0 uses the line) */
  mse: number[];
  logMse: number[];
  slope: number[];
  logGradientMean: number;
  /** s(t): standard deviation of the leave-one-out residuals at each t */
  logSd: number[];
  z: number;
  /** per image: its largest |residual|/s over the AUTO_T0_GRID levels */
  maxScore: number[];
}

/** The table from per-image errors at `ts` (rows: images) and the images' mean gradients. */
export function calibrate(errors: readonly number[][], gradients: readonly number[], ts: readonly number[], grid: readonly number[] = AUTO_T0_GRID, q = BAND_QUANTILE): Calibration {
  const n = errors.length;
  if (n < 4) throw new Error(`noise-level: need at least 4 images, got ${n}`);
  if (gradients.length !== n) throw new Error('noise-level: one gradient per image');
  if (errors.some((e) => e.length !== ts.length)) throw new Error('noise-level: errors and times differ in length');
  const lg = gradients.map((g) => M.log(g));
  const xm = lg.reduce((a, b) => a + b, 0) / n;
  const x = lg.map((v) => v - xm);
  const sxx = x.reduce((a, b) => a + b * b, 0);
  if (!(sxx > 0)) throw new Error('noise-level: the images all have the same mean gradient');
  const mse: number[] = [];
  const logMse: number[] = [];
  const slope: number[] = [];
  const logSd: number[] = [];
  const loo: number[][] = errors.map(() => []);
  ts.forEach((_, k) => {
    const y = errors.map((e) => M.log(e[k]));
    const ym = y.reduce((a, b) => a + b, 0) / n;
    const b = x.reduce((a, xi, i) => a + xi * (y[i] - ym), 0) / sxx;
    mse.push(errors.reduce((a, e) => a + e[k], 0) / n);
    logMse.push(ym);
    slope.push(b);
    // leave-one-out residual of a least-squares line: residual / (1 − leverage)
    const r = y.map((yi, i) => (yi - ym - b * x[i]) / (1 - 1 / n - (x[i] * x[i]) / sxx));
    r.forEach((v, i) => loo[i].push(v));
    const rm = r.reduce((a, v) => a + v, 0) / n;
    logSd.push(M.sqrt(r.reduce((a, v) => a + (v - rm) ** 2, 0) / (n - 1)));
  });
  const gridIdx = grid.map((t) => {
    const k = ts.findIndex((v) => M.abs(v - t) < 1e-9);
    if (k < 0) throw new Error(`noise-level: grid level ${t} is not among the measured times`);
    return k;
  });
  const maxScore = loo.map((r) => M.max(...gridIdx.map((k) => M.abs(r[k]) / logSd[k])));
  return { t: [...ts], mse, logMse, slope, logGradientMean: xm, logSd, z: quantile(maxScore, q), maxScore };
}

/** Mean gradients of 3×size×size images (core's meanGradient, no mask). */
export const gradientsOf = (images: readonly Float32Array[], size: number): number[] => images.map((im) => meanGradient(im, 3, size, size));

/** Round to 4 significant digits (the table's noise is far larger). */
export const sig4 = (v: number): number => Number(v.toPrecision(4));

const KEY = '"noise_level_error"';

/** model.json's text with `noise_level_error` as its last key (an earlier table, which this
 *  function always leaves last, is dropped first); every other byte stays as it was, and every
 *  other key is checked to be unchanged. */
export function withNoiseLevelTable(text: string, table: Record<string, unknown>): string {
  const before = JSON.parse(text) as Record<string, unknown>;
  let body = text.slice(0, text.lastIndexOf('}'));
  const old = body.lastIndexOf(`,\n  ${KEY}:`);
  if (old >= 0) body = body.slice(0, old);
  else if (KEY.slice(1, -1) in before) throw new Error('model.json: noise_level_error is not its last key; remove it by hand first');
  const out = `${body.replace(/\s*$/, '')},\n  ${KEY}: ${asciiJson(table, '  ')}\n}\n`;
  const after = JSON.parse(out) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (k !== 'noise_level_error' && JSON.stringify(before[k]) !== JSON.stringify(after[k])) throw new Error(`model.json: writing noise_level_error would change "${k}"`);
  }
  if (JSON.stringify(after.noise_level_error) !== JSON.stringify(table)) throw new Error('model.json: noise_level_error did not round-trip');
  return out;
}
