// The SDEdit engine: pure TypeScript, no imports outside src/core.
export type { Denoiser, FastGrid, SDEditOptions, SamplerName, Shape4, StepInfo } from './types';
export type { Schedule, VESchedule, VPSchedule } from './schedule';
export { describeT0, signalAt, veGeometric, vpCosine, vpLinear } from './schedule';
export { gaussian, mix32, streamId, streamKeys, uniform } from './rng';
export type { NoiseRequest, NoiseSource, SDEditPlan } from './sdedit';
export { abortError, networkCalls, noiseStream, planSDEdit, sdedit, seededNoise } from './sdedit';
export type { Padded } from './image';
export { chwToRgba, cropChw, maskFromRgba, padToMultiple, resizeChw, resizeMask, rgbaToChw } from './image';
export { dilateMask, featherMask, maskCoverage, maskFromAlpha } from './mask';
export type { StrokeOptions } from './strokes';
export { downsampledL2, medianFilter, quantizeColors, simulateStrokes, strokeSize, upsampleNearest } from './strokes';
export type { FastOptions, FastPlan } from './solvers-fast';
export { multistepCoefficients, planDpmpp2m } from './solvers-fast';
export type { LevelError, NoiseLevelErrorOptions, NoiseLevelTable, SuggestT0Options, T0Suggestion } from './auto-t0';
export { AUTO_T0_GRID, AUTO_T0_MAX_CALLS, expectedError, meanGradient, noiseLevelErrors, parseNoiseLevelTable, suggestT0 } from './auto-t0';
