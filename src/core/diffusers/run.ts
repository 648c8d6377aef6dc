// A latent pack's own scheduler through core's SDEdit loop (src/core/loop.ts): the loop noises the
// guide latent to the first timestep, re-noises kept latents after every step to the sample's new
// level, repeats K times, batches variations and draws seeded noise; this file supplies only the
// step (plan.ts's scalars) and the kept levels.
import type { Denoiser } from '../types';
import type { VPSchedule } from '../schedule';
import type { LoopOptions, LoopState, NoiseSource, Stepper } from '../loop';
import { checkRun, clip1, runLoop, seededNoise } from '../loop';
import type { PackPlan } from './plan';

export interface PackRunOptions extends LoopOptions {
  /** item b of the batch draws from seed + b */
  seed: number;
}

/** x̂0 ← clip?((x − sn·ε)·inv), then x ← A·x + B·ε + C0·x̂0 + C1·prev + S·z (z null: S = 0). */
export function packStep(
  x: Float32Array,
  eps: Float32Array,
  d0: Float32Array,
  prev: Float32Array,
  z: Float32Array | null,
  sn: number,
  inv: number,
  A: number,
  B: number,
  C0: number,
  C1: number,
  S: number,
  clip: number | null,
): void {
  const lim = clip ?? Infinity;
  for (let k = 0, n = x.length; k < n; k++) {
    let d = (x[k] - sn * eps[k]) * inv;
    if (d > lim) d = lim;
    else if (d < -lim) d = -lim;
    d0[k] = d;
    let v = A * x[k] + B * eps[k] + C0 * d0[k];
    if (C1 !== 0) v += C1 * prev[k];
    if (z) v += S * z[k];
    x[k] = v;
  }
}

/** Kept-latent multipliers: the first timestep's level, then each step's output level. */
function keepLevels(plan: PackPlan): { keepA: Float64Array; keepN: Float64Array } {
  const S = plan.steps;
  const keepA = new Float64Array(S + 1);
  const keepN = new Float64Array(S + 1);
  for (let j = 0; j <= S; j++) {
    const a = j === 0 ? (S === 0 ? 1 : plan.levelIn[0]) : plan.levelOut[j - 1];
    keepA[j] = Math.sqrt(a);
    keepN[j] = Math.sqrt(Math.max(0, 1 - a));
  }
  return { keepA, keepN };
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
  const run = checkRun(denoiser, guide, shape, schedule, opts);
  const { A, B, C0, C1, Sz, levelIn, clip } = plan;
  const stepper = (st: LoopState): Stepper => {
    let d0 = new Float32Array(st.total);
    let d1 = new Float32Array(st.total);
    const z = Sz.some((v) => v !== 0) ? new Float32Array(st.total) : null;
    return {
      repeat() {
        d1.fill(0);
      },
      async step(r, j) {
        const eps = await st.predict(plan.ts[j]);
        let zj: Float32Array | null = null;
        if (z && Sz[j] !== 0) {
          st.draw(r, plan.noiseKind, j, 0, z);
          zj = z;
        }
        const a = levelIn[j];
        packStep(st.x, eps, d0, d1, zj, Math.sqrt(1 - a), 1 / Math.sqrt(a), A[j], B[j], C0[j], C1[j], Sz[j], clip);
        if (st.x0) clip1(st.x0, d0);
        const t = d1;
        d1 = d0;
        d0 = t;
      },
    };
  };
  return runLoop(denoiser, guide, run, { ts: plan.ts, steps: plan.steps, ...keepLevels(plan) }, opts, noise, stepper);
}

/** SDEdit with the pack's scheduler and the engine's seeded noise. Result N×C×H×W. */
export function sdeditPack(denoiser: Denoiser, guide: Float32Array, shape: [number, number, number], schedule: VPSchedule, plan: PackPlan, opts: PackRunOptions): Promise<Float32Array> {
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`sdedit: seed must be a safe integer, got ${opts.seed}`);
  return sdeditPackWithNoise(denoiser, guide, shape, schedule, plan, opts, seededNoise(opts.seed));
}
