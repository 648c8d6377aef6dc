// A diffusers `scheduler/scheduler_config.json`, read as diffusers reads it: each scheduler class
// has its own defaults (its __init__'s), keys a class does not use are ignored, and a setting this
// engine does not reproduce is one error naming the file and the field.
//
// Reproduced classes: EulerDiscreteScheduler, EulerAncestralDiscreteScheduler, LCMScheduler,
// DDIMScheduler, DPMSolverMultistepScheduler (solver order 1 or 2, dpmsolver++ and its SDE).

export type SchedulerClass =
  | 'EulerDiscreteScheduler'
  | 'EulerAncestralDiscreteScheduler'
  | 'LCMScheduler'
  | 'DDIMScheduler'
  | 'DPMSolverMultistepScheduler';

export const SCHEDULER_CLASSES: readonly SchedulerClass[] = [
  'EulerDiscreteScheduler',
  'EulerAncestralDiscreteScheduler',
  'LCMScheduler',
  'DDIMScheduler',
  'DPMSolverMultistepScheduler',
];

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/** What every diffusers scheduler config says about the training schedule, whatever its class:
 *  enough for the engine's own samplers on the pack's betas. */
export interface BetaConfig {
  /** `_class_name` as written */
  declaredClass: string;
  numTrainTimesteps: number;
  betaSchedule: BetaSchedule;
  betaStart: number;
  betaEnd: number;
  /** explicit betas (trained_betas), overriding the schedule */
  trainedBetas: Float64Array | null;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
}

/** A scheduler this engine reproduces step for step. */
export interface SchedulerConfig extends BetaConfig {
  className: SchedulerClass;
  /** Euler, DPM: the last sigma, 0 ('zero') or σ of timestep 0 ('sigma_min') */
  finalSigmasType: 'zero' | 'sigma_min';
  /** DDIM, LCM: clip x̂0 to ±clipSampleRange */
  clipSample: boolean;
  clipSampleRange: number;
  /** DDIM, LCM: ᾱ after the last step is 1 (else ᾱ_0) */
  setAlphaToOne: boolean;
  /** LCM */
  originalInferenceSteps: number;
  timestepScaling: number;
  /** DPMSolverMultistep */
  solverOrder: 1 | 2;
  algorithmType: 'dpmsolver++' | 'sde-dpmsolver++';
  solverType: 'midpoint' | 'heun';
  lowerOrderFinal: boolean;
  eulerAtFinal: boolean;
  lambdaMinClipped: number;
}

/** A scheduler config this engine cannot run; the message names the file and the field. */
export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerConfigError';
  }
}

type Obj = Record<string, unknown>;

/** Each class's __init__ defaults (diffusers), for the fields it has. */
const DEFAULTS: Record<SchedulerClass, Obj> = {
  EulerDiscreteScheduler: { beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', timestep_spacing: 'linspace', final_sigmas_type: 'zero' },
  EulerAncestralDiscreteScheduler: { beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', timestep_spacing: 'linspace' },
  LCMScheduler: {
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    timestep_spacing: 'leading',
    clip_sample: false,
    set_alpha_to_one: true,
  },
  DDIMScheduler: { beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', timestep_spacing: 'leading', clip_sample: true, set_alpha_to_one: true },
  DPMSolverMultistepScheduler: { beta_start: 0.0001, beta_end: 0.02, beta_schedule: 'linear', timestep_spacing: 'linspace', final_sigmas_type: 'zero' },
};

/** Settings that must keep their default (false/null/…) because the engine does not reproduce the
 *  other values, per class. */
const MUST_BE: Record<SchedulerClass, [string, unknown][]> = {
  EulerDiscreteScheduler: [
    ['use_karras_sigmas', false],
    ['use_exponential_sigmas', false],
    ['use_beta_sigmas', false],
    ['interpolation_type', 'linear'],
    ['timestep_type', 'discrete'],
    ['rescale_betas_zero_snr', false],
  ],
  EulerAncestralDiscreteScheduler: [['rescale_betas_zero_snr', false]],
  LCMScheduler: [
    ['thresholding', false],
    ['rescale_betas_zero_snr', false],
  ],
  DDIMScheduler: [
    ['thresholding', false],
    ['rescale_betas_zero_snr', false],
  ],
  DPMSolverMultistepScheduler: [
    ['thresholding', false],
    ['use_karras_sigmas', false],
    ['use_exponential_sigmas', false],
    ['use_beta_sigmas', false],
    ['use_lu_lambdas', false],
    ['use_flow_sigmas', false],
    ['use_dynamic_shifting', false],
    ['variance_type', null],
    ['rescale_betas_zero_snr', false],
  ],
};

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
};

/**
 * Parse a scheduler_config.json (text or parsed JSON). `file` names it in messages. Throws
 * SchedulerConfigError for a malformed or unsupported config.
 */
export function parseSchedulerConfig(json: unknown, file = 'scheduler/scheduler_config.json'): SchedulerConfig {
  return parse(json, file, true) as SchedulerConfig;
}

/** The training schedule of any scheduler config (classes this engine does not reproduce, such as
 *  PNDMScheduler, included): what the engine's own samplers need. */
export function parseBetaConfig(json: unknown, file = 'scheduler/scheduler_config.json'): BetaConfig {
  return parse(json, file, false);
}

function parse(json: unknown, file: string, reproduce: boolean): BetaConfig | SchedulerConfig {
  let o: unknown = json;
  if (typeof json === 'string') {
    try {
      o = JSON.parse(json);
    } catch (e) {
      throw new SchedulerConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new SchedulerConfigError(`${file}: must be a JSON object`);
  const raw = o as Obj;
  const fail = (field: string, want: string): never => {
    throw new SchedulerConfigError(`${file}: "${field}" ${want} (got ${show(raw[field])})`);
  };
  const cls = raw._class_name;
  if (typeof cls !== 'string' || cls.length === 0) fail('_class_name', 'must name the scheduler class');
  const known = (SCHEDULER_CLASSES as readonly string[]).includes(cls as string);
  if (reproduce && !known) {
    fail('_class_name', `must be one of ${SCHEDULER_CLASSES.join(', ')}; other schedulers are not reproduced (run the engine's own samplers with --sampler ddpm|ddim|dpmpp2m|dpmpp2m-sde)`);
  }
  const className = (known ? cls : 'DDIMScheduler') as SchedulerClass; // unknown classes: the common defaults
  const defaults = known ? DEFAULTS[className] : DEFAULTS.EulerDiscreteScheduler;
  const get = (field: string, fallback: unknown): unknown => {
    const v = raw[field];
    return v === undefined || v === null ? (field in defaults ? defaults[field] : fallback) : v;
  };
  const num = (field: string, fallback: number, test: (x: number) => boolean, want: string): number => {
    const v = get(field, fallback);
    if (typeof v !== 'number' || !Number.isFinite(v) || !test(v)) fail(field, `must be ${want}`);
    return v as number;
  };
  const bool = (field: string, fallback: boolean): boolean => {
    const v = get(field, fallback);
    if (typeof v !== 'boolean') fail(field, 'must be true or false');
    return v as boolean;
  };
  const oneOf = <T extends string>(field: string, fallback: T, allowed: readonly T[]): T => {
    const v = get(field, fallback);
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(field, `must be ${allowed.map((a) => `"${a}"`).join(' or ')} here`);
    return v as T;
  };
  for (const [field, want] of known ? MUST_BE[className] : ([['rescale_betas_zero_snr', false]] as [string, unknown][])) {
    const v = raw[field];
    if (v !== undefined && v !== null && v !== want) fail(field, `= ${show(v)} is not supported for ${className} (only ${show(want)})`);
  }

  const numTrainTimesteps = num('num_train_timesteps', 1000, (x) => Number.isInteger(x) && x >= 2, 'an integer ≥ 2');
  const betaSchedule = oneOf<BetaSchedule>('beta_schedule', 'linear', ['linear', 'scaled_linear', 'squaredcos_cap_v2']);
  const prob = (x: number) => x > 0 && x < 1;
  const betaStart = num('beta_start', 0.0001, prob, 'a number in (0, 1)');
  const betaEnd = num('beta_end', 0.02, prob, 'a number in (0, 1)');
  let trainedBetas: Float64Array | null = null;
  const tb = raw.trained_betas;
  if (tb !== undefined && tb !== null) {
    if (!Array.isArray(tb) || tb.length !== numTrainTimesteps || !tb.every((b) => typeof b === 'number' && prob(b))) {
      fail('trained_betas', `must be ${numTrainTimesteps} numbers in (0, 1)`);
    }
    trainedBetas = Float64Array.from(tb as number[]);
  }
  const predictionType = oneOf<PredictionType>('prediction_type', 'epsilon', ['epsilon', 'v_prediction', 'sample']);
  if (className === 'EulerAncestralDiscreteScheduler' && predictionType === 'sample') fail('prediction_type', 'must be "epsilon" or "v_prediction" for EulerAncestralDiscreteScheduler (diffusers does not implement "sample" there)');
  const timestepSpacing = oneOf<TimestepSpacing>('timestep_spacing', 'linspace', ['leading', 'trailing', 'linspace']);
  const stepsOffset = num('steps_offset', 0, (x) => Number.isInteger(x) && x >= 0 && x < numTrainTimesteps, `an integer in [0, ${numTrainTimesteps})`);
  const base: BetaConfig = { declaredClass: cls as string, numTrainTimesteps, betaSchedule, betaStart, betaEnd, trainedBetas, predictionType, timestepSpacing, stepsOffset };
  if (!known) return base;
  const finalSigmasType = oneOf('final_sigmas_type', 'zero', ['zero', 'sigma_min'] as const);
  const clipSample = bool('clip_sample', false);
  const clipSampleRange = num('clip_sample_range', 1, (x) => x > 0, 'a positive number');
  const setAlphaToOne = bool('set_alpha_to_one', true);
  const originalInferenceSteps = num('original_inference_steps', 50, (x) => Number.isInteger(x) && x >= 1 && x <= numTrainTimesteps, `an integer in [1, ${numTrainTimesteps}]`);
  const timestepScaling = num('timestep_scaling', 10, (x) => x > 0, 'a positive number');
  const solverOrder = num('solver_order', 2, (x) => x === 1 || x === 2, '1 or 2 (third order is not reproduced)') as 1 | 2;
  const algorithmType = oneOf('algorithm_type', 'dpmsolver++', ['dpmsolver++', 'sde-dpmsolver++'] as const);
  const solverType = oneOf('solver_type', 'midpoint', ['midpoint', 'heun'] as const);
  const lowerOrderFinal = bool('lower_order_final', true);
  const eulerAtFinal = bool('euler_at_final', false);
  const lmc = raw.lambda_min_clipped;
  let lambdaMinClipped = -Infinity;
  if (lmc !== undefined && lmc !== null && lmc !== '-inf') {
    if (typeof lmc !== 'number' || Number.isNaN(lmc)) fail('lambda_min_clipped', 'must be a number');
    lambdaMinClipped = lmc as number;
  }
  return {
    ...base,
    className,
    finalSigmasType,
    clipSample,
    clipSampleRange,
    setAlphaToOne,
    originalInferenceSteps,
    timestepScaling,
    solverOrder,
    algorithmType,
    solverType,
    lowerOrderFinal,
    eulerAtFinal,
    lambdaMinClipped,
  };
}
