// A diffusers scheduler's img2img run as per-step records for core's loop.
//
// The loop's sample is kept in VP coordinates, x = √ᾱ·x0 + √(1−ᾱ)·ε, which is exactly the UNet's
// input for every class here: the σ-space schedulers (Euler, Euler ancestral) hold
// x_σ = x0 + σ·ε and feed the network x_σ/√(σ²+1), and √ᾱ = 1/√(σ²+1), so x = x_σ·√ᾱ. The
// denoiser returns ε̂ (src/model converts v / sample predictions at the call's own ᾱ), and step j
// does, with x̂0 = (x − √(1−a)·ε̂)/√a at the step's input level a (clipped when the config clips):
//
//     x ← sample·x + network·ε̂ + x0·x̂0 + x0Prev·x̂0_prev + noise·z
//
// Where a class's step is one of core's samplers, core's coefficients are used:
//  Euler (s_churn 0), σ → σ': x_σ' = x_σ + ε̂·(σ' − σ) is DDIM with η = 0 in σ-space: core's
//        ddimStep(a, a') with a' = 1/(1 + σ'²).
//  Euler ancestral: σ_up = √(σ'²(σ² − σ'²)/σ²), σ_down = √(σ'² − σ_up²),
//        x_σ' = x_σ + ε̂·(σ_down − σ) + σ_up·z is DDIM with η = 1 (DDIM's σ_η²/a' = σ_up², and
//        its deterministic part lands on x0 + σ_down·ε̂): ddimStep(a, a', 1).
//  DDIM: ddimStep(a, a', η) with diffusers' own previous timestep prev = τ − ⌊n/N⌋ (whatever the
//        spacing; past the end a' = 1 with set_alpha_to_one, else ᾱ_0). With clip_sample the
//        same step is written on the clipped x̂0: x' = √a'·x̂0 + √(1 − a' − σ_η²)·ε̂ + σ_η·z.
//  DPM-Solver++ (data prediction), ODE or SDE, midpoint or heun: core's multistepCoefficients on
//        the run's levels 1/(σ² + 1), first order on the first step of the run and, when
//        final_sigmas_type is 'zero', euler_at_final, or lower_order_final with N < 15, on the
//        last one.
// LCM has no counterpart in core: c_skip = ¼/((sτ)² + ¼), c_out = sτ/√((sτ)² + ¼)
//       (s = timestep_scaling), denoised = c_out·x̂0 + c_skip·x; x' = √a'·denoised + √(1−a')·z with
//       a' = ᾱ of the next timestep, and x' = denoised on the last step.
//
// Noising to the first timestep is every class's add_noise: x = √a_0·x_g + √(1−a_0)·z.
import type { VPSchedule } from '../schedule';
import type { SchedulerClass, SchedulerConfig } from './config';
import { SchedulerConfigError } from './config';
import { multistepCoefficients } from '../solvers-fast';
import { ddimStep } from '../steps';
import { alphaBarAtTimestep, img2imgStart, img2imgTimesteps, inferenceTimesteps, sigmaAtTimestep, sigmasOf } from './timesteps';

/** Step j of a pack's run: the levels it goes between and its update
 *  x ← sample·x + network·ε̂ + x0·x̂0 + x0Prev·x̂0_prev + noise·z. */
export interface PackStep {
  /** ᾱ of the sample as the step's formulas see it (x̂0 is estimated at it) */
  levelIn: number;
  /** ᾱ of the sample after the step */
  levelOut: number;
  sample: number;
  network: number;
  x0: number;
  x0Prev: number;
  noise: number;
}

export interface PackPlan {
  className: SchedulerClass;
  /** the network timesteps of the steps run, in order */
  timesteps: Float64Array;
  /** the loop's continuous times: ts[j] = (timesteps[j] + 1)/n, ts[steps.length] = 0 */
  ts: Float64Array;
  steps: PackStep[];
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
  const ts = new Float64Array(S + 1);
  for (let j = 0; j < S; j++) ts[j] = (timesteps[j] + 1) / n;
  const clip = (cfg.className === 'DDIMScheduler' || cfg.className === 'LCMScheduler') && cfg.clipSample ? cfg.clipSampleRange : null;
  return {
    className: cfg.className,
    timesteps,
    ts,
    steps: S === 0 ? [] : planSteps(cfg, vp, timesteps, N, opts.strength, eta, clip),
    noiseKind: cfg.className === 'DPMSolverMultistepScheduler' && cfg.algorithmType === 'sde-dpmsolver++' ? 'sde' : 'step',
    clip,
    sigmaSpace: cfg.className === 'EulerDiscreteScheduler' || cfg.className === 'EulerAncestralDiscreteScheduler',
  };
}

const NO_X0 = { x0: 0, x0Prev: 0 };

function planSteps(cfg: SchedulerConfig, vp: VPSchedule, timesteps: Float64Array, N: number, strength: number, eta: number, clip: number | null): PackStep[] {
  const S = timesteps.length;
  const sigmas = sigmasOf(vp);
  switch (cfg.className) {
    case 'EulerDiscreteScheduler':
    case 'EulerAncestralDiscreteScheduler': {
      const ancestral = cfg.className === 'EulerAncestralDiscreteScheduler';
      const last = !ancestral && cfg.finalSigmasType === 'sigma_min' ? sigmas[0] : 0;
      return Array.from(timesteps, (tau, j) => {
        const s1 = j + 1 < S ? Math.fround(sigmaAtTimestep(sigmas, timesteps[j + 1])) : Math.fround(last);
        const levelIn = alphaBarAtTimestep(vp, tau);
        const levelOut = 1 / (1 + s1 * s1);
        return { levelIn, levelOut, ...ddimStep(levelIn, levelOut, ancestral ? 1 : 0), ...NO_X0 };
      });
    }
    case 'DDIMScheduler': {
      const final = cfg.setAlphaToOne ? 1 : vp.alphaBars[0];
      const stride = Math.floor(vp.n / N);
      return Array.from(timesteps, (tau) => {
        const levelIn = vp.alphaBars[tau];
        const levelOut = tau - stride >= 0 ? vp.alphaBars[tau - stride] : final;
        const step = ddimStep(levelIn, levelOut, eta);
        if (clip === null) return { levelIn, levelOut, ...step, ...NO_X0 };
        const network = Math.sqrt(Math.max(0, 1 - levelOut - step.noise * step.noise));
        return { levelIn, levelOut, sample: 0, network, x0: Math.sqrt(levelOut), x0Prev: 0, noise: step.noise };
      });
    }
    case 'LCMScheduler':
      return Array.from(timesteps, (tau, j) => {
        const st = tau * cfg.timestepScaling;
        const cSkip = 0.25 / (st * st + 0.25);
        const cOut = st / Math.sqrt(st * st + 0.25);
        const lastStep = j === S - 1;
        const levelOut = lastStep ? 1 : vp.alphaBars[timesteps[j + 1]];
        const keep = Math.sqrt(levelOut);
        return { levelIn: vp.alphaBars[tau], levelOut, sample: keep * cSkip, network: 0, x0: keep * cOut, x0Prev: 0, noise: lastStep ? 0 : Math.sqrt(1 - levelOut) };
      });
    case 'DPMSolverMultistepScheduler':
      return dpmSteps(cfg, vp, N, strength, sigmas);
  }
}

/** DPMSolverMultistep's run: its σ's (float32, as diffusers holds them) as levels 1/(σ² + 1),
 *  then core's DPM-Solver++(2M) coefficients on them. */
function dpmSteps(cfg: SchedulerConfig, vp: VPSchedule, N: number, strength: number, sigmas: Float64Array): PackStep[] {
  const full = inferenceTimesteps(cfg, vp, N);
  const start = img2imgStart(N, strength);
  const finalSigma = cfg.finalSigmasType === 'sigma_min' ? Math.fround(sigmas[0]) : 0;
  const level = Float64Array.from({ length: N - start + 1 }, (_, j) => {
    const s = start + j < N ? Math.fround(sigmaAtTimestep(sigmas, full[start + j])) : finalSigma;
    return 1 / (s * s + 1);
  });
  const coefficients = multistepCoefficients(level, {
    order: cfg.solverOrder,
    correction: cfg.solverType,
    odeCorrection: cfg.solverType,
    sde: cfg.algorithmType === 'sde-dpmsolver++',
    firstOrderLast: cfg.eulerAtFinal || (cfg.lowerOrderFinal && N < 15) || cfg.finalSigmasType === 'zero',
  });
  return coefficients.map((c, j) => ({ levelIn: level[j], levelOut: level[j + 1], network: 0, ...c }));
}
