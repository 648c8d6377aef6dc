// The SDEdit engine: pure TypeScript, no imports outside src/core.
export type { Denoiser, FastGrid, SDEditOptions, SamplerName, Shape4, StepInfo } from './types';
export type { Schedule, VESchedule, VPSchedule } from './schedule';
export { describeT0, signalAt, veGeometric, vpCosine, vpFromBetas, vpLinear } from './schedule';
export { gaussian, mix32, streamId, streamKeys, uniform } from './rng';
export type { NoiseRequest, NoiseSource, SDEditPlan } from './sdedit';
export { abortError, networkCalls, noiseStream, planSDEdit, sdedit, sdeditWithNoise, seededNoise } from './sdedit';
export type { Padded } from './image';
export { chwToRgba, cropChw, maskFromRgba, padToMultiple, resizeChw, resizeMask, rgbaToChw } from './image';
export { dilateMask, featherMask, maskCoverage, maskFromAlpha } from './mask';
export type { StrokeOptions } from './strokes';
export { downsampledL2, medianFilter, quantizeColors, simulateStrokes, strokeSize, upsampleNearest } from './strokes';
export type { FastOptions, FastPlan } from './solvers-fast';
export { multistepCoefficients, planDpmpp2m } from './solvers-fast';
export type { LoopOptions } from './loop';
export type { BetaConfig, PackPlan, PackPlanOptions, PackRunOptions, SchedulerClass, SchedulerConfig } from './diffusers';
export {
  SchedulerConfigError,
  alphaBarAtTimestep,
  gridT0,
  img2imgTimesteps,
  parseBetaConfig,
  parseSchedulerConfig,
  planPack,
  scheduleFromConfig,
  sdeditPack,
  sdeditPackWithNoise,
} from './diffusers';
