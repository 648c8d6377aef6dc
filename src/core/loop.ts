// The SDEdit loop every sampler shares: input checks, noising the guide to the start level,
// the reverse steps (each sampler supplies only its update), mask re-noising after every step,
// K repeats, progress and abort, seeded noise. src/core/sdedit.ts (DDPM, DDIM, VE) and
// src/core/solvers-fast.ts (DPM-Solver++(2M), ODE and SDE) run through `runLoop`.
//
// Speed: the per-element work lives in the small top-level kernels below, which take typed arrays
// as arguments. Hot loops inside the big async sampler functions read their arrays from closure
// contexts and ran several times slower than the same loops here (bench/RESULTS.md §3).
import type { Denoiser, SDEditOptions, Shape4, StepInfo } from './types';
import type { Schedule } from './schedule';
import { gaussian, streamId } from './rng';

/** What a noise draw is for; the default source turns it into a stream of the seeded RNG. */
export interface NoiseRequest {
  /** batch item (its seed is opts.seed + item) */
  item: number;
  /** 0-based repeat */
  repeat: number;
  /** 'init': the noising of the guide to t0; 'step': a reverse step of DDPM/DDIM/VE;
   *  'corrector': a Langevin step; 'sde': a step of the stochastic DPM-Solver++(2M) */
  kind: 'init' | 'step' | 'corrector' | 'sde';
  /** 0-based step within the repeat (0 for 'init') */
  step: number;
  /** corrector sub-step (0 otherwise) */
  sub: number;
}

/** Writes count standard normals for `req` into out[offset ..]. */
export type NoiseSource = (req: NoiseRequest, out: Float32Array, offset: number, count: number) => void;

const KIND_ID = { init: 1, step: 2, corrector: 3, sde: 4 } as const;

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

function posInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`sdedit: ${name} must be a positive integer, got ${v}`);
  return v;
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

/** The options the loop itself reads (every sampler's options include them). */
export type LoopOptions = Pick<SDEditOptions, 'batch' | 'repeats' | 'mask' | 'onStep' | 'signal'>;

/** The input checks every SDEdit sampler shares: shapes, batch, repeats, denoiser kind, mask. */
export function checkRun(denoiser: Denoiser, guide: Float32Array, shape: [number, number, number], schedule: Schedule, opts: LoopOptions): RunShape {
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

// ---- kernels -----------------------------------------------------------------------------------

/** x ← sa·g + sn·z (the SDEdit noising). */
export function noiseTo(x: Float32Array, g: Float32Array, z: Float32Array, sa: number, sn: number): void {
  for (let k = 0, n = x.length; k < n; k++) x[k] = sa * g[k] + sn * z[k];
}

/** Where a mask keeps pixels: runs [start, end) of pixels with m = 0 and the list of pixels with
 *  0 < m < 1 (pixels with m = 1 are edited and never touched). */
export interface KeptPixels {
  runs: Int32Array;
  frac: Int32Array;
}

export function keptPixels(mask: Float32Array): KeptPixels {
  const runs: number[] = [];
  const frac: number[] = [];
  const HW = mask.length;
  for (let p = 0; p < HW; ) {
    const mv = mask[p];
    if (mv === 0) {
      const start = p;
      while (p < HW && mask[p] === 0) p++;
      runs.push(start, p);
    } else {
      if (mv !== 1) frac.push(p);
      p++;
    }
  }
  return { runs: Int32Array.from(runs), frac: Int32Array.from(frac) };
}

/** Kept pixels ← the guide noised with z: x ← m·x + (1−m)·(sa·g + sn·z) (for m = 0: exactly
 *  sa·g + sn·z, or sa·g when sn = 0), over N·c planes of HW pixels. */
export function blendKept(x: Float32Array, g: Float32Array, z: Float32Array, mask: Float32Array, kept: KeptPixels, sa: number, sn: number, planes: number): void {
  const HW = mask.length;
  const { runs, frac } = kept;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < runs.length; i += 2) {
      const e = base + runs[i + 1];
      if (sn === 0) for (let k = base + runs[i]; k < e; k++) x[k] = sa * g[k];
      else for (let k = base + runs[i]; k < e; k++) x[k] = sa * g[k] + sn * z[k];
    }
    for (let i = 0; i < frac.length; i++) {
      const p = frac[i];
      const mv = mask[p];
      const k = base + p;
      const y = sn === 0 ? sa * g[k] : sa * g[k] + sn * z[k];
      x[k] = mv * x[k] + (1 - mv) * y;
    }
  }
}

/** x ← A·x + B·out. */
export function axpby(x: Float32Array, A: number, out: Float32Array, B: number): void {
  for (let k = 0, n = x.length; k < n; k++) x[k] = A * x[k] + B * out[k];
}

/** x ← A·x + B·out + S·z. */
export function axpbypcz(x: Float32Array, A: number, out: Float32Array, B: number, z: Float32Array, S: number): void {
  for (let k = 0, n = x.length; k < n; k++) x[k] = A * x[k] + B * out[k] + S * z[k];
}

/**
 * a ← clip(a, −1, 1) in place, on the float32 bit patterns without branches (a branch per value
 * mispredicts on noisy data and cost 3× the rest of a step). Equal bit for bit to
 * `v > 1 ? 1 : v < −1 ? −1 : v` on every float32, −0 and NaN included; and since rounding to
 * float32 is monotone and ±1 are float32, clipping after the store equals clipping before it.
 */
export function clampUnit(a: Float32Array): void {
  const b = new Int32Array(a.buffer, a.byteOffset, a.length);
  for (let k = 0, n = b.length; k < n; k++) {
    const v = b[k];
    const mag = v & 0x7fffffff;
    const d = mag - 0x3f800000; // bits of 1.0
    const lim = 0x3f800000 + (d & (d >> 31)); // min(mag, bits of 1.0)
    const nan = (0x7f800000 - mag) >> 31; // all ones for NaN, which stays
    b[k] = (v & 0x80000000) | (mag & nan) | (lim & ~nan);
  }
}

/** One pass of an ε step: x0 ← clip((x − sn·out)·inv) (when x0 is not null), then
 *  x ← A·x + B·out (+ S·z when z is not null). */
export function epsStep(x: Float32Array, out: Float32Array, A: number, B: number, z: Float32Array | null, S: number, x0: Float32Array | null, sn: number, inv: number): void {
  const n = x.length;
  if (x0 && z) {
    for (let k = 0; k < n; k++) {
      const xv = x[k];
      const ov = out[k];
      x0[k] = (xv - sn * ov) * inv;
      x[k] = A * xv + B * ov + S * z[k];
    }
    clampUnit(x0);
  } else if (x0) {
    for (let k = 0; k < n; k++) {
      const xv = x[k];
      const ov = out[k];
      x0[k] = (xv - sn * ov) * inv;
      x[k] = A * xv + B * ov;
    }
    clampUnit(x0);
  } else if (z) axpbypcz(x, A, out, B, z, S);
  else axpby(x, A, out, B);
}

/** dst ← clip((x − sn·eps)·inv, −1, 1): the VP x̂0 preview. */
export function x0FromEps(dst: Float32Array, x: Float32Array, eps: Float32Array, sn: number, inv: number): void {
  for (let k = 0, n = dst.length; k < n; k++) dst[k] = (x[k] - sn * eps[k]) * inv;
  clampUnit(dst);
}

/** dst ← clip(x + s2·score, −1, 1): the VE x̂0 preview. */
export function x0FromScore(dst: Float32Array, x: Float32Array, score: Float32Array, s2: number): void {
  for (let k = 0, n = dst.length; k < n; k++) dst[k] = x[k] + s2 * score[k];
  clampUnit(dst);
}

/** dst ← clip(src, −1, 1). */
export function clip1(dst: Float32Array, src: Float32Array): void {
  dst.set(src);
  clampUnit(dst);
}

// ---- the loop ----------------------------------------------------------------------------------

/** What a sampler's step sees of the run. */
export interface LoopState {
  readonly N: number;
  readonly c: number;
  readonly P: number;
  /** N·P */
  readonly total: number;
  /** the current sample, N×C×H×W, updated in place by the step */
  readonly x: Float32Array;
  /** x̂0 preview buffer (clipped to [−1, 1]) the step fills; null when nobody listens */
  readonly x0: Float32Array | null;
  /** one network call on x at time t (checks abort first and the output's length after) */
  predict(t: number): Promise<Float32Array>;
  /** standard normals of `kind` for every item into out (N×P) */
  draw(repeat: number, kind: NoiseRequest['kind'], step: number, sub: number, out: Float32Array): void;
  /** kept pixels ← the guide at plan level j (a no-op without a mask) */
  replaceKept(j: number): void;
}

/** The grid of one repeat and the multipliers that put the guide at each of its levels. */
export interface LoopPlan {
  /** ts[0] = t_start > … > ts[steps] = 0 */
  ts: Float64Array;
  steps: number;
  /** kept pixels after step j−1 (j = 0: the start) are keepA[j]·x_g + keepN[j]·z, z the repeat's
   *  initial draw; keepN[steps] = 0 (clean), so kept pixels end equal to the guide */
  keepA: Float64Array;
  keepN: Float64Array;
}

/** A sampler's update: `step(r, j)` calls state.predict (once, or more for a corrector), updates
 *  state.x from ts[j] to ts[j+1] and fills state.x0 when it is not null. The loop then re-noises
 *  the kept pixels to level j+1 and reports progress. `repeat(r)` runs before each repeat. */
export interface Stepper {
  repeat?(r: number): void;
  step(r: number, j: number): Promise<void> | void;
}

/** Multipliers of (x_g, z) for VP levels ᾱ: √ᾱ and √(1−ᾱ). */
export function vpKeep(level: Float64Array): { keepA: Float64Array; keepN: Float64Array } {
  const keepA = new Float64Array(level.length);
  const keepN = new Float64Array(level.length);
  for (let j = 0; j < level.length; j++) {
    keepA[j] = Math.sqrt(level[j]);
    keepN[j] = Math.sqrt(Math.max(0, 1 - level[j]));
  }
  return { keepA, keepN };
}

/**
 * Run SDEdit with a sampler's stepper: N = opts.batch items of the guide, K = opts.repeats
 * repeats, each noised to plan level 0 with its 'init' draw, then plan.steps steps. Returns the
 * N×C×H×W result. `makeStepper` is called once with the run's state.
 */
export async function runLoop(
  denoiser: Denoiser,
  guide: Float32Array,
  run: RunShape,
  plan: LoopPlan,
  opts: LoopOptions,
  noise: NoiseSource,
  makeStepper: (s: LoopState) => Stepper,
): Promise<Float32Array> {
  const { c, h, w, P, N, K, mask } = run;
  const S = plan.steps;
  const { ts, keepA, keepN } = plan;
  const { signal, onStep } = opts;
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
  const tArr = new Float32Array(N);
  const kept = mask ? keptPixels(mask) : null;
  const state: LoopState = {
    N,
    c,
    P,
    total,
    x,
    x0: onStep ? new Float32Array(total) : null,
    async predict(t: number): Promise<Float32Array> {
      if (signal?.aborted) throw abortError();
      tArr.fill(t);
      const out = await denoiser.predict(x, nshape, tArr);
      if (!out || out.length !== total) {
        throw new Error(`sdedit: the denoiser returned ${out ? out.length : 'nothing'} values, expected ${total} (${N}×${c}×${h}×${w})`);
      }
      return out;
    },
    draw(repeat, kind, step, sub, out) {
      for (let b = 0; b < N; b++) noise({ item: b, repeat, kind, step, sub }, out, b * P, P);
    },
    replaceKept(j: number): void {
      if (mask && kept) blendKept(x, g, z0, mask, kept, keepA[j], keepN[j], N * c);
    },
  };
  const stepper = makeStepper(state);
  let done = 0;
  const totalSteps = K * S;
  for (let r = 0; r < K; r++) {
    state.draw(r, 'init', 0, 0, z0);
    noiseTo(x, g, z0, keepA[0], keepN[0]);
    stepper.repeat?.(r);
    for (let j = 0; j < S; j++) {
      await stepper.step(r, j);
      state.replaceKept(j + 1);
      done++;
      if (onStep) {
        const info: StepInfo = { step: done, total: totalSteps, repeat: r, t: ts[j + 1], x, x0: state.x0 as Float32Array };
        await onStep(info);
      }
    }
    // the result becomes the next repeat's guide (kept pixels already equal the old guide)
    if (r < K - 1) g.set(x);
  }
  return x;
}
