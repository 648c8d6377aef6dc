// Adapters between a network's conventions and the engine's Denoiser contract.
//
// The engine asks for ε̂(x, t) on VP schedules and for the score s(x, t) on VE schedules, with a
// continuous t ∈ [0, 1] per batch item. Networks predict one of eps / v / x0 / score and take
// their own time input. With a = ᾱ(t) (VP) and σ = σ(t) (VE):
//   VP  eps   → ε = out
//       v     → ε = √a·v + √(1−a)·x            (v = √a·ε − √(1−a)·x0)
//       x0    → ε = (x − √a·x̂0)/√(1−a)
//       score → ε = −√(1−a)·s
//   VE  score → s = out
//       eps   → s = −ε/σ                        (x = x0 + σ·ε)
//       x0    → s = (x̂0 − x)/σ²
import type { Schedule, VPSchedule } from '../core';
import type { Prediction, TimeInput } from './pack';

/** What the engine asks of a denoiser on this schedule. */
export function engineKind(schedule: Schedule): 'eps' | 'score' {
  return schedule.type === 'vp' ? 'eps' : 'score';
}

/** The network's time input for each item's continuous time t. */
export function networkTime(schedule: Schedule, timeInput: TimeInput, t: Float32Array): Float32Array {
  const out = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const ti = t[i];
    if (timeInput === 'continuous') out[i] = ti;
    else if (timeInput === 'index') {
      if (schedule.type !== 'vp') throw new Error('time_input "index" needs a VP schedule');
      out[i] = schedule.netTime(ti);
    } else {
      if (schedule.type !== 've') throw new Error('time_input "sigma" needs a VE schedule');
      out[i] = schedule.sigma(ti);
    }
  }
  return out;
}

/** Floor for 1 − ᾱ and σ so that a call at t = 0 gives a finite (large) value, not NaN. */
const TINY = 1e-12;

/** A VP network's output turned into ε, linear in the sample x and the output:
 *  ε = (sample·x + output·out)/divisor. */
export interface EpsMap {
  sample: number;
  output: number;
  divisor: number;
}

/** The ε map of one batch item at time t: the one definition of the table above for VP, used by
 *  adaptOutput and by the GPU-resident update graph (src/ui/runtime/update-graph-plan.ts). */
export function epsMap(schedule: VPSchedule, prediction: Prediction, t: number): EpsMap {
  return epsMapAtLevel(schedule.alphaBar(t), prediction);
}

/** The ε map at the level ᾱ = a itself (latent packs take ᾱ from their scheduler's own σ at the
 *  network timestep, src/model/latent/unet.ts). */
export function epsMapAtLevel(a: number, prediction: Prediction): EpsMap {
  const sa = Math.sqrt(a);
  const s1 = Math.sqrt(Math.max(1 - a, TINY));
  if (prediction === 'eps') return { sample: 0, output: 1, divisor: 1 };
  if (prediction === 'v') return { sample: s1, output: sa, divisor: 1 };
  if (prediction === 'x0') return { sample: 1, output: -sa, divisor: s1 };
  return { sample: 0, output: -s1, divisor: 1 };
}

/** res[lo, hi) ← the ε map applied to x and out. */
function applyEpsMap(res: Float32Array, x: Float32Array, out: Float32Array, lo: number, hi: number, m: EpsMap): void {
  const { sample, output, divisor } = m;
  if (sample === 0) for (let i = lo; i < hi; i++) res[i] = (output * out[i]) / divisor;
  else if (divisor === 1) for (let i = lo; i < hi; i++) res[i] = sample * x[i] + output * out[i];
  else for (let i = lo; i < hi; i++) res[i] = (sample * x[i] + output * out[i]) / divisor;
}

/**
 * Turn the network's output `out` (N×C×H×W, same layout as x) into ε (VP) or the score (VE).
 * Returns `out` itself when no conversion is needed, else a new array.
 */
export function adaptOutput(schedule: Schedule, prediction: Prediction, x: Float32Array, out: Float32Array, t: Float32Array): Float32Array {
  if (out.length !== x.length) throw new Error(`adaptOutput: output has ${out.length} values, input ${x.length}`);
  const n = t.length;
  if (n === 0 || x.length % n !== 0) throw new Error(`adaptOutput: ${x.length} values do not split into ${n} items`);
  const per = x.length / n;
  if (schedule.type === 'vp') {
    if (prediction === 'eps') return out;
    const res = new Float32Array(out.length);
    for (let b = 0; b < n; b++) applyEpsMap(res, x, out, b * per, (b + 1) * per, epsMap(schedule, prediction, t[b]));
    return res;
  }
  if (prediction === 'score') return out;
  if (prediction === 'v') throw new Error('a VE pack cannot predict "v"');
  const res = new Float32Array(out.length);
  for (let b = 0; b < n; b++) {
    const sigma = Math.max(schedule.sigma(t[b]), TINY);
    const lo = b * per;
    const hi = lo + per;
    if (prediction === 'eps') for (let i = lo; i < hi; i++) res[i] = -out[i] / sigma;
    else {
      const s2 = sigma * sigma;
      for (let i = lo; i < hi; i++) res[i] = (out[i] - x[i]) / s2;
    }
  }
  return res;
}
