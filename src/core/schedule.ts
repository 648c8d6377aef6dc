// Noise schedules with continuous time t ∈ [0, 1].
//
// VP (variance preserving, DDPM): x_t = √ᾱ(t)·x_0 + √(1−ᾱ(t))·ε. A discrete schedule of n steps
// puts its index i (0..n−1) at time t_i = (i+1)/n, so ᾱ((i+1)/n) = alphaBars[i] exactly, and
// ᾱ(0) = 1 (clean data). Between grid points log ᾱ is interpolated linearly.
//
// VE (variance exploding, NCSN/SMLD): x_t = x_0 + σ(t)·z with σ(t) = σ_min·(σ_max/σ_min)^t.

export interface VPSchedule {
  readonly type: 'vp';
  /** 'scaled_linear' and 'trained': diffusers' beta schedules (src/core/diffusers) */
  readonly name: 'linear' | 'cosine' | 'scaled_linear' | 'trained';
  /** number of discrete timesteps */
  readonly n: number;
  /** β_i, i = 0..n−1 */
  readonly betas: Float64Array;
  /** ᾱ_i = ∏_{j≤i} (1 − β_j), i = 0..n−1 */
  readonly alphaBars: Float64Array;
  /** continuous ᾱ(t); equals alphaBars[i] at t = (i+1)/n, 1 at t = 0 */
  alphaBar(t: number): number;
  /** the network's timestep index for time t: t·n − 1, the exact integer i on the grid (t within
   *  the same snap of (i+1)/n as alphaBar), so that a network that floors its input reads i */
  netTime(t: number): number;
  /** time of the discrete index i: (i+1)/n */
  timeOfIndex(i: number): number;
}

export interface VESchedule {
  readonly type: 've';
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  /** σ(t) = σ_min·(σ_max/σ_min)^t */
  sigma(t: number): number;
}

export type Schedule = VPSchedule | VESchedule;

/** A time within this many index units of a grid point is treated as that grid point, so that
 *  times that went through float32 (the denoiser's `t`) still hit ᾱ_i exactly. */
const SNAP = 1e-4;

function makeVP(name: VPSchedule['name'], betas: Float64Array): VPSchedule {
  const n = betas.length;
  const alphaBars = new Float64Array(n);
  const logAB = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    prod *= 1 - betas[i];
    alphaBars[i] = prod;
    logAB[i] = Math.log(prod);
  }
  const alphaBar = (t: number): number => {
    const u = t * n;
    if (!(u > 0)) return 1;
    if (u >= n) return alphaBars[n - 1];
    const r = Math.round(u);
    if (Math.abs(u - r) < SNAP) return r === 0 ? 1 : alphaBars[r - 1];
    const k = Math.floor(u); // between grid points k and k+1 (point k is time k/n)
    const left = k === 0 ? 0 : logAB[k - 1];
    const right = logAB[k];
    return Math.exp(left + (u - k) * (right - left));
  };
  return {
    type: 'vp',
    name,
    n,
    betas,
    alphaBars,
    alphaBar,
    netTime: (t: number) => {
      const u = t * n;
      const r = Math.round(u);
      return Math.abs(u - r) < SNAP ? r - 1 : u - 1;
    },
    timeOfIndex: (i: number) => (i + 1) / n,
  };
}

/** A VP schedule over any β_i (0 < β_i < 1), i = 0..n−1: a diffusers pack's own betas. */
export function vpFromBetas(betas: Float64Array, name: VPSchedule['name'] = 'trained'): VPSchedule {
  if (betas.length < 1) throw new Error('vpFromBetas: need at least one beta');
  for (let i = 0; i < betas.length; i++) {
    if (!(betas[i] > 0 && betas[i] < 1)) throw new Error(`vpFromBetas: beta[${i}] must be in (0, 1), got ${betas[i]}`);
  }
  return makeVP(name, Float64Array.from(betas));
}

/** Linear β schedule of DDPM and the official SDEdit code: β = linspace(βmin, βmax, n). */
export function vpLinear(n = 1000, betaMin = 1e-4, betaMax = 0.02): VPSchedule {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`vpLinear: n must be a positive integer, got ${n}`);
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++) betas[i] = n === 1 ? betaMin : betaMin + ((betaMax - betaMin) * i) / (n - 1);
  return makeVP('linear', betas);
}

/** Cosine schedule (Nichol & Dhariwal 2021): ᾱ(t) ∝ cos²(((t + s)/(1 + s))·π/2), s = 0.008,
 *  β clipped at 0.999. */
export function vpCosine(n = 1000, s = 0.008): VPSchedule {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`vpCosine: n must be a positive integer, got ${n}`);
  const f = (u: number) => Math.cos(((u + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const f0 = f(0);
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a1 = f((i + 1) / n) / f0;
    const a0 = f(i / n) / f0;
    betas[i] = Math.min(1 - a1 / a0, 0.999);
  }
  return makeVP('cosine', betas);
}

/** Geometric VE schedule σ(t) = σ_min·(σ_max/σ_min)^t. */
export function veGeometric(sigmaMin = 0.01, sigmaMax = 378): VESchedule {
  if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin)) {
    throw new Error(`veGeometric: need 0 < sigmaMin < sigmaMax, got ${sigmaMin}, ${sigmaMax}`);
  }
  const logRatio = Math.log(sigmaMax / sigmaMin);
  return { type: 've', sigmaMin, sigmaMax, sigma: (t: number) => sigmaMin * Math.exp(t * logRatio) };
}

/** Whether time t carries no noise at all (t = 0, or on VP a t so close to 0 that ᾱ(t) snaps to
 *  exactly 1): SDEdit then has nothing to undo and returns the guide, where a step from that
 *  level would divide 0 by 0. */
export function noiseFreeAt(schedule: Schedule, t: number): boolean {
  return schedule.type === 'vp' ? !(schedule.alphaBar(t) < 1) : !(t > 0);
}

/** The share of the guide's signal kept at time t: √ᾱ(t) for VP, 1/σ(t) for VE. */
export function signalAt(schedule: Schedule, t: number): number {
  return schedule.type === 'vp' ? Math.sqrt(schedule.alphaBar(t)) : 1 / schedule.sigma(t);
}

/** Short label for the UI: "t0 0.50 · signal kept 0.28". t0 alone does not transfer across
 *  schedules, so it is always shown with the signal it keeps. */
export function describeT0(schedule: Schedule, t0: number): string {
  const s = signalAt(schedule, t0);
  const sig = s >= 0.01 ? s.toFixed(2) : s.toExponential(1);
  return `t0 ${t0.toFixed(2)} · signal kept ${sig}`;
}
