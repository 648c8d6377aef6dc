// The per-step `coef` inputs of the update graph (update-graph.ts) for one SDEdit run. Nothing
// is derived here: the grid and every scalar come from core (planSDEdit / planDpmpp2m,
// samplerSteps, multistepCoefficients, x0Estimate, vpKeptLevels) and from the model adapter's
// epsMap, computed in float64 and rounded once to float32.
import type { DdpmVariance, FastOptions, SamplerName, Schedule, VPSchedule } from '../../core';
import { multistepCoefficients, multistepOptions, planDpmpp2m, planSDEdit, samplerSteps, vpKeptLevels, x0Estimate } from '../../core';
import { epsMap } from '../../model/adapter';
import { COEF, COEF_LEN } from './update-graph';

export type Prediction = 'eps' | 'v' | 'x0' | 'score';

export interface ResidentPlan {
  /** reverse steps per repeat (network calls) */
  steps: number;
  /** times ts[0] = t_start > … > ts[steps] = 0 */
  ts: Float64Array;
  /** [signal, noise]: the noising of the guide at the start of every repeat */
  init: Float32Array;
  /** COEF_LEN scalars per step */
  coef: Float32Array[];
  /** whether step j adds noise (draw z and use the graph with a z input) */
  noisy: boolean[];
  /** DPM-Solver++(2M), ODE or SDE: the graph needs d1 (the previous step's x̂0) */
  dpm: boolean;
  /** which of core's noise streams the step noise comes from ('sde' for dpmpp2m-sde) */
  noiseKind: 'step' | 'sde';
  /** the network's output needs the linear map to ε (prediction 'v' or 'x0') */
  linearEps: boolean;
}

/** Why the resident loop cannot run this job (null: it can). */
export function residentUnsupported(schedule: Schedule, sampler: SamplerName, prediction: Prediction): string | null {
  if (schedule.type !== 'vp') return 'VE schedules run the CPU-update loop';
  if (sampler !== 'ddpm' && sampler !== 'ddim' && sampler !== 'dpmpp2m' && sampler !== 'dpmpp2m-sde') return `sampler '${sampler}' runs the CPU-update loop`;
  if (prediction === 'score') return "prediction 'score' on a VP schedule runs the CPU-update loop";
  return null;
}

/** The sampler options a resident run reads (all of them SDEditOptions fields). */
export type ResidentSamplerOptions = { sampler: SamplerName; t0: number; steps?: number; eta?: number; ddpmVariance?: DdpmVariance } & FastOptions;

/** One step's scalars of the graph's update x' = sample·x + network·ε + x0·x̂0 + x0Prev·d1 + noise·z. */
interface StepUpdate {
  sample: number;
  network: number;
  x0: number;
  x0Prev: number;
  noise: number;
}

/** The run's grid and core's per-step coefficients for its sampler. */
function coreSteps(vp: VPSchedule, opts: ResidentSamplerOptions): { ts: Float64Array; level: Float64Array; steps: number; updates: StepUpdate[] } {
  if (opts.sampler === 'dpmpp2m' || opts.sampler === 'dpmpp2m-sde') {
    const plan = planDpmpp2m(vp, opts);
    return { ...plan, updates: multistepCoefficients(plan.level, multistepOptions(opts)).map((s) => ({ ...s, network: 0 })) };
  }
  const plan = planSDEdit(vp, opts);
  return { ...plan, updates: samplerSteps(vp, plan, opts).map((s) => ({ ...s, x0: 0, x0Prev: 0 })) };
}

export function planResident(schedule: Schedule, opts: ResidentSamplerOptions, prediction: Prediction = 'eps'): ResidentPlan {
  const why = residentUnsupported(schedule, opts.sampler, prediction);
  if (why) throw new Error(`resident: ${why}`);
  const vp = schedule as VPSchedule;
  const { ts, level, steps, updates } = coreSteps(vp, opts);
  const kept = vpKeptLevels(level);
  const linearEps = prediction !== 'eps';
  const coef: Float32Array[] = [];
  for (let j = 0; j < steps; j++) {
    const c = new Float64Array(COEF_LEN);
    const { sigma, invAlpha } = x0Estimate(level[j]);
    c[COEF.invAlpha] = invAlpha;
    c[COEF.sigma] = sigma;
    // kept pixels: the guide at the level after the step (clean after the last)
    c[COEF.keptSignal] = kept.keptSignal[j + 1];
    c[COEF.keptNoise] = kept.keptNoise[j + 1];
    if (linearEps) {
      // at the float32 time the network is given, as the CPU loop's adapter sees it
      const m = epsMap(vp, prediction, Math.fround(ts[j]));
      c[COEF.epsFromSample] = m.sample / m.divisor;
      c[COEF.epsFromOutput] = m.output / m.divisor;
    }
    const u = updates[j];
    c[COEF.sample] = u.sample;
    c[COEF.network] = u.network;
    c[COEF.x0] = u.x0;
    c[COEF.x0Prev] = u.x0Prev;
    c[COEF.noise] = u.noise;
    coef.push(Float32Array.from(c));
  }
  return {
    steps,
    ts,
    init: Float32Array.from([kept.keptSignal[0], kept.keptNoise[0]]),
    coef,
    noisy: updates.map((u) => u.noise !== 0),
    dpm: opts.sampler === 'dpmpp2m' || opts.sampler === 'dpmpp2m-sde',
    noiseKind: opts.sampler === 'dpmpp2m-sde' ? 'sde' : 'step',
    linearEps,
  };
}
