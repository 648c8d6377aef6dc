// A latent pack's own scheduler through core's SDEdit loop (src/core/loop.ts): the loop noises the
// guide latent to the first timestep, re-noises kept latents after every step to the sample's new
// level, repeats K times, batches variations and draws seeded noise; this file supplies only the
// step (plan.ts's scalars) and the kept levels.
import type { Denoiser } from '../types';
import type { VPSchedule } from '../schedule';
import type { LoopOptions, LoopState, NoiseSource, Stepper } from '../loop';
import { checkDenoiser, checkRun, checkSeed, runLoop, seededNoise, vpKeptLevels } from '../loop';
import { copyClipped } from '../kernels';
import type { PackPlan } from './plan';

export interface PackRunOptions extends LoopOptions {
  /** item b of the batch draws from seed + b */
  seed: number;
}

/** Step j's scalars: x ← sample·x + network·ε + x0·x̂0 + x0Prev·x̂0_prev + noise·z, with
 *  x̂0 = (x − sigma·ε)·invAlpha clipped to ±clip (DDIM / LCM clip_sample; Infinity: none). */
export interface PackStep {
  sample: number;
  network: number;
  x0: number;
  x0Prev: number;
  noise: number;
  sigma: number;
  invAlpha: number;
  clip: number;
}

/** One pass of a pack step: d0 ← x̂0 of this call, then the update (z null: no noise term). */
export function packUpdate(x: Float32Array, eps: Float32Array, d0: Float32Array, prev: Float32Array, z: Float32Array | null, c: PackStep): void {
  const { sample, network, x0, x0Prev, noise, sigma, invAlpha, clip } = c;
  for (let k = 0, n = x.length; k < n; k++) {
    let d = (x[k] - sigma * eps[k]) * invAlpha;
    if (d > clip) d = clip;
    else if (d < -clip) d = -clip;
    d0[k] = d;
    let v = sample * x[k] + network * eps[k] + x0 * d0[k]; // x̂0 as stored (float32)
    if (x0Prev !== 0) v += x0Prev * prev[k];
    if (z) v += noise * z[k];
    x[k] = v;
  }
}

/** The plan's scalars of step j as a record. */
function packStepOf(plan: PackPlan, j: number): PackStep {
  const a = plan.levelIn[j];
  return {
    sample: plan.A[j],
    network: plan.B[j],
    x0: plan.C0[j],
    x0Prev: plan.C1[j],
    noise: plan.Sz[j],
    sigma: Math.sqrt(1 - a),
    invAlpha: 1 / Math.sqrt(a),
    clip: plan.clip ?? Infinity,
  };
}

/** Kept-latent levels: the first timestep's ᾱ, then each step's output ᾱ. */
function keptLevels(plan: PackPlan) {
  const S = plan.steps;
  return vpKeptLevels(Float64Array.from({ length: S + 1 }, (_, j) => (j === 0 ? (S === 0 ? 1 : plan.levelIn[0]) : plan.levelOut[j - 1])));
}

/** SDEdit with the pack's scheduler, the noise supplied by the caller (tests inject a reference's). */
export function sdeditPackWithNoise(
  denoiser: Denoiser,
  guide: Float32Array,
  shape: [number, number, number],
  schedule: VPSchedule,
  plan: PackPlan,
  opts: LoopOptions,
  noise: NoiseSource,
): Promise<Float32Array> {
  const run = checkRun(guide, shape, opts);
  checkDenoiser(denoiser, schedule);
  const stepOf = Array.from({ length: plan.steps }, (_, j) => packStepOf(plan, j));
  const stepper = (st: LoopState): Stepper => {
    let d0 = new Float32Array(st.total);
    let d1 = new Float32Array(st.total);
    const z = stepOf.some((c) => c.noise !== 0) ? new Float32Array(st.total) : null;
    return {
      repeat() {
        d1.fill(0);
      },
      async step(r, j) {
        const eps = await st.predict(plan.ts[j]);
        let zj: Float32Array | null = null;
        const c = stepOf[j];
        if (z && c.noise !== 0) {
          st.draw(r, plan.noiseKind, j, 0, z);
          zj = z;
        }
        packUpdate(st.x, eps, d0, d1, zj, c);
        if (st.x0) copyClipped(st.x0, d0);
        const t = d1;
        d1 = d0;
        d0 = t;
      },
    };
  };
  return runLoop(denoiser, guide, run, { ts: plan.ts, steps: plan.steps, ...keptLevels(plan) }, opts, noise, stepper);
}

/** SDEdit with the pack's scheduler and the engine's seeded noise. Result N×C×H×W. */
export function sdeditPack(denoiser: Denoiser, guide: Float32Array, shape: [number, number, number], schedule: VPSchedule, plan: PackPlan, opts: PackRunOptions): Promise<Float32Array> {
  checkSeed(opts.seed);
  return sdeditPackWithNoise(denoiser, guide, shape, schedule, plan, opts, seededNoise(opts.seed));
}
