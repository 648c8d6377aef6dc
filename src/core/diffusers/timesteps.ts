// diffusers' discrete schedules: the betas of a scheduler config, σ at any timestep, each class's
// `set_timesteps` (timestep_spacing leading / trailing / linspace with steps_offset), LCM's
// skipping ladder, and img2img's strength arithmetic (`get_timesteps`).
//
// numpy semantics that matter for exact timesteps: `np.round` rounds halves to even,
// `np.linspace(a, b, n)` is a + i·(b − a)/(n − 1) with the last point exactly b,
// `np.arange(start, stop, step)` has ceil((stop − start)/step) points start + i·step.
import type { VPSchedule } from '../schedule';
import { vpCosine, vpFromBetas } from '../schedule';
import type { BetaConfig, SchedulerConfig } from './config';
import { SchedulerConfigError } from './config';

/** The pack's VP schedule: ᾱ_i = ∏(1 − β_j) over the config's betas. */
export function scheduleFromConfig(cfg: BetaConfig): VPSchedule {
  const n = cfg.numTrainTimesteps;
  if (cfg.trainedBetas) return vpFromBetas(cfg.trainedBetas, 'trained');
  if (cfg.betaSchedule === 'squaredcos_cap_v2') return vpCosine(n); // betas_for_alpha_bar, max β 0.999
  const betas = new Float64Array(n);
  const lo = cfg.betaSchedule === 'scaled_linear' ? Math.sqrt(cfg.betaStart) : cfg.betaStart;
  const hi = cfg.betaSchedule === 'scaled_linear' ? Math.sqrt(cfg.betaEnd) : cfg.betaEnd;
  const line = linspace(lo, hi, n);
  for (let i = 0; i < n; i++) betas[i] = cfg.betaSchedule === 'scaled_linear' ? line[i] * line[i] : line[i];
  return vpFromBetas(betas, cfg.betaSchedule);
}

/** np.round: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** np.linspace(a, b, num) (endpoint included) or with endpoint = false. */
export function linspace(a: number, b: number, num: number, endpoint = true): Float64Array {
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (b - a) / div : 0;
  for (let i = 0; i < num; i++) out[i] = a + i * step;
  if (endpoint && num > 1) out[num - 1] = b;
  return out;
}

/** np.arange(start, stop, step) for a negative step. */
function arangeDown(start: number, stop: number, step: number): Float64Array {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = start + i * step;
  return out;
}

/** σ_i = √((1 − ᾱ_i)/ᾱ_i), i = 0..n−1. */
export function sigmasOf(vp: VPSchedule): Float64Array {
  const s = new Float64Array(vp.n);
  for (let i = 0; i < vp.n; i++) s[i] = Math.sqrt((1 - vp.alphaBars[i]) / vp.alphaBars[i]);
  return s;
}

/** np.interp(τ, arange(n), σ): σ at a (possibly fractional) timestep, clamped to [0, n−1]. */
export function sigmaAtTimestep(sigmas: Float64Array, tau: number): number {
  const n = sigmas.length;
  if (!(tau > 0)) return sigmas[0];
  if (tau >= n - 1) return sigmas[n - 1];
  const k = Math.floor(tau);
  const f = tau - k;
  return f === 0 ? sigmas[k] : sigmas[k] + f * (sigmas[k + 1] - sigmas[k]);
}

/** ᾱ at a timestep as the σ-based schedulers see it: ᾱ_τ at integers, 1/(1 + σ(τ)²) between. */
export function alphaBarAtTimestep(vp: VPSchedule, tau: number): number {
  if (Number.isInteger(tau) && tau >= 0 && tau < vp.n) return vp.alphaBars[tau];
  const i = Math.min(vp.n - 2, Math.max(0, Math.floor(tau)));
  const s0 = Math.sqrt((1 - vp.alphaBars[i]) / vp.alphaBars[i]);
  const s1 = Math.sqrt((1 - vp.alphaBars[i + 1]) / vp.alphaBars[i + 1]);
  const f = Math.min(1, Math.max(0, tau - i));
  const s = s0 + f * (s1 - s0);
  return 1 / (1 + s * s);
}

function positiveSteps(N: number, n: number): void {
  if (!(Number.isInteger(N) && N >= 1)) throw new SchedulerConfigError(`steps must be a positive integer, got ${N}`);
  if (N > n) throw new SchedulerConfigError(`steps (${N}) cannot exceed the pack's ${n} training timesteps`);
}

/** Where the DPM solver's λ clipping stops the schedule (num_train_timesteps without clipping). */
function dpmLastTimestep(vp: VPSchedule, lambdaMin: number): number {
  if (lambdaMin === -Infinity) return vp.n;
  // torch.searchsorted(flip(λ), λ_min): λ falls with t, so count the λ_t below λ_min
  let below = 0;
  for (let i = 0; i < vp.n; i++) {
    const a = vp.alphaBars[i];
    if (0.5 * Math.log(a / (1 - a)) < lambdaMin) below++;
  }
  return vp.n - below;
}

/**
 * The full descending list of N inference timesteps of the config's class (its set_timesteps),
 * before img2img cuts it. Euler's and Euler-ancestral's linspace spacing gives fractional
 * timesteps (float32, as diffusers); every other spacing gives integers.
 */
export function inferenceTimesteps(cfg: SchedulerConfig, vp: VPSchedule, N: number): Float64Array {
  const n = cfg.numTrainTimesteps;
  positiveSteps(N, n);
  const spacing = cfg.timestepSpacing;
  const off = cfg.stepsOffset;
  const rev = (a: Float64Array): Float64Array => a.slice().reverse();
  const map = (a: Float64Array, f: (v: number) => number): Float64Array => a.map(f);
  switch (cfg.className) {
    case 'EulerDiscreteScheduler':
    case 'EulerAncestralDiscreteScheduler':
    case 'DDIMScheduler': {
      const integer = cfg.className === 'DDIMScheduler';
      if (spacing === 'linspace') {
        const l = linspace(0, n - 1, N);
        return rev(integer ? map(l, roundHalfEven) : map(l, Math.fround));
      }
      if (spacing === 'leading') {
        const ratio = Math.floor(n / N);
        const out = new Float64Array(N);
        for (let i = 0; i < N; i++) out[N - 1 - i] = roundHalfEven(i * ratio) + off;
        return out;
      }
      return map(arangeDown(n, 0, -n / N), (v) => roundHalfEven(v) - 1);
    }
    case 'DPMSolverMultistepScheduler': {
      const last = dpmLastTimestep(vp, cfg.lambdaMinClipped);
      if (spacing === 'linspace') return rev(map(linspace(0, last - 1, N + 1), roundHalfEven)).slice(0, N);
      if (spacing === 'leading') {
        const ratio = Math.floor(last / (N + 1));
        const out = new Float64Array(N);
        for (let i = 0; i < N; i++) out[i] = roundHalfEven((N - i) * ratio) + off;
        return out;
      }
      return map(arangeDown(last, 0, -n / N), (v) => roundHalfEven(v) - 1);
    }
    case 'LCMScheduler':
      return lcmTimesteps(cfg, N, 1);
  }
}

/**
 * LCM's set_timesteps(N, strength): the origin ladder (1 … ⌊original·strength⌋)·k − 1 with
 * k = ⌊n/original⌋, reversed, then N of them at ⌊linspace(0, len, N, endpoint = false)⌋.
 */
export function lcmTimesteps(cfg: SchedulerConfig, N: number, strength: number): Float64Array {
  const n = cfg.numTrainTimesteps;
  positiveSteps(N, n);
  const orig = cfg.originalInferenceSteps;
  const k = Math.floor(n / orig);
  const len = Math.floor(orig * strength);
  if (N > orig) throw new SchedulerConfigError(`LCM: steps (${N}) cannot exceed original_inference_steps (${orig})`);
  if (Math.floor(len / N) < 1) {
    throw new SchedulerConfigError(
      `LCM: original_inference_steps × t0 = ${orig} × ${strength} leaves ${len} timesteps, fewer than the ${N} steps asked; lower --steps to at most ${len} or raise --t0`,
    );
  }
  const ladder = new Float64Array(len);
  for (let i = 0; i < len; i++) ladder[i] = (len - i) * k - 1; // already reversed
  const idx = linspace(0, len, N, false);
  return idx.map((v) => ladder[Math.floor(v)]);
}

/** diffusers' img2img get_timesteps: init = min(⌊N·strength⌋, N), start = N − init. */
export function img2imgStart(N: number, strength: number): number {
  if (!(strength >= 0 && strength <= 1)) throw new SchedulerConfigError(`strength (t0) must be in [0, 1], got ${strength}`);
  const init = Math.min(Math.floor(N * strength), N);
  return Math.max(N - init, 0);
}

/** The timesteps an img2img run of N steps at `strength` denoises (LCM: all N of its ladder). */
export function img2imgTimesteps(cfg: SchedulerConfig, vp: VPSchedule, N: number, strength: number): Float64Array {
  if (cfg.className === 'LCMScheduler') {
    img2imgStart(N, strength); // range check
    return lcmTimesteps(cfg, N, strength);
  }
  return inferenceTimesteps(cfg, vp, N).slice(img2imgStart(N, strength));
}

/**
 * The t0 nearest to `t0` at which the engine's uniform grid of `steps` steps (ddim, strided ddpm,
 * dpmpp2m's 'time' grid, t_j = t0·(steps − j)/steps) puts every step on an integer timestep of an
 * n-step schedule: t0·n a multiple of steps. steps 0 (every-step ddpm) snaps to 1/n.
 */
export function gridT0(n: number, t0: number, steps: number): number {
  if (!(t0 > 0 && t0 <= 1)) throw new SchedulerConfigError(`t0 must be in (0, 1], got ${t0}`);
  if (steps <= 0) return Math.max(1, Math.round(t0 * n)) / n;
  if (steps > n) throw new SchedulerConfigError(`steps (${steps}) cannot exceed the pack's ${n} training timesteps`);
  const k = Math.max(1, Math.min(Math.floor(n / steps), Math.round((t0 * n) / steps)));
  return (k * steps) / n;
}
