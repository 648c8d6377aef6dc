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
import type { Denoiser, FastGrid, SamplerName, SDEditOptions } from './types';
import { noiseFreeAt, type Schedule, type VPSchedule } from './schedule';
import type { LoopState, NoiseSource, Stepper } from './loop';
import { checkDenoiser, checkRun, eachRange, runLoop, vpKeptLevels } from './loop';
import { addScaled, copyClipped, dataPrediction, multistepUpdate, type MultistepStep } from './kernels';
import { x0Estimate } from './steps';

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

/** The grid the product runs the few-step solvers on: log-SNR (bench/RESULTS.md §4: nearer the
 *  paper's every-step DDPM than uniform t at every step count). The panel (src/ui/runtime), the CLI
 *  and the evaluation (src/cli/eval) all take it from here, so what is measured is what a designer
 *  runs. planDpmpp2m's own default stays 'time': the engine's samplers on latent packs snap t0 to
 *  that grid's integer timesteps (gridT0). Undefined for the samplers that take no grid. */
export function fewStepGrid(sampler: SamplerName): FastGrid | undefined {
  return sampler === 'dpmpp2m' || sampler === 'dpmpp2m-sde' ? 'logsnr' : undefined;
}

/** Grid of `steps` (default 10) steps from t0 to 0 (N steps = N network calls). */
export function planDpmpp2m(schedule: Schedule, opts: Pick<SDEditOptions, 't0' | 'steps'> & Partial<Pick<SDEditOptions, 'sampler' | 'grid'>>): FastPlan {
  const vp = needVP(schedule, opts.sampler === 'dpmpp2m-sde' ? 'dpmpp2m-sde' : 'dpmpp2m');
  const { t0 } = opts;
  const grid = opts.grid ?? 'time';
  if (grid !== 'time' && grid !== 'quadratic' && grid !== 'logsnr') throw new Error(`sdedit: unknown grid '${String(grid)}'`);
  if (!(t0 >= 0 && t0 <= 1)) throw new Error(`sdedit: t0 must be in [0, 1], got ${t0}`);
  const stepsOpt = opts.steps ?? 0;
  if (!(Number.isInteger(stepsOpt) && stepsOpt >= 0)) throw new Error(`sdedit: steps must be a non-negative integer, got ${opts.steps}`);
  const N = noiseFreeAt(vp, t0) ? 0 : stepsOpt || 10;
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

/** One step of DPM-Solver++(2M) or SDE-DPM-Solver++(2M):
 *  x ← sample·x + x0·x̂0_j + x0Prev·x̂0_{j−1} + noise·z. */
export interface MultistepCoefficients extends MultistepStep {
  noise: number;
}

/** What selects a DPM-Solver++(2M) variant. */
export interface MultistepOptions {
  order: 1 | 2;
  /** the SDE's second-order term (see the top of this file) */
  correction: 'midpoint' | 'heun';
  sde: boolean;
  /** the ODE's second-order term: 'midpoint' (k-diffusion's sample_dpmpp_2m; the engine's own
   *  sampler, the default) or 'heun', α_s·((e^{−h} − 1)/h + 1)·D1 (diffusers' solver_type heun) */
  odeCorrection?: 'midpoint' | 'heun';
  /** first order on the last step even when it stops short of the clean level (diffusers'
   *  lower_order_final / euler_at_final with final_sigmas_type sigma_min) */
  firstOrderLast?: boolean;
}

/** Per-step coefficients of DPM-Solver++(2M) (ODE) and SDE-DPM-Solver++(2M) on a plan's levels
 *  (ᾱ, 1 at the end), one per step; the last step (to the clean level) is x ← x̂0_j. The CPU loop
 *  below, the GPU-resident update graph (src/ui/runtime) and the latent packs' DPMSolverMultistep
 *  (src/core/diffusers/plan.ts) all run these. */
export function multistepCoefficients(level: Float64Array, opts: MultistepOptions): MultistepCoefficients[] {
  const { order, correction, sde } = opts;
  const odeHeun = opts.odeCorrection === 'heun';
  const lambda = (a: number): number => 0.5 * Math.log(a / (1 - a));
  const steps: MultistepCoefficients[] = [];
  let hPrev = 0;
  for (let j = 0; j + 1 < level.length; j++) {
    const at = level[j];
    const as = level[j + 1];
    if (as >= 1) {
      steps.push({ sample: 0, x0: 1, x0Prev: 0, noise: 0 });
      continue;
    }
    const h = lambda(as) - lambda(at);
    const sigmaRatio = Math.sqrt((1 - as) / (1 - at)); // σ_s/σ_t
    const second = j > 0 && order === 2 && !(opts.firstOrderLast && j + 2 === level.length);
    const r = second ? hPrev / h : 1;
    if (!sde && second && odeHeun) {
      const coef = Math.sqrt(as) * -Math.expm1(-h); // α_s·(1 − e^{−h})
      const d1 = Math.sqrt(as) * (Math.expm1(-h) / h + 1);
      steps.push({ sample: sigmaRatio, x0: coef + d1 / r, x0Prev: -d1 / r, noise: 0 });
    } else if (!sde) {
      const coef = Math.sqrt(as) * -Math.expm1(-h); // α_s·(1 − e^{−h})
      steps.push({
        sample: sigmaRatio,
        x0: second ? coef * (1 + 1 / (2 * r)) : coef,
        x0Prev: second ? coef * (-1 / (2 * r)) : 0,
        noise: 0,
      });
    } else {
      const oneMinusE2h = -Math.expm1(-2 * h); // 1 − e^{−2h}
      const alphaS = Math.sqrt(as);
      const c = correction === 'heun' ? 1 + Math.expm1(-2 * h) / (2 * h) : 0.5 * oneMinusE2h;
      steps.push({
        sample: sigmaRatio * Math.exp(-h),
        x0: alphaS * oneMinusE2h + (second ? (alphaS * c) / r : 0),
        x0Prev: second ? -(alphaS * c) / r : 0,
        noise: Math.sqrt(1 - as) * Math.sqrt(oneMinusE2h),
      });
    }
    hPrev = h;
  }
  return steps;
}

/** The solver's own options, checked, with their defaults. */
export function multistepOptions(opts: Pick<SDEditOptions, 'sampler' | 'order' | 'correction'>): MultistepOptions {
  const order = opts.order ?? 2;
  if (order !== 1 && order !== 2) throw new Error(`sdedit: order must be 1 or 2, got ${String(opts.order)}`);
  const correction = opts.correction ?? 'heun';
  if (correction !== 'midpoint' && correction !== 'heun') throw new Error(`sdedit: correction must be 'midpoint' or 'heun', got '${String(opts.correction)}'`);
  return { order, correction, sde: opts.sampler === 'dpmpp2m-sde' };
}

/** SDEdit with DPM-Solver++(2M) ('dpmpp2m') or its SDE variant ('dpmpp2m-sde'), the noise
 *  supplied by the caller. `sdedit` / `sdeditWithNoise` (src/core/sdedit.ts) route here. */
export async function sdeditFastWithNoise(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: Schedule,
  opts: SDEditOptions,
  noise: NoiseSource,
): Promise<Float32Array> {
  const sde = opts.sampler === 'dpmpp2m-sde';
  needVP(schedule, sde ? 'dpmpp2m-sde' : 'dpmpp2m');
  const run = checkRun(guide, shape, opts);
  checkDenoiser(denoiser, schedule);
  const solver = multistepOptions(opts);
  const plan = planDpmpp2m(schedule, opts);
  const { ts, level } = plan;
  const steps = multistepCoefficients(level, solver);

  // x̂0_j = (x − σ_t·ε)/α_t;  x ← sample·x + x0·x̂0_j + x0Prev·x̂0_{j−1} + noise·z;  last: x ← x̂0_j
  const stepper = (st: LoopState): Stepper => {
    const { x, x0 } = st;
    let d0 = st.alloc(st.total); // x̂0 of the current step
    let d1 = st.alloc(st.total); // x̂0 of the previous step
    const z = sde ? st.alloc(st.total) : null;
    return {
      async step(r, j) {
        const c = steps[j];
        // the step's noise is drawn while the network runs; the update adds it in the same pass
        const zj = c.noise !== 0 ? (z as Float32Array) : null;
        const eps = await st.predict(ts[j], zj ? () => st.drawEdited(r, 'sde', j, 0, zj) : undefined);
        const estimate = x0Estimate(level[j]);
        // only the edited pixels: the loop replaces the kept ones after the step
        if (level[j + 1] >= 1) {
          eachRange(st.edited, x.length, (lo, hi) => {
            dataPrediction(d0, x, eps, estimate, lo, hi);
            x.set(d0.subarray(lo, hi), lo);
            if (zj) addScaled(x, zj, c.noise, lo, hi);
          });
        } else {
          const prev = c.x0Prev !== 0 ? d1 : null;
          const coef = { ...c, ...estimate };
          multistepUpdate(x, eps, d0, prev, coef, zj, st.edited);
        }
        const previous = d1;
        d1 = d0;
        d0 = previous;
      },
      // the step's x̂0 (now d1), clipped, only for a step whose preview is read
      x0() {
        if (x0) copyClipped(x0, d1);
      },
    };
  };
  return runLoop(denoiser, guide, run, { ts, steps: plan.steps, ...vpKeptLevels(level) }, opts, noise, stepper);
}
