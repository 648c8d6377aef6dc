// diffusers' schedulers for latent packs, run through core's loop (pure, no imports outside core).
export type { BetaConfig, BetaSchedule, PredictionType, SchedulerClass, SchedulerConfig, TimestepSpacing } from './config';
export { SCHEDULER_CLASSES, SchedulerConfigError, parseBetaConfig, parseSchedulerConfig } from './config';
export {
  alphaBarAtTimestep,
  gridT0,
  img2imgStart,
  img2imgTimesteps,
  inferenceTimesteps,
  lcmTimesteps,
  linspace,
  roundHalfEven,
  scheduleFromConfig,
  sigmaAtTimestep,
  sigmasOf,
} from './timesteps';
export type { PackPlan, PackPlanOptions, PackStep } from './plan';
export { planPack } from './plan';
export type { PackRunOptions } from './run';
export { packUpdate, sdeditPack, sdeditPackWithNoise } from './run';
