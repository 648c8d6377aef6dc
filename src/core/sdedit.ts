// SDEdit (Meng et al., ICLR 2022): noise the guide to t0, then run a reverse sampler to t = 0.
//
// Every sampler is one loop over a descending time grid ts[0] = t_start > ts[1] > … > ts[S] = 0.
// A reverse step j (ts[j] → ts[j+1]) asks the denoiser once at t = ts[j] and updates the sample
// in place as x ← A·x + B·out + S·z, with per-step scalars (A, B, S) set by the sampler:
//
//  VP 'ddpm', every step (steps 0/undefined; the paper's and the official runner's setting):
//     t0 is snapped to the grid, T = round(t0·n) steps, step j uses the discrete index
//     i = T−1−j at t = (i+1)/n and the official equations
//       mean = (x − β_i/√(1−ᾱ_i)·ε)/√(1−β_i),  x ← mean + exp(½·logvar_i)·z  (no noise at i = 0)
//     with logvar = log(append(posterior_variance[1], β[1:])) ("fixedlarge").
//  VP 'ddpm', strided (steps = N): ts[j] = t0·(N−j)/N on the continuous schedule; an ancestral
//     step from a_t = ᾱ(ts[j]) to a_s = ᾱ(ts[j+1]) with β' = 1 − a_t/a_s and the posterior
//     variance β'(1−a_s)/(1−a_t) (zero on the last step, where a_s = ᾱ(0) = 1).
//  VP 'ddim' (η, default 0): x̂0 = (x − √(1−a_t)ε)/√a_t, σ = η·√((1−a_s)/(1−a_t)·(1−a_t/a_s)),
//     x ← √a_s·x̂0 + √(1−a_s−σ²)·ε + σ·z. No clipping of x̂0 inside the sampler.
//  VE 've' (paper Algorithm 1): x ← x + Δ·s_θ(x, t) + √Δ·z, Δ = σ²(ts[j]) − σ²(ts[j+1]),
//     σ(0) = σ_min. The last step adds no noise (returns the mean, as score_sde's samplers do).
//     Optional Langevin corrector (score_sde's, with one step size per batch item) runs
//     `correctorSteps` times at ts[j] before the predictor: ε = 2(snr·‖z‖/‖s‖)²,
//     x ← x + ε·s + √(2ε)·z.
//
// Step counts: `steps` = N reverse steps = N network calls per repeat (times 1 + correctorSteps
// for VE). Left out (or 0): 'ddpm' runs every grid step below t0; 'ddim' takes round(t0·n)
// uniform steps; 've' takes round(t0·1000). t0 = 0 makes no step and returns the guide.
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
// batch equals a single run with seed + b.
import type { Denoiser, SDEditOptions } from './types';
import type { Schedule } from './schedule';
import type { LoopState, NoiseSource, Stepper } from './loop';
import { axpby, axpbypcz, checkRun, epsStep, runLoop, seededNoise, x0FromScore } from './loop';
import { planDpmpp2m, sdeditFastWithNoise } from './solvers-fast';

export type { NoiseRequest, NoiseSource, RunShape } from './loop';
export { abortError, checkRun, noiseStream, seededNoise } from './loop';

// Local alias: a global lookup per call is slow inside vm contexts (jest), so hot loops
// reach Math through a module constant.
const M = Math;

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
      const T = M.round(t0 * schedule.n);
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
    const N = t0 === 0 ? 0 : stepsOpt || M.max(1, M.round(t0 * schedule.n));
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
  const N = t0 === 0 ? 0 : stepsOpt || M.max(1, M.round(t0 * 1000));
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
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`sdedit: seed must be a safe integer, got ${opts.seed}`);
  return sdeditWithNoise(denoiser, guide, shape, schedule, opts, seededNoise(opts.seed));
}

/** Count of network calls a run makes (steps × repeats × (1 + corrector steps for VE)). */
export function networkCalls(schedule: Schedule, opts: SDEditOptions): number {
  if (opts.sampler === 'dpmpp2m' || opts.sampler === 'dpmpp2m-sde') return planDpmpp2m(schedule, opts).steps * (opts.repeats ?? 1);
  const plan = planSDEdit(schedule, opts);
  const per = schedule.type === 've' ? 1 + (opts.correctorSteps ?? 0) : 1;
  return plan.steps * (opts.repeats ?? 1) * per;
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
  const run = checkRun(denoiser, guide, shape, schedule, opts);
  const vp = schedule.type === 'vp';
  const eta = opts.eta ?? 0;
  if (!(eta >= 0)) throw new Error(`sdedit: eta must be ≥ 0, got ${opts.eta}`);
  const corrector = vp ? 0 : (opts.correctorSteps ?? 0);
  if (!(Number.isInteger(corrector) && corrector >= 0)) throw new Error(`sdedit: correctorSteps must be a non-negative integer, got ${opts.correctorSteps}`);
  const snr = opts.snr ?? 0.16;
  if (corrector > 0 && !(snr > 0)) throw new Error(`sdedit: snr must be > 0, got ${opts.snr}`);
  const plan = planSDEdit(schedule, opts);
  const S = plan.steps;
  const { level } = plan;
  // kept pixels at level j: VP √ᾱ·x_g + √(1−ᾱ)·z; VE x_g + σ·z, clean (σ = 0) after the last step
  const keepA = new Float64Array(S + 1);
  const keepN = new Float64Array(S + 1);
  for (let j = 0; j <= S; j++) {
    keepA[j] = vp ? M.sqrt(level[j]) : 1;
    keepN[j] = vp ? M.sqrt(M.max(0, 1 - level[j])) : j === S ? 0 : M.sqrt(level[j]);
  }
  // per-step scalars of x ← A·x + B·out + Sz·z
  const A = new Float64Array(S);
  const B = new Float64Array(S);
  const Sz = new Float64Array(S);
  for (let j = 0; j < S; j++) {
    const last = j === S - 1;
    if (vp) {
      const at = level[j];
      const as = level[j + 1];
      if (plan.indices) {
        // the official runner's step at discrete index i
        const i = plan.indices[j];
        const beta = schedule.betas[i];
        A[j] = 1 / M.sqrt(1 - beta);
        B[j] = -A[j] * (beta / M.sqrt(1 - schedule.alphaBars[i]));
        // logvar[i] = log β_i for i ≥ 1 ("fixedlarge"); index 0 adds no noise
        Sz[j] = i === 0 ? 0 : M.exp(0.5 * M.log(beta));
      } else if (opts.sampler === 'ddpm') {
        const bp = 1 - at / as;
        A[j] = M.sqrt(as / at);
        B[j] = -A[j] * (bp / M.sqrt(1 - at));
        Sz[j] = last ? 0 : M.sqrt(M.max(0, (bp * (1 - as)) / (1 - at)));
      } else {
        const sig = last ? 0 : eta * M.sqrt(M.max(0, ((1 - as) / (1 - at)) * (1 - at / as)));
        const sa = M.sqrt(as);
        A[j] = sa / M.sqrt(at);
        B[j] = M.sqrt(M.max(0, 1 - as - sig * sig)) - A[j] * M.sqrt(1 - at);
        Sz[j] = sig;
      }
    } else {
      const d = level[j] - level[j + 1];
      A[j] = 1;
      B[j] = d;
      Sz[j] = last ? 0 : M.sqrt(d);
    }
  }

  const stepper = (st: LoopState): Stepper => {
    const { x, x0, N, P } = st;
    // noise only for steps that use it (none for DDIM η = 0)
    const zs = corrector > 0 || Sz.some((v) => v !== 0) ? new Float32Array(st.total) : null;
    return {
      async step(r, j) {
        const t = plan.ts[j];
        for (let q = 0; q < corrector; q++) {
          const sc = await st.predict(t);
          const z = zs as Float32Array;
          st.draw(r, 'corrector', j, q, z);
          langevin(x, sc, z, snr, N, P);
          st.replaceKept(j);
        }
        const out = await st.predict(t);
        let z: Float32Array | null = null;
        if (Sz[j] !== 0) {
          z = zs as Float32Array;
          st.draw(r, 'step', j, 0, z);
        }
        if (vp) {
          const at = level[j];
          epsStep(x, out, A[j], B[j], z, Sz[j], x0, M.sqrt(1 - at), 1 / M.sqrt(at));
        } else {
          if (x0) x0FromScore(x0, x, out, level[j]);
          if (z) axpbypcz(x, A[j], out, B[j], z, Sz[j]);
          else axpby(x, A[j], out, B[j]);
        }
      },
    };
  };
  return runLoop(denoiser, guide, run, { ts: plan.ts, steps: S, keepA, keepN }, opts, noise, stepper);
}

/** One Langevin corrector step per batch item (score_sde's step size: ε = 2(snr·‖z‖/‖s‖)²). */
function langevin(x: Float32Array, sc: Float32Array, zs: Float32Array, snr: number, N: number, P: number): void {
  for (let b = 0; b < N; b++) {
    let gs = 0;
    let zz = 0;
    for (let k = b * P, e = k + P; k < e; k++) {
      gs += sc[k] * sc[k];
      zz += zs[k] * zs[k];
    }
    const step = gs > 0 ? 2 * (snr * snr * zz) / gs : 0;
    const amp = M.sqrt(2 * step);
    for (let k = b * P, e = k + P; k < e; k++) x[k] = x[k] + step * sc[k] + amp * zs[k];
  }
}
