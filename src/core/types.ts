// Public types of the SDEdit engine. src/core imports nothing from outside itself.

/** Tensor shape in NCHW order. */
export type Shape4 = [n: number, c: number, h: number, w: number];

/**
 * A denoising network seen from the engine. Implemented by src/model (ONNX sessions, after the
 * output adapter) and by analytic models in tests.
 * - `kind: 'eps'`   → predict returns ε̂(x, t) (VP schedules).
 * - `kind: 'score'` → predict returns s(x, t) ≈ ∇ log p_t(x) (VE schedules).
 * `t` holds one continuous time in [0, 1] per batch item.
 */
export interface Denoiser {
  readonly kind: 'eps' | 'score';
  predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array>;
}

/** 'dpmpp2m': DPM-Solver++(2M), few-step ODE solver, VP only; 'dpmpp2m-sde': its stochastic
 *  (SDE) variant, few-step, VP only. Both in src/core/solvers-fast.ts, reached through sdedit. */
export type SamplerName = 'ddpm' | 'ddim' | 've' | 'dpmpp2m' | 'dpmpp2m-sde';

/** The noise variance of every-step DDPM (Ho et al. 2020, §3.2): 'fixedsmall' is the posterior
 *  variance β̃_i = β_i·(1 − ᾱ_{i−1})/(1 − ᾱ_i), 'fixedlarge' is β_i. */
export type DdpmVariance = 'fixedsmall' | 'fixedlarge';

/** Where the few-step solvers ('dpmpp2m', 'dpmpp2m-sde') put their steps between t0 and 0:
 *  - 'time': uniform in t, t_j = t0·(N−j)/N (the grid of 'ddim' and strided 'ddpm');
 *  - 'quadratic': t_j = t0·((N−j)/N)² (DDIM paper's quadratic skip: denser near the data);
 *  - 'logsnr': uniform in λ = log(α/σ) from λ(t0) to λ(1/n), the schedule's first discrete
 *    level, then the last step to 0 (DPM-Solver's recommendation). */
export type FastGrid = 'time' | 'quadratic' | 'logsnr';

/** Progress reported after every reverse step. */
export interface StepInfo {
  /** 1-based index of the step just done, over all repeats. */
  step: number;
  /** total number of steps over all repeats. */
  total: number;
  /** 0-based repeat index (K repeats). */
  repeat: number;
  /** current continuous time after the step. */
  t: number;
  /** current sample, NCHW, do not mutate. */
  x: Float32Array;
  /** the model's current estimate of the clean image x̂0, NCHW (clipped to [-1, 1]), with a mask
   *  blended over the guide the run started from as the result will be (m·x̂0 + (1−m)·guide:
   *  kept pixels are the guide's); made when first read, so read it during the callback (a
   *  later step reuses the buffer). */
  readonly x0: Float32Array;
}

export interface SDEditOptions {
  sampler: SamplerName;
  /** SDE time to noise the guide to, in (0, 1]. */
  t0: number;
  /** Number of reverse steps from t0 to 0. For 'ddpm' 0 or undefined means every step of the
   *  discrete schedule below t0 (the paper's setting). */
  steps?: number;
  /** Every-step 'ddpm' only (steps 0): the variance of each step's noise. 'fixedsmall' (default):
   *  the posterior variance β̃_i, what the official SDEdit configs run (`var_type: fixedsmall`)
   *  and what strided 'ddpm' uses between its levels; 'fixedlarge': β_i, a little more noise per
   *  step. */
  ddpmVariance?: DdpmVariance;
  /** Few-step solvers only: the time grid (default 'time'). */
  grid?: FastGrid;
  /** 'dpmpp2m-sde' only: its second-order correction, 'heun' (default: the exact integral of the
   *  linear term, measured closer to every-step DDPM per call, bench/few-step.json) or 'midpoint'
   *  (the paper's algorithm, k-diffusion's default). */
  correction?: 'midpoint' | 'heun';
  /** Few-step solvers only: 2 (default): DPM-Solver++(2M); 1: first order, which is DDIM (η = 0)
   *  on the same grid for 'dpmpp2m' and the DDPM posterior step on it for 'dpmpp2m-sde'. */
  order?: 1 | 2;
  /** DDIM η (0 = deterministic). */
  eta?: number;
  /** K in the paper: how many times the noise–denoise cycle is repeated. Default 1. */
  repeats?: number;
  /** Per-pixel mask [H*W], 1 = edit, 0 = keep. Omitted or null = edit everything. */
  mask?: Float32Array | null;
  /** Seed for the counter-based Gaussian generator. */
  seed: number;
  /** Number of variations generated as one batch. Default 1. */
  batch?: number;
  /** Langevin corrector steps per VE step (0 = none). */
  correctorSteps?: number;
  /** Langevin signal-to-noise ratio for the corrector. */
  snr?: number;
  /** Called after each step; may be async (the UI yields here). */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Abort between steps; the promise then rejects with an Error named 'AbortError'. */
  signal?: AbortSignal;
}
