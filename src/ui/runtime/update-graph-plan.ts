// Per-step coefficients of the update graph (update-graph.ts) for one SDEdit run: the scalars
// that src/core's loops compute inline, computed the same way (same grids from planSDEdit /
// planDpmpp2m, same formulas, in float64) and packed into one small float32 `coef` per step.
import type { FastOptions, SamplerName, Schedule, VPSchedule } from '../../core';
import { multistepCoefficients, planDpmpp2m, planSDEdit } from '../../core';
import { COEF, COEF_LEN } from './update-graph';

export type Prediction = 'eps' | 'v' | 'x0' | 'score';

export interface ResidentPlan {
  /** reverse steps per repeat (network calls) */
  steps: number;
  /** times ts[0] = t_start > … > ts[steps] = 0 */
  ts: Float64Array;
  /** [sa, sn]: the noising of the guide at the start of every repeat */
  init: Float32Array;
  /** COEF_LEN scalars per step */
  coef: Float32Array[];
  /** whether step j adds noise (Sz ≠ 0: draw z and use the graph with a z input) */
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

const M = Math;

export function planResident(
  schedule: Schedule,
  opts: { sampler: SamplerName; t0: number; steps?: number; eta?: number; correction?: 'midpoint' | 'heun' } & FastOptions,
  prediction: Prediction = 'eps',
): ResidentPlan {
  const why = residentUnsupported(schedule, opts.sampler, prediction);
  if (why) throw new Error(`resident: ${why}`);
  const vp = schedule as VPSchedule;
  const sde = opts.sampler === 'dpmpp2m-sde';
  const dpm = opts.sampler === 'dpmpp2m' || sde;
  const eta = opts.eta ?? 0;
  if (!(eta >= 0)) throw new Error(`sdedit: eta must be ≥ 0, got ${opts.eta}`);
  const order = opts.order ?? 2;
  const p = dpm ? { ...planDpmpp2m(vp, opts), indices: null } : planSDEdit(vp, opts);
  const S = p.steps;
  const { ts, level } = p;
  // DPM-Solver++(2M) and its SDE variant: core's own per-step scalars
  const ms = dpm ? multistepCoefficients(level, S, order === 1 ? 1 : 2, opts.correction ?? 'heun', sde) : null;
  const coef: Float32Array[] = [];
  const noisy: boolean[] = [];
  const linearEps = prediction !== 'eps';
  for (let j = 0; j < S; j++) {
    const c = new Float64Array(COEF_LEN);
    const at = level[j];
    const as = level[j + 1];
    const last = j === S - 1;
    c[COEF.inv] = 1 / M.sqrt(at);
    c[COEF.sn] = M.sqrt(1 - at);
    // kept pixels: the guide at the level after the step (clean after the last)
    c[COEF.sa] = M.sqrt(as);
    c[COEF.sk] = M.sqrt(M.max(0, 1 - as));
    if (linearEps) {
      // src/model/adapter.ts at the float32 time the denoiser is given
      const a = vp.alphaBar(M.fround(ts[j]));
      const sa = M.sqrt(a);
      const s1 = M.sqrt(M.max(1 - a, 1e-12));
      if (prediction === 'v') {
        c[COEF.ex] = s1;
        c[COEF.eo] = sa;
      } else {
        c[COEF.ex] = 1 / s1;
        c[COEF.eo] = -sa / s1;
      }
    }
    if (ms) {
      if (as >= 1) {
        c[COEF.C0] = 1; // last step: x ← x̂0
      } else {
        c[COEF.A] = ms.A[j];
        c[COEF.C0] = ms.B0[j];
        c[COEF.C1] = ms.B1[j];
        c[COEF.Sz] = ms.Sz[j];
      }
    } else if (p.indices) {
      const i = p.indices[j];
      const beta = vp.betas[i];
      c[COEF.A] = 1 / M.sqrt(1 - beta);
      c[COEF.B] = -c[COEF.A] * (beta / M.sqrt(1 - vp.alphaBars[i]));
      c[COEF.Sz] = i === 0 ? 0 : M.exp(0.5 * M.log(beta));
    } else if (opts.sampler === 'ddpm') {
      const bp = 1 - at / as;
      c[COEF.A] = M.sqrt(as / at);
      c[COEF.B] = -c[COEF.A] * (bp / M.sqrt(1 - at));
      c[COEF.Sz] = last ? 0 : M.sqrt(M.max(0, (bp * (1 - as)) / (1 - at)));
    } else {
      const sig = last ? 0 : eta * M.sqrt(M.max(0, ((1 - as) / (1 - at)) * (1 - at / as)));
      c[COEF.A] = M.sqrt(as) / M.sqrt(at);
      c[COEF.B] = M.sqrt(M.max(0, 1 - as - sig * sig)) - c[COEF.A] * M.sqrt(1 - at);
      c[COEF.Sz] = sig;
    }
    coef.push(Float32Array.from(c));
    noisy.push(c[COEF.Sz] !== 0);
  }
  const init = Float32Array.from([M.sqrt(level[0]), M.sqrt(M.max(0, 1 - level[0]))]);
  return { steps: S, ts, init, coef, noisy, dpm, noiseKind: sde ? 'sde' : 'step', linearEps };
}
