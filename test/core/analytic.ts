// Analytic denoisers for per-pixel Gaussian data x_0[p] ~ N(μ_p, s_p²), independent pixels.
// VP: x_t = √a·x_0 + √(1−a)·ε ⇒ x_t ~ N(√a·μ, a·s² + 1 − a) and the exact (MMSE) noise
//     prediction is E[ε | x_t] = √(1−a)·(x_t − √a·μ)/(a·s² + 1 − a).
// VE: x_t = x_0 + σ·z ⇒ x_t ~ N(μ, s² + σ²), score ∇ log p_t(x) = −(x − μ)/(s² + σ²).
import type { Denoiser, Shape4 } from '../../src/core/types';
import type { VESchedule, VPSchedule } from '../../src/core/schedule';

const M = Math; // local alias: global lookups are slow in jest's vm context

export interface GaussianData {
  c: number;
  h: number;
  w: number;
  mu: Float32Array;
  s: Float32Array;
  /** group of each value (C×H×W) */
  group: Int32Array;
  groups: number;
}

/** Groups by pixel (p mod groups), channel ch shifts μ by 0.1·(ch − 1). */
export function gaussianData(c: number, h: number, w: number, groups: { mu: number; s: number }[]): GaussianData {
  const HW = h * w;
  const mu = new Float32Array(c * HW);
  const s = new Float32Array(c * HW);
  const group = new Int32Array(c * HW);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < HW; p++) {
      const g = p % groups.length;
      mu[ch * HW + p] = groups[g].mu + 0.1 * (ch - 1);
      s[ch * HW + p] = groups[g].s;
      group[ch * HW + p] = g;
    }
  }
  return { c, h, w, mu, s, group, groups: groups.length };
}

/** A small, independent PRNG for test data (mulberry32 + Box–Muller), so data draws never share
 *  anything with the engine's generator. */
export function testNormals(seed: number, n: number): Float64Array {
  let st = seed >>> 0;
  const next = (): number => {
    st = (st + 0x6d2b79f5) >>> 0;
    let t = st;
    t = M.imul(t ^ (t >>> 15), t | 1);
    t ^= t + M.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = M.sqrt(-2 * M.log(next()));
    const th = 2 * M.PI * next();
    out[i] = r * M.cos(th);
    if (i + 1 < n) out[i + 1] = r * M.sin(th);
  }
  return out;
}

/** One draw x_0 ~ data (C×H×W). */
export function sampleData(d: GaussianData, seed: number): Float32Array {
  const z = testNormals(seed, d.mu.length);
  const x = new Float32Array(d.mu.length);
  for (let i = 0; i < x.length; i++) x[i] = d.mu[i] + d.s[i] * z[i];
  return x;
}

export class CountingDenoiser implements Denoiser {
  calls = 0;
  ts: number[] = [];
  inputs: Float32Array[] = [];
  constructor(
    readonly kind: 'eps' | 'score',
    private readonly fn: (x: Float32Array, shape: Shape4, t: Float32Array) => Float32Array,
    private readonly keepInputs = false,
  ) {}
  async predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
    this.calls++;
    this.ts.push(t[0]);
    if (this.keepInputs) this.inputs.push(x.slice());
    return this.fn(x, shape, t);
  }
}

/** Exact ε for data d under a VP schedule (per batch item, its own t). */
export function vpEps(d: GaussianData, schedule: VPSchedule, keepInputs = false): CountingDenoiser {
  return new CountingDenoiser(
    'eps',
    (x, [n, c, h, w], t) => {
      const P = c * h * w;
      const out = new Float32Array(x.length);
      for (let b = 0; b < n; b++) {
        const a = schedule.alphaBar(t[b]);
        const sa = M.sqrt(a);
        const sn = M.sqrt(1 - a);
        for (let i = 0; i < P; i++) {
          const s2 = d.s[i] * d.s[i];
          out[b * P + i] = (sn * (x[b * P + i] - sa * d.mu[i])) / (a * s2 + 1 - a);
        }
      }
      return out;
    },
    keepInputs,
  );
}

/** Exact score for data d under a VE schedule. */
export function veScore(d: GaussianData, schedule: VESchedule, keepInputs = false): CountingDenoiser {
  return new CountingDenoiser(
    'score',
    (x, [n, c, h, w], t) => {
      const P = c * h * w;
      const out = new Float32Array(x.length);
      for (let b = 0; b < n; b++) {
        const sig2 = schedule.sigma(t[b]) ** 2;
        for (let i = 0; i < P; i++) out[b * P + i] = -(x[b * P + i] - d.mu[i]) / (d.s[i] * d.s[i] + sig2);
      }
      return out;
    },
    keepInputs,
  );
}

export interface Moments {
  count: number;
  /** mean of r = (x − μ)/s */
  mean: number;
  /** variance of r (≈ Var(x)/s², 1 for the data distribution) */
  variance: number;
}

/** Moments of the standardised residual r = (x − μ)/s of an N×C×H×W tensor, per group and for
 *  all values together (last entry). */
export function residualMoments(x: Float32Array, d: GaussianData): Moments[] {
  const P = d.mu.length;
  const sum = new Float64Array(d.groups + 1);
  const sq = new Float64Array(d.groups + 1);
  const cnt = new Float64Array(d.groups + 1);
  for (let k = 0; k < x.length; k++) {
    const i = k % P;
    const r = (x[k] - d.mu[i]) / d.s[i];
    const g = d.group[i];
    sum[g] += r;
    sq[g] += r * r;
    cnt[g]++;
    sum[d.groups] += r;
    sq[d.groups] += r * r;
    cnt[d.groups]++;
  }
  const out: Moments[] = [];
  for (let g = 0; g <= d.groups; g++) {
    const mean = sum[g] / cnt[g];
    out.push({ count: cnt[g], mean, variance: sq[g] / cnt[g] - mean * mean });
  }
  return out;
}
