// Per-step coefficients of the single-call samplers (DDPM, DDIM, VE): each reverse step is an
// affine map of the sample x, the network's output (ε for VP, the score for VE) and a fresh
// standard normal draw z,
//   x ← a·x + b·out + c·z.
// These functions are the one definition of (a, b, c): the CPU loop (sdedit.ts) and the
// GPU-resident update graph (src/ui/runtime/update-graph-plan.ts) both read them. The
// DPM-Solver++(2M) counterpart is `multistepCoefficients` (solvers-fast.ts).
//
// VP levels are ᾱ: `at` = ᾱ at the step's start (noisier), `as` = ᾱ at its end (as > at;
// as = 1 on a last step to the clean level).
import type { VPSchedule } from './schedule';
import type { DdpmVariance } from './types';

/** x ← x·sample + out·network + z·noise. */
export interface AffineStep {
  /** multiplier of the current sample */
  sample: number;
  /** multiplier of the network's output (ε on VP schedules, the score on VE) */
  network: number;
  /** multiplier of a fresh standard normal draw; 0 = the step draws no noise */
  noise: number;
}

/** The VP data prediction at a level ᾱ: x̂0 = (x − sigma·ε)·invAlpha. */
export interface X0Estimate {
  /** √(1 − ᾱ) */
  sigma: number;
  /** 1/√ᾱ */
  invAlpha: number;
}

export function x0Estimate(alphaBar: number): X0Estimate {
  return { sigma: Math.sqrt(1 - alphaBar), invAlpha: 1 / Math.sqrt(alphaBar) };
}

/**
 * Every-step DDPM at the discrete index i, the official SDEdit runner's step (Ho et al. 2020,
 * Algorithm 2):
 *   x ← (x − β_i/√(1 − ᾱ_i)·ε)/√(1 − β_i) + exp(½·logvar_i)·z,  no noise at i = 0,
 * with logvar_i = log β̃_i ('fixedsmall', what the official configs run) or log β_i ('fixedlarge').
 */
export function ddpmIndexStep(schedule: VPSchedule, i: number, variance: DdpmVariance): AffineStep {
  const beta = schedule.betas[i];
  const sample = 1 / Math.sqrt(1 - beta);
  const network = -sample * (beta / Math.sqrt(1 - schedule.alphaBars[i]));
  if (i === 0) return { sample, network, noise: 0 };
  const logvar = Math.log(variance === 'fixedlarge' ? beta : (beta * (1 - schedule.alphaBars[i - 1])) / (1 - schedule.alphaBars[i]));
  return { sample, network, noise: Math.exp(0.5 * logvar) };
}

/**
 * Strided DDPM: the ancestral (posterior) step between two levels of the continuous schedule,
 * with β' = 1 − at/as:
 *   x ← √(as/at)·(x − β'/√(1 − at)·ε) + √(β'·(1 − as)/(1 − at))·z
 * (no noise on the last step, where as = 1).
 */
export function ddpmStep(at: number, as: number): AffineStep {
  const betaStep = 1 - at / as;
  const sample = Math.sqrt(as / at);
  return {
    sample,
    network: -sample * (betaStep / Math.sqrt(1 - at)),
    noise: Math.sqrt(Math.max(0, (betaStep * (1 - as)) / (1 - at))),
  };
}

/**
 * DDIM (Song et al. 2021, eq. 12) with η: x̂0 = (x − √(1 − at)·ε)/√at,
 *   σ = η·√((1 − as)/(1 − at)·(1 − at/as)),
 *   x ← √as·x̂0 + √(1 − as − σ²)·ε + σ·z
 * (σ = 0 on the last step, where as = 1). No clipping of x̂0 inside the sampler.
 */
export function ddimStep(at: number, as: number, eta: number): AffineStep {
  const sigma = eta * Math.sqrt(Math.max(0, ((1 - as) / (1 - at)) * (1 - at / as)));
  const sample = Math.sqrt(as) / Math.sqrt(at);
  return {
    sample,
    network: Math.sqrt(Math.max(0, 1 - as - sigma * sigma)) - sample * Math.sqrt(1 - at),
    noise: sigma,
  };
}

/**
 * VE reverse diffusion (Euler–Maruyama, SDEdit's Algorithm 1) from σ²_t to σ²_s with the score s:
 *   x ← x + (σ²_t − σ²_s)·s + √(σ²_t − σ²_s)·z,
 * without noise on the last step (the mean is returned, as score_sde's samplers do).
 */
export function veStep(sigma2From: number, sigma2To: number, addNoise: boolean): AffineStep {
  const d = sigma2From - sigma2To;
  return { sample: 1, network: d, noise: addNoise ? Math.sqrt(d) : 0 };
}
