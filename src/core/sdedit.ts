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
import type { Denoiser, SDEditOptions, Shape4, StepInfo } from './types';
import type { Schedule } from './schedule';
import { gaussian, streamId } from './rng';
import { planDpmpp2m, sdeditDpmpp2m } from './solvers-fast';

// Local alias: a global lookup per call is slow inside vm contexts (jest), so hot loops
// reach Math through a module constant.
const M = Math;

/** What a noise draw is for; the default source turns it into a stream of the seeded RNG. */
export interface NoiseRequest {
  /** batch item (its seed is opts.seed + item) */
  item: number;
  /** 0-based repeat */
  repeat: number;
  /** 'init': the noising of the guide to t0; 'step': a reverse step; 'corrector': a Langevin step */
  kind: 'init' | 'step' | 'corrector';
  /** 0-based step within the repeat (0 for 'init') */
  step: number;
  /** corrector sub-step (0 otherwise) */
  sub: number;
}

/** Writes count standard normals for `req` into out[offset ..]. */
export type NoiseSource = (req: NoiseRequest, out: Float32Array, offset: number, count: number) => void;

const KIND_ID = { init: 1, step: 2, corrector: 3 } as const;

/** The stream id of a draw (documented so that other tools can reproduce a run's noise). */
export function noiseStream(req: Omit<NoiseRequest, 'item'>): number {
  return streamId(KIND_ID[req.kind], req.repeat, req.step, req.sub);
}

/** The engine's noise: item b draws from seed + b. */
export function seededNoise(seed: number): NoiseSource {
  return (req, out, offset, count) => {
    gaussian(seed + req.item, noiseStream(req), out, offset, count);
  };
}

export function abortError(): Error {
  const e = new Error('SDEdit aborted');
  e.name = 'AbortError';
  return e;
}

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

function posInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`sdedit: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** Build the time grid for these options (exported for the UI's step counts and tests). */
export function planSDEdit(schedule: Schedule, opts: Pick<SDEditOptions, 'sampler' | 't0' | 'steps'>): SDEditPlan {
  const { sampler, t0 } = opts;
  if (!(t0 >= 0 && t0 <= 1)) throw new Error(`sdedit: t0 must be in [0, 1], got ${t0}`);
  const stepsOpt = opts.steps ?? 0;
  if (!(Number.isInteger(stepsOpt) && stepsOpt >= 0)) throw new Error(`sdedit: steps must be a non-negative integer, got ${opts.steps}`);
  if (sampler === 'dpmpp2m') throw new Error("sdedit: 'dpmpp2m' is planned by planDpmpp2m (src/core/solvers-fast.ts)");
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
  if (opts.sampler === 'dpmpp2m') return sdeditDpmpp2m(denoiser, guide, shape, schedule, opts);
  return sdeditWithNoise(denoiser, guide, shape, schedule, opts, seededNoise(opts.seed));
}

/** Count of network calls a run makes (steps × repeats × (1 + corrector steps for VE)). */
export function networkCalls(schedule: Schedule, opts: SDEditOptions): number {
  if (opts.sampler === 'dpmpp2m') return planDpmpp2m(schedule, opts).steps * (opts.repeats ?? 1);
  const plan = planSDEdit(schedule, opts);
  const per = schedule.type === 've' ? 1 + (opts.correctorSteps ?? 0) : 1;
  return plan.steps * (opts.repeats ?? 1) * per;
}

/** Sizes of one run, after the checks every sampler shares. */
export interface RunShape {
  c: number;
  h: number;
  w: number;
  HW: number;
  P: number;
  N: number;
  K: number;
  mask: Float32Array | null;
}

/** The input checks every SDEdit sampler shares: shapes, batch, repeats, denoiser kind, mask. */
export function checkRun(denoiser: Denoiser, guide: Float32Array, shape: [number, number, number], schedule: Schedule, opts: SDEditOptions): RunShape {
  const [c, h, w] = shape;
  posInt(c, 'channels');
  posInt(h, 'height');
  posInt(w, 'width');
  const HW = h * w;
  const P = c * HW;
  if (guide.length !== P) throw new Error(`sdedit: guide has ${guide.length} values, shape ${c}×${h}×${w} needs ${P}`);
  const N = posInt(opts.batch ?? 1, 'batch');
  const K = posInt(opts.repeats ?? 1, 'repeats');
  const vp = schedule.type === 'vp';
  const want = vp ? 'eps' : 'score';
  if (denoiser.kind !== want) {
    throw new Error(`sdedit: a ${vp ? 'VP' : 'VE'} schedule needs a denoiser that predicts '${want}', this one predicts '${denoiser.kind}'`);
  }
  const mask = opts.mask ?? null;
  if (mask && mask.length !== HW) throw new Error(`sdedit: mask has ${mask.length} values, the image has ${h}×${w} = ${HW} pixels`);
  return { c, h, w, HW, P, N, K, mask };
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
  const { c, h, w, HW, P, N, K, mask } = checkRun(denoiser, guide, shape, schedule, opts);
  const vp = schedule.type === 'vp';
  const eta = opts.eta ?? 0;
  if (!(eta >= 0)) throw new Error(`sdedit: eta must be ≥ 0, got ${opts.eta}`);
  const corrector = vp ? 0 : (opts.correctorSteps ?? 0);
  if (!(Number.isInteger(corrector) && corrector >= 0)) throw new Error(`sdedit: correctorSteps must be a non-negative integer, got ${opts.correctorSteps}`);
  const snr = opts.snr ?? 0.16;
  if (corrector > 0 && !(snr > 0)) throw new Error(`sdedit: snr must be > 0, got ${opts.snr}`);
  if (opts.sampler === 'dpmpp2m') throw new Error("sdedit: 'dpmpp2m' runs through sdeditDpmpp2mWithNoise (src/core/solvers-fast.ts)");
  const plan = planSDEdit(schedule, opts);
  const S = plan.steps;
  const { ts, level } = plan;
  const signal = opts.signal;
  const onStep = opts.onStep;

  const total = N * P;
  const nshape: Shape4 = [N, c, h, w];
  const g = new Float32Array(total); // guide per item (it diverges across items after a repeat)
  for (let b = 0; b < N; b++) g.set(guide, b * P);
  const x = new Float32Array(total);
  if (S === 0) {
    x.set(g);
    return x;
  }
  const z0 = new Float32Array(total); // the repeat's initial noise, reused for kept pixels
  const zs = new Float32Array(total); // per-step noise
  const x0 = onStep ? new Float32Array(total) : null;
  const tArr = new Float32Array(N);
  const norms = corrector > 0 ? new Float64Array(2 * N) : null;

  const predict = async (t: number): Promise<Float32Array> => {
    if (signal?.aborted) throw abortError();
    tArr.fill(t);
    const out = await denoiser.predict(x, nshape, tArr);
    if (!out || out.length !== total) {
      throw new Error(`sdedit: the denoiser returned ${out ? out.length : 'nothing'} values, expected ${total} (${N}×${c}×${h}×${w})`);
    }
    return out;
  };
  const draw = (repeat: number, kind: NoiseRequest['kind'], step: number, sub: number, out: Float32Array): void => {
    for (let b = 0; b < N; b++) noise({ item: b, repeat, kind, step, sub }, out, b * P, P);
  };
  // Noise scale of level index j: (signal, noise) multipliers of (x_g, z).
  const scales = (j: number): [number, number] => {
    if (vp) return [M.sqrt(level[j]), M.sqrt(M.max(0, 1 - level[j]))];
    return [1, j === S ? 0 : M.sqrt(level[j])];
  };
  // Kept pixels ← the guide at level j, with the repeat's initial noise.
  const replaceKept = (j: number): void => {
    if (!mask) return;
    const [sa, sn] = scales(j);
    for (let b = 0; b < N; b++) {
      for (let ch = 0; ch < c; ch++) {
        const base = b * P + ch * HW;
        for (let p = 0; p < HW; p++) {
          const mv = mask[p];
          if (mv === 1) continue;
          const k = base + p;
          const y = sn === 0 ? sa * g[k] : sa * g[k] + sn * z0[k];
          x[k] = mv === 0 ? y : mv * x[k] + (1 - mv) * y;
        }
      }
    }
  };

  let done = 0;
  const totalSteps = K * S;
  for (let r = 0; r < K; r++) {
    draw(r, 'init', 0, 0, z0);
    {
      const [sa, sn] = scales(0);
      for (let k = 0; k < total; k++) x[k] = sa * g[k] + sn * z0[k];
    }
    for (let j = 0; j < S; j++) {
      const t = ts[j];
      if (!vp) {
        for (let q = 0; q < corrector; q++) {
          const sc = await predict(t);
          draw(r, 'corrector', j, q, zs);
          const nr = norms as Float64Array;
          nr.fill(0);
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
          replaceKept(j);
        }
      }
      const out = await predict(t);
      let A: number;
      let B: number;
      let Sz: number;
      const last = j === S - 1;
      if (vp) {
        const at = level[j];
        const as = level[j + 1];
        if (plan.indices) {
          // the official runner's step at discrete index i
          const i = plan.indices[j];
          const beta = schedule.betas[i];
          A = 1 / M.sqrt(1 - beta);
          B = -A * (beta / M.sqrt(1 - schedule.alphaBars[i]));
          // logvar[i] = log β_i for i ≥ 1 ("fixedlarge"); index 0 adds no noise
          Sz = i === 0 ? 0 : M.exp(0.5 * M.log(beta));
        } else if (opts.sampler === 'ddpm') {
          const bp = 1 - at / as;
          A = M.sqrt(as / at);
          B = -A * (bp / M.sqrt(1 - at));
          Sz = last ? 0 : M.sqrt(M.max(0, (bp * (1 - as)) / (1 - at)));
        } else {
          const sig = last ? 0 : eta * M.sqrt(M.max(0, ((1 - as) / (1 - at)) * (1 - at / as)));
          const sa = M.sqrt(as);
          A = sa / M.sqrt(at);
          B = M.sqrt(M.max(0, 1 - as - sig * sig)) - A * M.sqrt(1 - at);
          Sz = sig;
        }
        if (x0) {
          const inv = 1 / M.sqrt(at);
          const sn = M.sqrt(1 - at);
          for (let k = 0; k < total; k++) {
            const v = (x[k] - sn * out[k]) * inv;
            x0[k] = v > 1 ? 1 : v < -1 ? -1 : v;
          }
        }
      } else {
        const d = level[j] - level[j + 1];
        A = 1;
        B = d;
        Sz = last ? 0 : M.sqrt(d);
        if (x0) {
          const s2 = level[j];
          for (let k = 0; k < total; k++) {
            const v = x[k] + s2 * out[k];
            x0[k] = v > 1 ? 1 : v < -1 ? -1 : v;
          }
        }
      }
      if (Sz !== 0) {
        draw(r, 'step', j, 0, zs);
        for (let k = 0; k < total; k++) x[k] = A * x[k] + B * out[k] + Sz * zs[k];
      } else {
        for (let k = 0; k < total; k++) x[k] = A * x[k] + B * out[k];
      }
      replaceKept(j + 1);
      done++;
      if (onStep) {
        const info: StepInfo = { step: done, total: totalSteps, repeat: r, t: ts[j + 1], x, x0: x0 as Float32Array };
        await onStep(info);
      }
    }
    if (r < K - 1) g.set(x);
  }
  return x;
}
