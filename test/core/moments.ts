// Exact output moments for per-pixel Gaussian data (analytic.ts) and the check of a sampler's
// output against them. For such data the exact ε̂ is linear in x, so every step of a sampler is a
// linear map plus independent Gaussian noise and the output is Gaussian per value, its mean and
// variance given by a recursion over the step coefficients (float64, written from the papers'
// formulas, not from src/core).
import type { VPSchedule } from '../../src/core/schedule';
import type { DdpmVariance } from '../../src/core/types';
import type { GaussianData } from './analytic';

/** Per-value mean and variance of one item of a run's output (C×H×W). */
export interface Pred {
  mean: Float64Array;
  variance: Float64Array;
}

/** Exact output moments of the official every-step DDPM loop from t0 (T = round(t0·n) steps),
 *  from x_{t0} with per-value mean m0 and variance v0:
 *    x ← (x − β_i/√(1−ᾱ_i)·ε̂)/√(1−β_i) + √var_i·z  (no noise at i = 0),
 *  var_i = β̃_i = β_i·(1−ᾱ_{i−1})/(1−ᾱ_i) ('fixedsmall') or β_i ('fixedlarge'). */
export function predictEveryStepDdpm(d: GaussianData, sched: VPSchedule, t0: number, m0: Float64Array, v0: Float64Array, variance: DdpmVariance): Pred {
  const T = Math.round(t0 * sched.n);
  const n = m0.length;
  const mean = new Float64Array(n);
  const vars = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const s2 = d.s[k] * d.s[k];
    let m = m0[k];
    let v = v0[k];
    for (let i = T - 1; i >= 0; i--) {
      const a = sched.alphaBars[i];
      const beta = sched.betas[i];
      const vv = a * s2 + 1 - a;
      // ε̂ = e1·x + e0
      const e1 = Math.sqrt(1 - a) / vv;
      const e0 = (-Math.sqrt(1 - a) * Math.sqrt(a) * d.mu[k]) / vv;
      const A = 1 / Math.sqrt(1 - beta);
      const B = -A * (beta / Math.sqrt(1 - a));
      const noiseVar = i === 0 ? 0 : variance === 'fixedlarge' ? beta : (beta * (1 - sched.alphaBars[i - 1])) / (1 - a);
      m = (A + B * e1) * m + B * e0;
      v = (A + B * e1) ** 2 * v + noiseVar;
    }
    mean[k] = m;
    vars[k] = v;
  }
  return { mean, variance: vars };
}

/** Moments of (x − mean)/√variance over all values of an N×C×H×W tensor (optionally only the
 *  values whose index within an item passes `keep`). */
export function standardised(x: Float32Array, pred: Pred, keep?: (i: number) => boolean): { n: number; mean: number; variance: number } {
  const P = pred.mean.length;
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let k = 0; k < x.length; k++) {
    const i = k % P;
    if (keep && !keep(i)) continue;
    const r = (x[k] - pred.mean[i]) / Math.sqrt(pred.variance[i]);
    s += r;
    s2 += r * r;
    n++;
  }
  const mean = s / n;
  return { n, mean, variance: s2 / n - mean * mean };
}

/** Throws unless the standardised output has mean 0 and variance 1 within Z standard errors
 *  (1/√n for the mean, √(2/n) for the variance). */
export function expectStandard(x: Float32Array, pred: Pred, label: string, keep?: (i: number) => boolean, Z = 4.5): void {
  const m = standardised(x, pred, keep);
  const meanTol = Z / Math.sqrt(m.n);
  const varTol = Z * Math.sqrt(2 / m.n);
  if (Math.abs(m.mean) > meanTol) throw new Error(`${label}: mean of the standardised output is ${m.mean.toFixed(4)}, allowed ±${meanTol.toFixed(4)}`);
  if (Math.abs(m.variance - 1) > varTol) throw new Error(`${label}: variance of the standardised output is ${m.variance.toFixed(4)}, allowed 1 ± ${varTol.toFixed(4)}`);
}
