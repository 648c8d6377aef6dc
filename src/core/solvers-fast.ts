// Few-step SDEdit: DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", multistep second order,
// data-prediction form) started from the same SDEdit noising as the other samplers.
//
// VP schedule, α_t = √ᾱ(t), σ_t = √(1−ᾱ(t)), λ_t = log(α_t/σ_t). The network's ε̂ becomes the
// data prediction x̂0 = (x − σ_t·ε̂)/α_t. On the descending grid ts[0] = t0 > … > ts[N] = 0
// (FastGrid: uniform in t by default, the grid of 'ddim' with the same step count), step j (ts[j] → ts[j+1]) asks the
// network once at ts[j], then with h_j = λ(ts[j+1]) − λ(ts[j]):
//   first step:  D = x̂0_j                                       (= one DDIM step)
//   later steps: r = h_{j−1}/h_j,  D = (1 + 1/(2r))·x̂0_j − (1/(2r))·x̂0_{j−1}
//   x ← (σ_{j+1}/σ_j)·x + α_{j+1}·(1 − e^{−h_j})·D
// The last step lands on t = 0 (σ = 0, h = ∞) and is first order: x ← x̂0 of the last call,
// as k-diffusion's sample_dpmpp_2m and diffusers' lower_order_final do. N steps = N calls.
//
// Noising, masks, repeats, batch and randomness follow src/core/sdedit.ts exactly: the guide is
// noised to t0 with the 'init' draw of the repeat (so the same seed starts DDIM, DDPM and this
// solver from the same x_{t0}); after every step kept pixels become the guide noised to the
// sample's new level with that same draw, x ← m·x + (1−m)·(√ᾱ·x_g + √(1−ᾱ)·z), and the level
// after the last step is clean, so kept pixels equal the guide bit for bit. The solver itself
// draws no noise (deterministic given x_{t0}).
import type { Denoiser, SDEditOptions, Shape4, StepInfo } from './types';
import type { Schedule, VPSchedule } from './schedule';
import type { NoiseRequest, NoiseSource } from './sdedit';
import { abortError, checkRun, seededNoise } from './sdedit';

/** The time grid and levels of a DPM-Solver++(2M) run (exported for tests and step counts). */
export interface FastPlan {
  /** ts[0] = t0 > … > ts[steps] = 0 */
  ts: Float64Array;
  /** ᾱ at each ts (1 at the end) */
  level: Float64Array;
  steps: number;
}

function needVP(schedule: Schedule): VPSchedule {
  if (schedule.type !== 'vp') {
    throw new Error("sdedit: sampler 'dpmpp2m' needs a VP schedule; this model's schedule is VE (use 've')");
  }
  return schedule;
}

/** Where the steps go between t0 and 0:
 *  - 'time': uniform in t, t_j = t0·(N−j)/N (the grid of 'ddim' and strided 'ddpm');
 *  - 'quadratic': t_j = t0·((N−j)/N)² (DDIM paper's quadratic skip: denser near the data);
 *  - 'logsnr': uniform in λ = log(α/σ) from λ(t0) to λ(1/n), the schedule's first discrete
 *    level, then the last step to 0 (DPM-Solver's recommendation). */
export type FastGrid = 'time' | 'quadratic' | 'logsnr';

/** Options of the few-step solver on top of SDEditOptions. */
export interface FastOptions {
  /** default 'time' */
  grid?: FastGrid;
  /** 2 (default): DPM-Solver++(2M); 1: first order, which is DDIM (η = 0) on the same grid */
  order?: 1 | 2;
}

/** Grid of `steps` (default 10) steps from t0 to 0 (N steps = N network calls). */
export function planDpmpp2m(schedule: Schedule, opts: Pick<SDEditOptions, 't0' | 'steps'> & Pick<FastOptions, 'grid'>): FastPlan {
  const vp = needVP(schedule);
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

/** SDEdit with DPM-Solver++(2M); same arguments and result as `sdedit` (opts.sampler is not read). */
export function sdeditDpmpp2m(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: Schedule,
  opts: SDEditOptions & FastOptions,
): Promise<Float32Array> {
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`sdedit: seed must be a safe integer, got ${opts.seed}`);
  return sdeditDpmpp2mWithNoise(denoiser, guide, shape, schedule, opts, seededNoise(opts.seed));
}

/** sdeditDpmpp2m with the noise supplied by the caller. */
export async function sdeditDpmpp2mWithNoise(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: Schedule,
  opts: SDEditOptions & FastOptions,
  noise: NoiseSource,
): Promise<Float32Array> {
  needVP(schedule);
  const { c, h, w, HW, P, N, K, mask } = checkRun(denoiser, guide, shape, schedule, opts);
  const order = opts.order ?? 2;
  if (order !== 1 && order !== 2) throw new Error(`sdedit: order must be 1 or 2, got ${String(opts.order)}`);
  const plan = planDpmpp2m(schedule, opts);
  const S = plan.steps;
  const { ts, level } = plan;
  const { signal, onStep } = opts;

  const total = N * P;
  const nshape: Shape4 = [N, c, h, w];
  const g = new Float32Array(total);
  for (let b = 0; b < N; b++) g.set(guide, b * P);
  const x = new Float32Array(total);
  if (S === 0) {
    x.set(g);
    return x;
  }
  const z0 = new Float32Array(total);
  let d0 = new Float32Array(total); // x̂0 of the current step
  let d1 = new Float32Array(total); // x̂0 of the previous step
  const clipped = onStep ? new Float32Array(total) : null;
  const tArr = new Float32Array(N);

  const draw = (repeat: number, out: Float32Array): void => {
    for (let b = 0; b < N; b++) {
      const req: NoiseRequest = { item: b, repeat, kind: 'init', step: 0, sub: 0 };
      noise(req, out, b * P, P);
    }
  };
  const replaceKept = (j: number): void => {
    if (!mask) return;
    const sa = Math.sqrt(level[j]);
    const sn = Math.sqrt(Math.max(0, 1 - level[j]));
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
  const lambda = (a: number): number => 0.5 * Math.log(a / (1 - a));

  let done = 0;
  const totalSteps = K * S;
  for (let r = 0; r < K; r++) {
    draw(r, z0);
    {
      const sa = Math.sqrt(level[0]);
      const sn = Math.sqrt(Math.max(0, 1 - level[0]));
      for (let k = 0; k < total; k++) x[k] = sa * g[k] + sn * z0[k];
    }
    let hPrev = 0;
    for (let j = 0; j < S; j++) {
      if (signal?.aborted) throw abortError();
      tArr.fill(ts[j]);
      const out = await denoiser.predict(x, nshape, tArr);
      if (!out || out.length !== total) {
        throw new Error(`sdedit: the denoiser returned ${out ? out.length : 'nothing'} values, expected ${total} (${N}×${c}×${h}×${w})`);
      }
      const at = level[j];
      const as = level[j + 1];
      const alphaT = Math.sqrt(at);
      const sigmaT = Math.sqrt(1 - at);
      const inv = 1 / alphaT;
      for (let k = 0; k < total; k++) d0[k] = (x[k] - sigmaT * out[k]) * inv;
      if (clipped) {
        for (let k = 0; k < total; k++) {
          const v = d0[k];
          clipped[k] = v > 1 ? 1 : v < -1 ? -1 : v;
        }
      }
      if (as >= 1) {
        // last step, to the clean level: first order, x = x̂0
        x.set(d0);
      } else {
        const hj = lambda(as) - lambda(at);
        const ratio = Math.sqrt((1 - as) / (1 - at));
        const coef = Math.sqrt(as) * -Math.expm1(-hj);
        if (j === 0 || order === 1) {
          for (let k = 0; k < total; k++) x[k] = ratio * x[k] + coef * d0[k];
        } else {
          const q = hPrev / hj;
          const c0 = coef * (1 + 1 / (2 * q));
          const c1 = coef * (-1 / (2 * q));
          for (let k = 0; k < total; k++) x[k] = ratio * x[k] + c0 * d0[k] + c1 * d1[k];
        }
        hPrev = hj;
      }
      replaceKept(j + 1);
      const tmp = d1;
      d1 = d0;
      d0 = tmp;
      done++;
      if (onStep) {
        const info: StepInfo = { step: done, total: totalSteps, repeat: r, t: ts[j + 1], x, x0: clipped as Float32Array };
        await onStep(info);
      }
    }
    if (r < K - 1) g.set(x);
  }
  return x;
}
