// Few-step SDEdit: DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", multistep second order,
// data-prediction form), as an ODE solver ('dpmpp2m') and as an SDE solver ('dpmpp2m-sde'),
// started from the same SDEdit noising as the other samplers.
//
// VP schedule, α_t = √ᾱ(t), σ_t = √(1−ᾱ(t)), λ_t = log(α_t/σ_t). The network's ε̂ becomes the
// data prediction x̂0 = (x − σ_t·ε̂)/α_t. On the descending grid ts[0] = t0 > … > ts[N] = 0
// (FastGrid: uniform in t by default, the grid of 'ddim' with the same step count), step j
// (t = ts[j] → s = ts[j+1]) asks the network once at t, with h = λ_s − λ_t > 0:
//
// ODE, 'dpmpp2m' (the probability-flow ODE; deterministic given x_{t0}):
//   first step:  D = x̂0_j                                       (= one DDIM step)
//   later steps: r = h_{j−1}/h_j,  D = (1 + 1/(2r))·x̂0_j − (1/(2r))·x̂0_{j−1}
//   x ← (σ_s/σ_t)·x + α_s·(1 − e^{−h})·D
//
// SDE, 'dpmpp2m-sde' (the reverse SDE, η = 1; paper §4 / Appendix, "SDE-DPM-Solver++(2M)").
// In λ the data-prediction reverse SDE has the exact solution
//   x_s = (σ_s/σ_t)·e^{−h}·x_t + α_s·∫_0^h 2e^{−2(h−u)}·x̂0(λ_t + u) du + σ_s·√(1 − e^{−2h})·z.
// Order 1 (x̂0 constant over the step; the weights integrate to 1 − e^{−2h}) is the DDPM
// posterior step. Order 2 takes x̂0(λ_t + u) ≈ x̂0_j + u·(x̂0_j − x̂0_{j−1})/h_{j−1}, which adds
// α_s·c·D1 with D1 = (x̂0_j − x̂0_{j−1})/r and
//   'heun' (default; the exact integral of the linear term): c = 1 − (1 − e^{−2h})/(2h)
//   'midpoint' (the paper's algorithm, k-diffusion's default): c = ½·(1 − e^{−2h})
// Both are second order (c differs at O(h²)). On the default model at t0 0.5 (bench/few-step.json,
// 64 guides) 'heun' lands within 1% of every-step DDPM's L2 from 8 calls on the logsnr grid,
// 'midpoint' needs 20; hence the default. z is a fresh draw of the solver's own stream
// (NoiseRequest kind 'sde', step j) for each step but the last.
//
// The last step lands on t = 0 (σ = 0, h = ∞) and is first order without noise: x ← x̂0 of the
// last call, as k-diffusion's sample_dpmpp_2m(_sde) and diffusers' lower_order_final do.
// N steps = N network calls.
//
// Noising, masks, repeats, batch and randomness are the engine's (src/core/loop.ts): the guide is
// noised to t0 with the 'init' draw of the repeat (so the same seed starts DDIM, DDPM and these
// solvers from the same x_{t0}); after every step kept pixels become the guide noised to the
// sample's new level with that same draw, x ← m·x + (1−m)·(√ᾱ·x_g + √(1−ᾱ)·z), and the level
// after the last step is clean, so kept pixels equal the guide bit for bit.
import type { Denoiser, SDEditOptions } from './types';
import type { Schedule, VPSchedule } from './schedule';
import type { LoopState, NoiseSource, Stepper } from './loop';
import { axpby, checkRun, clip1, runLoop, vpKeep } from './loop';

const M = Math; // local alias: global lookups are slow in jest's vm context

export type { FastGrid } from './types';

/** The time grid and levels of a DPM-Solver++(2M) run (exported for tests and step counts). */
export interface FastPlan {
  /** ts[0] = t0 > … > ts[steps] = 0 */
  ts: Float64Array;
  /** ᾱ at each ts (1 at the end) */
  level: Float64Array;
  steps: number;
}

function needVP(schedule: Schedule, sampler = 'dpmpp2m'): VPSchedule {
  if (schedule.type !== 'vp') {
    throw new Error(`sdedit: sampler '${sampler}' needs a VP schedule; this model's schedule is VE (use 've')`);
  }
  return schedule;
}

/** The few-step solvers' own options (all part of SDEditOptions). */
export type FastOptions = Pick<SDEditOptions, 'grid' | 'order' | 'correction'>;

/** Grid of `steps` (default 10) steps from t0 to 0 (N steps = N network calls). */
export function planDpmpp2m(schedule: Schedule, opts: Pick<SDEditOptions, 't0' | 'steps'> & Partial<Pick<SDEditOptions, 'sampler' | 'grid'>>): FastPlan {
  const vp = needVP(schedule, opts.sampler === 'dpmpp2m-sde' ? 'dpmpp2m-sde' : 'dpmpp2m');
  const { t0 } = opts;
  const grid = opts.grid ?? 'time';
  if (grid !== 'time' && grid !== 'quadratic' && grid !== 'logsnr') throw new Error(`sdedit: unknown grid '${String(grid)}'`);
  if (!(t0 >= 0 && t0 <= 1)) throw new Error(`sdedit: t0 must be in [0, 1], got ${t0}`);
  const stepsOpt = opts.steps ?? 0;
  if (!(Number.isInteger(stepsOpt) && stepsOpt >= 0)) throw new Error(`sdedit: steps must be a non-negative integer, got ${opts.steps}`);
  const N = t0 === 0 ? 0 : stepsOpt || 10;
  const ts = new Float64Array(N + 1);
  const level = new Float64Array(N + 1);
  const tMin = 1 / vp.n;
  const logsnr = grid === 'logsnr' && N > 1 && t0 > tMin;
  const l0 = logsnr ? lambdaAt(vp, t0) : 0;
  const l1 = logsnr ? lambdaAt(vp, tMin) : 0;
  for (let j = 0; j <= N; j++) {
    const u = N === 0 ? 0 : (N - j) / N;
    if (j === N) ts[j] = 0;
    else if (j === 0) ts[j] = t0;
    else if (logsnr) ts[j] = timeOfLambda(vp, l0 + ((l1 - l0) * j) / (N - 1), tMin, t0);
    else ts[j] = grid === 'quadratic' ? t0 * u * u : t0 * u;
    level[j] = j === N ? 1 : vp.alphaBar(ts[j]);
  }
  return { ts, level, steps: N };
}

/** λ(t) = log(α_t/σ_t) = ½·log(ᾱ/(1 − ᾱ)). */
function lambdaAt(vp: VPSchedule, t: number): number {
  const a = vp.alphaBar(t);
  return 0.5 * Math.log(a / (1 - a));
}

/** The t in [lo, hi] where λ(t) = target (λ decreases with t), by bisection. */
function timeOfLambda(vp: VPSchedule, target: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  for (let i = 0; i < 60; i++) {
    const m = 0.5 * (a + b);
    if (lambdaAt(vp, m) > target) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}

/** SDEdit with DPM-Solver++(2M) ('dpmpp2m') or its SDE variant ('dpmpp2m-sde'), the noise
 *  supplied by the caller. `sdedit` / `sdeditWithNoise` (src/core/sdedit.ts) route here. */
export function sdeditFastWithNoise(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: Schedule,
  opts: SDEditOptions,
  noise: NoiseSource,
): Promise<Float32Array> {
  return multistep(denoiser, guide, shape, schedule, opts, noise, opts.sampler === 'dpmpp2m-sde');
}

/** One pass of a multistep update: d0 ← (x − σ·eps)·inv (x̂0 of this call, stored as float32),
 *  x0 ← clip(d0) when x0 is not null, x ← A·x + B0·d0 + B1·d1. */
function multistepUpdate(x: Float32Array, eps: Float32Array, d0: Float32Array, d1: Float32Array, x0: Float32Array | null, sigma: number, inv: number, A: number, B0: number, B1: number): void {
  const n = x.length;
  for (let k = 0; k < n; k++) {
    const d = M.fround((x[k] - sigma * eps[k]) * inv);
    d0[k] = d;
    x[k] = A * x[k] + B0 * d + B1 * d1[k];
  }
  if (x0) clip1(x0, d0);
}

/** The same for the first step (no previous x̂0) and, with A = 0, B0 = 1, the last. */
function firstUpdate(x: Float32Array, eps: Float32Array, d0: Float32Array, x0: Float32Array | null, sigma: number, inv: number, A: number, B0: number): void {
  const n = x.length;
  for (let k = 0; k < n; k++) {
    const d = M.fround((x[k] - sigma * eps[k]) * inv);
    d0[k] = d;
    x[k] = A * x[k] + B0 * d;
  }
  if (x0) clip1(x0, d0);
}

/** Per-step scalars of DPM-Solver++(2M) (ODE) and SDE-DPM-Solver++(2M) on a plan's levels:
 *  x ← A·x + B0·x̂0_j + B1·x̂0_{j−1} + Sz·z; on the last step (to the clean level) all are 0 and
 *  x ← x̂0_j. Shared with the GPU-resident loop (src/ui/runtime), which runs the same update as
 *  an ONNX graph. */
export function multistepCoefficients(
  level: Float64Array,
  S: number,
  order: 1 | 2,
  correction: 'midpoint' | 'heun',
  sde: boolean,
): { A: Float64Array; B0: Float64Array; B1: Float64Array; Sz: Float64Array } {
  const A = new Float64Array(S);
  const B0 = new Float64Array(S);
  const B1 = new Float64Array(S);
  const Sz = new Float64Array(S);
  const lambda = (a: number): number => 0.5 * Math.log(a / (1 - a));
  let hPrev = 0;
  for (let j = 0; j < S; j++) {
    const at = level[j];
    const as = level[j + 1];
    if (as >= 1) continue; // last step, to the clean level
    const h = lambda(as) - lambda(at);
    const ratio = Math.sqrt((1 - as) / (1 - at)); // σ_s/σ_t
    const second = j > 0 && order === 2;
    const q = second ? hPrev / h : 1; // r
    if (!sde) {
      const coef = Math.sqrt(as) * -Math.expm1(-h);
      A[j] = ratio;
      B0[j] = second ? coef * (1 + 1 / (2 * q)) : coef;
      B1[j] = second ? coef * (-1 / (2 * q)) : 0;
    } else {
      const one = -Math.expm1(-2 * h); // 1 − e^{−2h}
      const alphaS = Math.sqrt(as);
      const c = correction === 'heun' ? 1 + Math.expm1(-2 * h) / (2 * h) : 0.5 * one;
      A[j] = ratio * Math.exp(-h);
      B0[j] = alphaS * one + (second ? (alphaS * c) / q : 0);
      B1[j] = second ? -(alphaS * c) / q : 0;
      Sz[j] = Math.sqrt(1 - as) * Math.sqrt(one);
    }
    hPrev = h;
  }
  return { A, B0, B1, Sz };
}

async function multistep(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: Schedule,
  opts: SDEditOptions,
  noise: NoiseSource,
  sde: boolean,
): Promise<Float32Array> {
  needVP(schedule, sde ? 'dpmpp2m-sde' : 'dpmpp2m');
  const run = checkRun(denoiser, guide, shape, schedule, opts);
  const order = opts.order ?? 2;
  if (order !== 1 && order !== 2) throw new Error(`sdedit: order must be 1 or 2, got ${String(opts.order)}`);
  const correction = opts.correction ?? 'heun';
  if (correction !== 'midpoint' && correction !== 'heun') throw new Error(`sdedit: correction must be 'midpoint' or 'heun', got '${String(opts.correction)}'`);
  const plan = planDpmpp2m(schedule, opts);
  const S = plan.steps;
  const { ts, level } = plan;

  const { A, B0, B1, Sz } = multistepCoefficients(level, S, order, correction, sde);

  const stepper = (st: LoopState): Stepper => {
    const { x, x0 } = st;
    let d0 = new Float32Array(st.total); // x̂0 of the current step
    let d1 = new Float32Array(st.total); // x̂0 of the previous step
    const zs = sde ? new Float32Array(st.total) : null;
    return {
      async step(r, j) {
        const out = await st.predict(ts[j]);
        const at = level[j];
        const sigma = Math.sqrt(1 - at);
        const inv = 1 / Math.sqrt(at);
        if (level[j + 1] >= 1) {
          // last step, to the clean level: x = x̂0
          firstUpdate(x, out, d0, x0, sigma, inv, 0, 1);
          x.set(d0);
        } else if (B1[j] !== 0) multistepUpdate(x, out, d0, d1, x0, sigma, inv, A[j], B0[j], B1[j]);
        else firstUpdate(x, out, d0, x0, sigma, inv, A[j], B0[j]);
        if (Sz[j] !== 0) {
          const z = zs as Float32Array;
          st.draw(r, 'sde', j, 0, z);
          axpby(x, 1, z, Sz[j]);
        }
        const tmp = d1;
        d1 = d0;
        d0 = tmp;
      },
    };
  };
  return runLoop(denoiser, guide, run, { ts, steps: S, ...vpKeep(level) }, opts, noise, stepper);
}
