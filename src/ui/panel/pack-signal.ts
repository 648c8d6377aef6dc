// The signal kept at t0 for a latent pack: t0 is diffusers' img2img strength there, so the level
// the guide's latent is noised to comes from the pack's own scheduler — the first of the
// timesteps `get_timesteps` keeps for N steps at that strength — and the share kept is √ᾱ at
// that timestep (for the σ-space schedulers too: x_σ/√(σ²+1) = √ᾱ·x0 + √(1−ᾱ)·ε). With
// N·strength < 1 no step runs and the guide comes back as it is.
import { alphaBarAtTimestep, img2imgTimesteps, scheduleFromConfig, signalAt, type VPSchedule } from '../../core';
import type { LatentSchedule } from '../runtime/engine-api';
import { formatPercent } from './signal';

const schedules = new WeakMap<LatentSchedule, VPSchedule>();

function vpOf(s: LatentSchedule): VPSchedule {
  let vp = schedules.get(s);
  if (!vp) {
    vp = scheduleFromConfig(s.betas);
    schedules.set(s, vp);
  }
  return vp;
}

export interface PackSignal {
  /** √ᾱ of the level the guide is noised to, in [0, 1] */
  kept: number;
  /** that network timestep; null when no step runs (kept = 1) or the scheduler is not reproduced */
  timestep: number | null;
}

/** The share of the guide's signal a latent pack keeps at strength t0 with `steps` steps. */
export function packSignalKept(s: LatentSchedule, t0: number, steps: number): PackSignal {
  const vp = vpOf(s);
  if (s.scheduler) {
    try {
      const ts = img2imgTimesteps(s.scheduler, vp, steps, t0);
      if (ts.length === 0) return { kept: 1, timestep: null };
      return { kept: Math.min(1, Math.sqrt(alphaBarAtTimestep(vp, ts[0]))), timestep: ts[0] };
    } catch {
      // a step count the scheduler refuses: the run says so; show the continuous level meanwhile
    }
  }
  return { kept: Math.min(1, Math.max(0, signalAt(vp, t0))), timestep: null };
}

/** "keeps 63% of the guide's signal" */
export function describePackSignalKept(s: LatentSchedule, t0: number, steps: number): string {
  return `keeps ${formatPercent(packSignalKept(s, t0, steps).kept)} of the guide's signal`;
}

/** The precise term, for the tooltip. */
export function packSignalKeptTerm(s: LatentSchedule, t0: number, steps: number): string {
  const { kept, timestep } = packSignalKept(s, t0, steps);
  const v = kept.toFixed(kept >= 0.01 ? 2 : 4);
  const name = s.scheduler?.className ?? s.betas.declaredClass;
  if (timestep === null && s.scheduler) return `No step runs at strength ${t0} with ${steps} steps (diffusers' img2img runs int(${steps}·strength) of them): the guide comes back unchanged.`;
  const at = timestep === null ? `at t = ${t0}` : `at timestep ${Number.isInteger(timestep) ? timestep : timestep.toFixed(1)} of ${s.betas.numTrainTimesteps}`;
  return `√ᾱ = ${v} ${at} (${name}, ${steps} steps): the share of the guide's latent left after noising. t0 is this pack's strength (diffusers' img2img).`;
}
