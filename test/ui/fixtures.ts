// Shared fixtures for the panel tests.
import type { JobInput, JobMode, RunParams } from '../../src/protocol';

export function job(mode: JobMode = 'synthesis', id = 'job-1'): JobInput {
  return {
    jobId: id,
    mode,
    sourceNodeId: `node-${id}`,
    sourceName: `Frame ${id}`,
    guidePng: new Uint8Array([137, 80, 78, 71, 1]),
    maskPng: mode === 'synthesis' ? null : new Uint8Array([137, 80, 78, 71, 2]),
    maskIsSilhouette: mode === 'composite',
    workWidth: 64,
    workHeight: 48,
    width: 64,
    height: 48,
    nodeWidth: 640,
    nodeHeight: 480,
  };
}

export function params(seed: number, over: Partial<RunParams> = {}): RunParams {
  return { t0: 0.5, steps: 20, sampler: 'ddim', repeats: 1, seed, size: 256, model: 'default', mode: 'synthesis', ...over };
}
