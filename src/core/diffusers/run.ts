// A latent pack's own scheduler through core's SDEdit loop (src/core/loop.ts): the loop noises the
// guide latent to the first timestep, re-noises kept latents after every step to the sample's new
// level, repeats K times, batches variations and draws seeded noise; this file supplies only the
// step (plan.ts's per-step records) and the kept levels.
import type { Denoiser } from '../types';
import type { VPSchedule } from '../schedule';
import type { LoopOptions, LoopState, NoiseSource, Stepper } from '../loop';
import { checkDenoiser, checkRun, checkSeed, runLoop, seededNoise, vpKeptLevels } from '../loop';
import { copyClipped } from '../kernels';
import { type X0Estimate, x0Estimate } from '../steps';
import type { PackPlan, PackStep } from './plan';

export interface PackRunOptions extends LoopOptions {
  /** item b of the batch draws from seed + b */
  seed: number;
}

/** One pass of a pack step: d0 ← x̂0 of this call, (x − sigma·ε)·invAlpha at the step's input
 *  level, clipped to ±clip (Infinity: none), then the step's update (z null: no noise term). */
export function packUpdate(x: Float32Array, eps: Float32Array, d0: Float32Array, prev: Float32Array, z: Float32Array | null, step: PackStep, estimate: X0Estimate, clip: number): void {
  const { sample, network, x0, x0Prev, noise } = step;
  const { sigma, invAlpha } = estimate;
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

/** Kept-latent levels: the first timestep's ᾱ, then each step's output ᾱ. */
function keptLevels(plan: PackPlan) {
  const { steps } = plan;
  return vpKeptLevels(Float64Array.from({ length: steps.length + 1 }, (_, j) => (j === 0 ? (steps.length === 0 ? 1 : steps[0].levelIn) : steps[j - 1].levelOut)));
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
  const { steps } = plan;
  const estimates = steps.map((c) => x0Estimate(c.levelIn));
  const clip = plan.clip ?? Infinity;
  const stepper = (st: LoopState): Stepper => {
    let d0 = st.alloc(st.total);
    let d1 = st.alloc(st.total);
    const z = steps.some((c) => c.noise !== 0) ? st.alloc(st.total) : null;
    return {
      repeat() {
        d1.fill(0);
      },
      async step(r, j) {
        const c = steps[j];
        const zj = z && c.noise !== 0 ? z : null;
        const eps = await st.predict(plan.ts[j], zj ? () => st.drawEdited(r, plan.noiseKind, j, 0, zj) : undefined);
        packUpdate(st.x, eps, d0, d1, zj, c, estimates[j], clip);
        if (st.x0) copyClipped(st.x0, d0);
        const t = d1;
        d1 = d0;
        d0 = t;
      },
    };
  };
  return runLoop(denoiser, guide, run, { ts: plan.ts, steps: steps.length, ...keptLevels(plan) }, opts, noise, stepper);
}

/** SDEdit with the pack's scheduler and the engine's seeded noise. Result N×C×H×W. */
export function sdeditPack(denoiser: Denoiser, guide: Float32Array, shape: [number, number, number], schedule: VPSchedule, plan: PackPlan, opts: PackRunOptions): Promise<Float32Array> {
  checkSeed(opts.seed);
  return sdeditPackWithNoise(denoiser, guide, shape, schedule, plan, opts, seededNoise(opts.seed));
}
