// A diffusers scheduler's img2img run as per-step scalars for core's loop.
//
// The loop's sample is kept in VP coordinates, x = √ᾱ·x0 + √(1−ᾱ)·ε, which is exactly the UNet's
// input for every class here: the σ-space schedulers (Euler, Euler ancestral) hold
// x_σ = x0 + σ·ε and feed the network x_σ/√(σ²+1), and √ᾱ = 1/√(σ²+1), so x = x_σ·√ᾱ. The
// denoiser returns ε̂ (src/model converts v / sample predictions at the call's own ᾱ), and step j
// does, with x̂0 = (x − √(1−a)·ε̂)/√a at the step's input level a (clipped when the config clips):
//
//     x ← A·x + B·ε̂ + C0·x̂0 + C1·x̂0_prev + Sz·z
//
//  Euler (s_churn 0), σ → σ':   x_σ' = x_σ + ε̂·(σ' − σ); in VP: A = √(a'/a), B = √a'·(σ' − σ).
//  Euler ancestral: σ_up = √(σ'²(σ² − σ'²)/σ²), σ_down = √(σ'² − σ_up²);
//                   x_σ' = x_σ + ε̂·(σ_down − σ) + σ_up·z: A = √(a'/a), B = √a'·(σ_down − σ),
//                   Sz = √a'·σ_up (a' = 1/(1 + σ'²)).
//  DDIM: prev = τ − ⌊n/N⌋ (whatever the spacing), a' = ᾱ_prev (past the end: 1 with
//        set_alpha_to_one, else ᾱ_0), std = η·√((1−a')/(1−a)·(1 − a/a')):
//        x' = √a'·x̂0 + √(1 − a' − std²)·ε̂ + std·z.
//  LCM: c_skip = ¼/((sτ)² + ¼), c_out = sτ/√((sτ)² + ¼) (s = timestep_scaling), denoised =
//       c_out·x̂0 + c_skip·x; x' = √a'·denoised + √(1−a')·z with a' = ᾱ of the next timestep,
//       and x' = denoised on the last step.
//  DPM-Solver++ (data prediction; α = 1/√(σ²+1), σ_t = σ·α, λ = log α − log σ_t, h = λ' − λ):
//       order 1: x' = (σ_t'/σ_t)·x + α'(1 − e^{−h})·x̂0; order 2 with r = h_prev/h,
//       D1 = (x̂0 − x̂0_prev)/r adds ½α'(1 − e^{−h})·D1 (midpoint) or α'(1 + (e^{−h} − 1)/h)·D1
//       (heun). The SDE variant: x' = (σ_t'/σ_t)e^{−h}·x + α'(1 − e^{−2h})·x̂0
//       + σ_t'·√(1 − e^{−2h})·z, with ½α'(1 − e^{−2h})·D1 (midpoint) or α'(1 + (e^{−2h} − 1)/(2h))·D1
//       (heun). First order on the first step of the run, and on the last one when
//       final_sigmas_type is 'zero', euler_at_final, or lower_order_final with N < 15.
//
// Noising to the first timestep is every class's add_noise: x = √a_0·x_g + √(1−a_0)·z.
import type { VPSchedule } from '../schedule';
import type { SchedulerClass, SchedulerConfig } from './config';
import { SchedulerConfigError } from './config';
import { alphaBarAtTimestep, img2imgStart, img2imgTimesteps, inferenceTimesteps, sigmaAtTimestep, sigmasOf } from './timesteps';

export interface PackPlan {
  className: SchedulerClass;
  /** the network timesteps of the steps run, in order */
  timesteps: Float64Array;
  steps: number;
  /** the loop's continuous times: ts[j] = (timesteps[j] + 1)/n, ts[steps] = 0 */
  ts: Float64Array;
  /** ᾱ of the sample as step j's formulas see it */
  levelIn: Float64Array;
  /** ᾱ of the sample after step j */
  levelOut: Float64Array;
  A: Float64Array;
  B: Float64Array;
  C0: Float64Array;
  C1: Float64Array;
  Sz: Float64Array;
  /** the noise stream of the per-step draws ('sde' for the SDE DPM-Solver++, else 'step') */
  noiseKind: 'step' | 'sde';
  /** clip x̂0 to ±clip (DDIM / LCM clip_sample), or null */
  clip: number | null;
  /** true when diffusers holds x_σ = x/√ᾱ (Euler family), for comparing with its latents */
  sigmaSpace: boolean;
}

export interface PackPlanOptions {
  /** N, the num_inference_steps given to set_timesteps */
  steps: number;
  /** diffusers' strength (the engine's t0 for latent packs), in [0, 1] */
  strength: number;
  /** DDIM η (default 0) */
  eta?: number;
}

/** Plan an img2img run of the config's scheduler. Zero steps when N·strength < 1. */
export function planPack(cfg: SchedulerConfig, vp: VPSchedule, opts: PackPlanOptions): PackPlan {
  const N = opts.steps;
  const eta = opts.eta ?? 0;
  if (!(eta >= 0)) throw new SchedulerConfigError(`eta must be ≥ 0, got ${opts.eta}`);
  if (eta !== 0 && cfg.className !== 'DDIMScheduler') throw new SchedulerConfigError(`eta applies to DDIMScheduler only (this pack's scheduler is ${cfg.className})`);
  if (vp.n !== cfg.numTrainTimesteps) throw new SchedulerConfigError(`the schedule has ${vp.n} timesteps, the config ${cfg.numTrainTimesteps}`);
  const timesteps = img2imgTimesteps(cfg, vp, N, opts.strength);
  const S = timesteps.length;
  const n = vp.n;
  const f = () => new Float64Array(S);
  const plan: PackPlan = {
    className: cfg.className,
    timesteps,
    steps: S,
    ts: new Float64Array(S + 1),
    levelIn: f(),
    levelOut: f(),
    A: f(),
    B: f(),
    C0: f(),
    C1: f(),
    Sz: f(),
    noiseKind: cfg.className === 'DPMSolverMultistepScheduler' && cfg.algorithmType === 'sde-dpmsolver++' ? 'sde' : 'step',
    clip: (cfg.className === 'DDIMScheduler' || cfg.className === 'LCMScheduler') && cfg.clipSample ? cfg.clipSampleRange : null,
    sigmaSpace: cfg.className === 'EulerDiscreteScheduler' || cfg.className === 'EulerAncestralDiscreteScheduler',
  };
  for (let j = 0; j < S; j++) plan.ts[j] = (timesteps[j] + 1) / n;
  if (S === 0) return plan;
  const sigmas = sigmasOf(vp);
  const sigmaMin = sigmas[0];
  switch (cfg.className) {
    case 'EulerDiscreteScheduler':
    case 'EulerAncestralDiscreteScheduler': {
      const ancestral = cfg.className === 'EulerAncestralDiscreteScheduler';
      const last = !ancestral && cfg.finalSigmasType === 'sigma_min' ? sigmaMin : 0;
      for (let j = 0; j < S; j++) {
        const s = Math.fround(sigmaAtTimestep(sigmas, timesteps[j]));
        const s1 = j + 1 < S ? Math.fround(sigmaAtTimestep(sigmas, timesteps[j + 1])) : Math.fround(last);
        const a = alphaBarAtTimestep(vp, timesteps[j]);
        const a1 = 1 / (1 + s1 * s1);
        plan.levelIn[j] = a;
        plan.levelOut[j] = a1;
        plan.A[j] = Math.sqrt(a1 / a);
        if (ancestral) {
          const up = Math.sqrt((s1 * s1 * (s * s - s1 * s1)) / (s * s));
          const down = Math.sqrt(Math.max(0, s1 * s1 - up * up));
          plan.B[j] = Math.sqrt(a1) * (down - s);
          plan.Sz[j] = Math.sqrt(a1) * up;
        } else plan.B[j] = Math.sqrt(a1) * (s1 - s);
      }
      break;
    }
    case 'DDIMScheduler': {
      const final = cfg.setAlphaToOne ? 1 : vp.alphaBars[0];
      const stride = Math.floor(n / N);
      for (let j = 0; j < S; j++) {
        const a = vp.alphaBars[timesteps[j]];
        const prev = timesteps[j] - stride;
        const a1 = prev >= 0 ? vp.alphaBars[prev] : final;
        const std = eta * Math.sqrt(((1 - a1) / (1 - a)) * (1 - a / a1));
        plan.levelIn[j] = a;
        plan.levelOut[j] = a1;
        plan.C0[j] = Math.sqrt(a1);
        plan.B[j] = Math.sqrt(Math.max(0, 1 - a1 - std * std));
        plan.Sz[j] = std;
      }
      break;
    }
    case 'LCMScheduler': {
      for (let j = 0; j < S; j++) {
        const tau = timesteps[j];
        const a = vp.alphaBars[tau];
        const st = tau * cfg.timestepScaling;
        const cSkip = 0.25 / (st * st + 0.25);
        const cOut = st / Math.sqrt(st * st + 0.25);
        const lastStep = j === S - 1;
        const a1 = lastStep ? 1 : vp.alphaBars[timesteps[j + 1]];
        plan.levelIn[j] = a;
        plan.levelOut[j] = a1;
        plan.A[j] = Math.sqrt(a1) * cSkip;
        plan.C0[j] = Math.sqrt(a1) * cOut;
        plan.Sz[j] = lastStep ? 0 : Math.sqrt(1 - a1);
      }
      break;
    }
    case 'DPMSolverMultistepScheduler':
      planDpm(cfg, vp, N, opts.strength, sigmas, plan);
      break;
  }
  return plan;
}

function planDpm(cfg: SchedulerConfig, vp: VPSchedule, N: number, strength: number, sigmas: Float64Array, plan: PackPlan): void {
  const full = inferenceTimesteps(cfg, vp, N);
  const start = img2imgStart(N, strength);
  const sig = new Float64Array(N + 1);
  for (let i = 0; i < N; i++) sig[i] = Math.fround(sigmaAtTimestep(sigmas, full[i]));
  sig[N] = cfg.finalSigmasType === 'sigma_min' ? Math.fround(sigmas[0]) : 0;
  const alpha = (s: number) => 1 / Math.sqrt(s * s + 1);
  const lambda = (s: number) => (s === 0 ? Infinity : Math.log(alpha(s)) - Math.log(s * alpha(s)));
  const sde = cfg.algorithmType === 'sde-dpmsolver++';
  const lowerFinal = cfg.eulerAtFinal || (cfg.lowerOrderFinal && N < 15) || cfg.finalSigmasType === 'zero';
  for (let j = 0; j < plan.steps; j++) {
    const i = start + j;
    const sS = sig[i];
    const sT = sig[i + 1];
    const aT = alpha(sT);
    const sigT = sT * aT;
    const sigS = sS * alpha(sS);
    plan.levelIn[j] = alpha(sS) ** 2;
    plan.levelOut[j] = aT * aT;
    const h = lambda(sT) - lambda(sS);
    const ratio = sigT / sigS;
    const first = cfg.solverOrder === 1 || j < 1 || (i === N - 1 && lowerFinal);
    const r0 = first ? 1 : (lambda(sS) - lambda(sig[i - 1])) / h;
    let c: number;
    let q = 0;
    if (!sde) {
      plan.A[j] = ratio;
      c = -aT * Math.expm1(-h);
      if (!first) q = cfg.solverType === 'midpoint' ? 0.5 * c : aT * (Math.expm1(-h) / h + 1);
    } else {
      const one = -Math.expm1(-2 * h); // 1 − e^{−2h}
      plan.A[j] = ratio * Math.exp(-h);
      c = aT * one;
      plan.Sz[j] = sigT * Math.sqrt(one);
      if (!first) q = cfg.solverType === 'midpoint' ? 0.5 * c : aT * (1 + Math.expm1(-2 * h) / (2 * h));
    }
    plan.C0[j] = c + (first ? 0 : q / r0);
    plan.C1[j] = first ? 0 : -q / r0;
  }
}
