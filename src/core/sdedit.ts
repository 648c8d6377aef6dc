// SDEdit (Meng et al., ICLR 2022): noise the guide to t0, then run a reverse sampler to t = 0.
//
// Every sampler is one loop over a descending time grid ts[0] = t_start > ts[1] > … > ts[S] = 0.
// A reverse step j (ts[j] → ts[j+1]) asks the denoiser once at t = ts[j] and updates the sample
// in place as x ← a·x + b·out + c·z, with the per-step scalars of src/core/steps.ts:
//
//  VP 'ddpm', every step (steps 0/undefined; the paper's and the official runner's setting):
//     t0 is snapped to the grid, T = round(t0·n) steps, step j uses the discrete index
//     i = T−1−j at t = (i+1)/n and the official equations (ddpmIndexStep), with the posterior
//     variance β̃_i by default (the official configs' `fixedsmall`; `ddpmVariance`).
//  VP 'ddpm', strided (steps = N): ts[j] = t0·(N−j)/N on the continuous schedule; the ancestral
//     step between ᾱ(ts[j]) and ᾱ(ts[j+1]) with its posterior variance (ddpmStep).
//  VP 'ddim' (η, default 0), on the same grid (ddimStep).
//  VE 've' (paper Algorithm 1): Euler–Maruyama, σ(0) = σ_min; the last step adds no noise
//     (veStep). Optional Langevin corrector (score_sde's, with one step size per batch item)
//     runs `correctorSteps` times at ts[j] before the predictor: ε = 2(snr·‖z‖/‖s‖)²,
//     x ← x + ε·s + √(2ε)·z.
//
// Step counts: `steps` = N reverse steps = N network calls per repeat (times 1 + correctorSteps
// for VE). Left out (or 0): 'ddpm' runs every grid step below t0; 'ddim' takes round(t0·n)
// uniform steps; 've' takes round(t0·1000). A t0 with no noise (0, or one whose ᾱ snaps to 1,
// schedule.ts noiseFreeAt) makes no step and returns the guide.
// Defaults: η = 0, snr = 0.16 (score_sde's VE setting), repeats = 1, batch = 1.
//
// Masks (1 = edit, 0 = keep, fractional = blend): after every step (and every corrector step)
//   x ← m·x + (1−m)·(√ᾱ(t)·x_g + √(1−ᾱ(t))·z)         (VE: x_g + σ(t)·z)
// where t is the sample's level after that step and z is the same draw that noised the guide
// at the start of the repeat. The level after the last step is clean (ᾱ = 1, σ = 0), so kept
// pixels equal the guide bit for bit. (The official code uses the level before the step.)
//
// Repeats (K): after repeat r the result becomes the guide of repeat r+1 (its kept pixels
// already equal the old guide and its fractional pixels are already blended by the last
// replacement, so x_g ← x is the paper's x_g ← m·x + (1−m)·x_g without blending twice), then it
// is noised to t0 again with fresh noise.
//
// Randomness: every draw is a pure function of (seed + item, stream), the stream naming what it
// is for (initial noise of repeat r, the noise of step j, corrector sub-step), so item b of a
// batch equals a single run with seed + b; and a step's draw can be made while its network call
// is pending (LoopState.predict), off the critical path when the network runs off this thread.
// With a mask, a step's draw is made only at the pixels the mask edits (LoopState.drawEdited):
// the update adds it value by value and the kept pixels are then replaced, so the bytes are
// those of the whole draw (the repeat's initial draw and a corrector's stay whole).
import type { Denoiser, SDEditOptions } from './types';
import { noiseFreeAt, type Schedule } from './schedule';
import type { LoopState, NoiseSource, Stepper } from './loop';
import { checkDenoiser, checkRun, checkSeed, runLoop, seededNoise, vpKeptLevels } from './loop';
import { applyStep, epsStep, x0FromScore } from './kernels';
import { ddimStep, ddpmIndexStep, ddpmStep, veStep, x0Estimate, type AffineStep } from './steps';
import { planDpmpp2m, sdeditFastWithNoise } from './solvers-fast';

export type { NoiseRequest, NoiseSource, RunShape } from './loop';
export { abortError, checkRun, checkSeed, noiseStream, seededNoise } from './loop';

/** The reverse-time grid and per-level quantities of one repeat. */
export interface SDEditPlan {
  /** times ts[0] = t_start > … > ts[steps] = 0 */
  ts: Float64Array;
  /** VP: ᾱ at each ts (1 at the end). VE: σ² at each ts, with σ²(0) = σ_min² (used by the
   *  last Euler–Maruyama step); the level of the result itself is clean. */
  level: Float64Array;
  steps: number;
  /** the time the guide is noised to (t0, snapped to the grid for every-step DDPM) */
  tStart: number;
  /** VP every-step DDPM: the discrete index of each step; otherwise null */
  indices: Int32Array | null;
}

/** Build the time grid for these options (exported for the UI's step counts and tests). */
export function planSDEdit(schedule: Schedule, opts: Pick<SDEditOptions, 'sampler' | 't0' | 'steps'>): SDEditPlan {
  const { sampler, t0 } = opts;
  if (!(t0 >= 0 && t0 <= 1)) throw new Error(`sdedit: t0 must be in [0, 1], got ${t0}`);
  const stepsOpt = opts.steps ?? 0;
  if (!(Number.isInteger(stepsOpt) && stepsOpt >= 0)) throw new Error(`sdedit: steps must be a non-negative integer, got ${opts.steps}`);
  if (sampler === 'dpmpp2m' || sampler === 'dpmpp2m-sde') throw new Error(`sdedit: '${sampler}' is planned by planDpmpp2m (src/core/solvers-fast.ts)`);
  if (schedule.type === 'vp') {
    if (sampler !== 'ddpm' && sampler !== 'ddim') {
      throw new Error(`sdedit: sampler '${sampler}' needs a VE schedule; this model's schedule is VP (use 'ddpm' or 'ddim')`);
    }
    if (sampler === 'ddpm' && stepsOpt === 0) {
      const T = Math.round(t0 * schedule.n);
      const ts = new Float64Array(T + 1);
      const level = new Float64Array(T + 1);
      const indices = new Int32Array(T);
      for (let j = 0; j <= T; j++) {
        const k = T - j; // the sample sits at level index k−1 (k = 0: clean)
        ts[j] = k / schedule.n;
        level[j] = k === 0 ? 1 : schedule.alphaBars[k - 1];
        if (j < T) indices[j] = k - 1;
      }
      return { ts, level, steps: T, tStart: T / schedule.n, indices };
    }
    const N = noiseFreeAt(schedule, t0) ? 0 : stepsOpt || Math.max(1, Math.round(t0 * schedule.n));
    const ts = new Float64Array(N + 1);
    const level = new Float64Array(N + 1);
    for (let j = 0; j <= N; j++) {
      ts[j] = N === 0 ? 0 : (t0 * (N - j)) / N;
      level[j] = j === N ? 1 : schedule.alphaBar(ts[j]);
    }
    return { ts, level, steps: N, tStart: N === 0 ? 0 : t0, indices: null };
  }
  if (sampler !== 've') {
    throw new Error(`sdedit: sampler '${sampler}' needs a VP schedule; this model's schedule is VE (use 've')`);
  }
  const N = noiseFreeAt(schedule, t0) ? 0 : stepsOpt || Math.max(1, Math.round(t0 * 1000));
  const ts = new Float64Array(N + 1);
  const level = new Float64Array(N + 1);
  for (let j = 0; j <= N; j++) {
    ts[j] = N === 0 ? 0 : (t0 * (N - j)) / N;
    level[j] = schedule.sigma(ts[j]) ** 2;
  }
  return { ts, level, steps: N, tStart: N === 0 ? 0 : t0, indices: null };
}

/**
 * SDEdit on one guide. `guide` is C×H×W in [−1, 1]; the result is N×C×H×W (N = opts.batch ?? 1),
 * item b made with seed opts.seed + b. Rejects with an Error named 'AbortError' when
 * opts.signal aborts (checked before every network call).
 */
export function sdedit(denoiser: Denoiser, guide: Float32Array, shape: [number, number, number], schedule: Schedule, opts: SDEditOptions): Promise<Float32Array> {
  checkSeed(opts.seed);
  return sdeditWithNoise(denoiser, guide, shape, schedule, opts, seededNoise(opts.seed));
}

/** Count of network calls a run makes (steps × repeats × (1 + corrector steps for VE)). */
export function networkCalls(schedule: Schedule, opts: SDEditOptions): number {
  if (opts.sampler === 'dpmpp2m' || opts.sampler === 'dpmpp2m-sde') return planDpmpp2m(schedule, opts).steps * (opts.repeats ?? 1);
  const plan = planSDEdit(schedule, opts);
  const per = schedule.type === 've' ? 1 + (opts.correctorSteps ?? 0) : 1;
  return plan.steps * (opts.repeats ?? 1) * per;
}

/** The per-step coefficients of 'ddpm', 'ddim' and 've' on a plan (src/core/steps.ts), one per
 *  step: what the CPU loop below and the GPU-resident update graph both run. */
export function samplerSteps(schedule: Schedule, plan: SDEditPlan, opts: Pick<SDEditOptions, 'sampler' | 'eta' | 'ddpmVariance'>): AffineStep[] {
  const eta = opts.eta ?? 0;
  if (!(eta >= 0 && Number.isFinite(eta))) throw new Error(`sdedit: eta must be a finite number ≥ 0, got ${opts.eta}`);
  const variance = opts.ddpmVariance ?? 'fixedsmall';
  if (variance !== 'fixedsmall' && variance !== 'fixedlarge') throw new Error(`sdedit: ddpmVariance must be 'fixedsmall' or 'fixedlarge', got '${String(opts.ddpmVariance)}'`);
  const { level, indices } = plan;
  const steps: AffineStep[] = [];
  for (let j = 0; j < plan.steps; j++) {
    if (schedule.type === 've') steps.push(veStep(level[j], level[j + 1], j < plan.steps - 1));
    else if (indices) steps.push(ddpmIndexStep(schedule, indices[j], variance));
    else if (opts.sampler === 'ddpm') steps.push(ddpmStep(level[j], level[j + 1]));
    else steps.push(ddimStep(level[j], level[j + 1], eta));
  }
  return steps;
}

/** sdedit with the noise supplied by the caller (tests inject recorded noise here). */
export async function sdeditWithNoise(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: Schedule,
  opts: SDEditOptions,
  noise: NoiseSource,
): Promise<Float32Array> {
  if (opts.sampler === 'dpmpp2m' || opts.sampler === 'dpmpp2m-sde') return sdeditFastWithNoise(denoiser, guide, shape, schedule, opts, noise);
  const run = checkRun(guide, shape, opts);
  checkDenoiser(denoiser, schedule);
  const corrector = schedule.type === 've' ? (opts.correctorSteps ?? 0) : 0;
  if (!(Number.isInteger(corrector) && corrector >= 0)) throw new Error(`sdedit: correctorSteps must be a non-negative integer, got ${opts.correctorSteps}`);
  const snr = opts.snr ?? 0.16;
  if (corrector > 0 && !(snr > 0)) throw new Error(`sdedit: snr must be > 0, got ${opts.snr}`);
  const plan = planSDEdit(schedule, opts);
  const steps = samplerSteps(schedule, plan, opts);
  const { ts, level } = plan;
  const stepper = schedule.type === 'vp' ? vpSampler(plan, steps) : veSampler(plan, steps, corrector, snr);
  return runLoop(denoiser, guide, run, { ts, steps: plan.steps, ...keptLevels(schedule, level) }, opts, noise, stepper);
}

/** Kept pixels at each level: VP √ᾱ·x_g + √(1−ᾱ)·z; VE x_g + σ·z, clean (σ = 0) after the last
 *  step although the plan's last VE level is σ_min². */
function keptLevels(schedule: Schedule, level: Float64Array) {
  if (schedule.type === 'vp') return vpKeptLevels(level);
  const keptSignal = new Float64Array(level.length).fill(1);
  const keptNoise = new Float64Array(level.length);
  for (let j = 0; j < level.length - 1; j++) keptNoise[j] = Math.sqrt(level[j]);
  return { keptSignal, keptNoise };
}

/** DDPM and DDIM: ε = network(x, t_j); x ← a·x + b·ε + c·z. */
function vpSampler(plan: SDEditPlan, steps: AffineStep[]) {
  return (st: LoopState): Stepper => {
    const z = steps.some((c) => c.noise !== 0) ? st.alloc(st.total) : null;
    return {
      async step(r, j) {
        const c = steps[j];
        const draw = c.noise !== 0 ? z : null;
        const eps = await st.predict(plan.ts[j], draw ? () => st.drawEdited(r, 'step', j, 0, draw) : undefined);
        epsStep(st.x, eps, draw, st.x0, { ...c, ...x0Estimate(plan.level[j]) });
      },
    };
  };
}

/** VE: `corrector` Langevin steps at t_j, then the Euler–Maruyama predictor with s = network(x, t_j). */
function veSampler(plan: SDEditPlan, steps: AffineStep[], corrector: number, snr: number) {
  return (st: LoopState): Stepper => {
    const z = corrector > 0 || steps.some((c) => c.noise !== 0) ? st.alloc(st.total) : null;
    return {
      async step(r, j) {
        const t = plan.ts[j];
        for (let q = 0; q < corrector; q++) {
          const score = await st.predict(t, () => st.draw(r, 'corrector', j, q, z as Float32Array));
          langevinStep(st.x, score, z as Float32Array, snr, st.itemSize);
          st.replaceKept(j);
        }
        const c = steps[j];
        const draw = c.noise !== 0 ? z : null;
        const score = await st.predict(t, draw ? () => st.drawEdited(r, 'step', j, 0, draw) : undefined);
        if (st.x0) x0FromScore(st.x0, st.x, score, plan.level[j]);
        applyStep(st.x, score, draw, c);
      },
    };
  };
}

/** One Langevin corrector step per batch item of itemSize values (score_sde's step size:
 *  ε = 2(snr·‖z‖/‖s‖)², x ← x + ε·s + √(2ε)·z). */
function langevinStep(x: Float32Array, score: Float32Array, z: Float32Array, snr: number, itemSize: number): void {
  for (let lo = 0; lo < x.length; lo += itemSize) {
    const hi = lo + itemSize;
    let gs = 0;
    let zz = 0;
    for (let k = lo; k < hi; k++) {
      gs += score[k] * score[k];
      zz += z[k] * z[k];
    }
    const step = gs > 0 ? 2 * (snr * snr * zz) / gs : 0;
    const amp = Math.sqrt(2 * step);
    for (let k = lo; k < hi; k++) x[k] = x[k] + step * score[k] + amp * z[k];
  }
}
