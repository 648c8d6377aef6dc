// The SDEdit engine: pure TypeScript, no imports outside src/core.
export type { DdpmVariance, Denoiser, FastGrid, SDEditOptions, SamplerName, Shape4, StepInfo } from './types';
export type { Schedule, VESchedule, VPSchedule } from './schedule';
export { describeT0, signalAt, veGeometric, vpCosine, vpFromBetas, vpLinear } from './schedule';
export { gaussian, mix32, streamId, streamKeys, uniform } from './rng';
export type { NoiseRequest, NoiseSource, RunShape, SDEditPlan } from './sdedit';
export { abortError, checkRun, checkSeed, networkCalls, noiseStream, planSDEdit, samplerSteps, sdedit, sdeditWithNoise, seededNoise } from './sdedit';
export type { AffineStep, X0Estimate } from './steps';
export { ddimStep, ddpmIndexStep, ddpmStep, veStep, x0Estimate } from './steps';
export { editedDraws, previewOverGuide, vpKeptLevels } from './loop';
export { clampUnit, firstNonFinite, keptPixels, type KeptPixels } from './kernels';
export type { Padded } from './image';
export { chwToRgba, cropChw, maskFromRgba, padToMultiple, paddedSize, resizeChw, resizeMask, rgbaToChw } from './image';
export { dilateMask, featherMask, maskCoverage, maskFromAlpha, snapMask } from './mask';
export type { StrokeOptions } from './strokes';
export { downsampledL2, medianFilter, quantizeColors, simulateStrokes, strokeSize, upsampleNearest } from './strokes';
export type { FastOptions, FastPlan, MultistepCoefficients } from './solvers-fast';
export { fewStepGrid, multistepCoefficients, multistepOptions, planDpmpp2m } from './solvers-fast';
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
export type { LevelError, NoiseLevelErrorOptions, NoiseLevelTable, SuggestT0Options, T0Suggestion } from './auto-t0';
export { AUTO_T0_GRID, AUTO_T0_MAX_CALLS, expectedError, meanGradient, noiseLevelErrors, parseNoiseLevelTable, suggestT0 } from './auto-t0';
