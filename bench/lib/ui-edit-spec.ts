// The default edit the product benches time (ui-edit.ts, ui-edit-ab.ts): a 256² stroke guide with
// the middle quarter masked, t0 0.5, run through the UI's engine; overhead = the engine's totalMs −
// the time inside session.run.
import { encode, rectMask, runEngine, strokeGuide, type EngineRunSpec } from '../../test/e2e/harness';
import type { Frame } from 'playwright-core';

export interface EditConfig {
  size: number;
  steps: number;
  sampler: string;
  /** false: an unmasked edit (synthesis) */
  masked: boolean;
}

/** The run spec of the benches' edit (the seed is the caller's). */
export function editSpec(cfg: EditConfig): Omit<EngineRunSpec, 'seed'> {
  const { size } = cfg;
  const mask = cfg.masked ? encode(rectMask(size, size, size / 4, size / 4, (3 * size) / 4, (3 * size) / 4)) : null;
  return { guide: encode(strokeGuide(size, size)), mask, mode: mask ? 'mask-edit' : 'synthesis', settings: { size, steps: cfg.steps, sampler: cfg.sampler, t0: 0.5 } };
}

/** One edit; its total, network and overhead ms (throws the engine's error). */
export async function timedEdit(frame: Frame, spec: Omit<EngineRunSpec, 'seed'>, seed: number): Promise<{ backend: string; totalMs: number; networkMs: number; overheadMs: number; progressEvents: number }> {
  const r = await runEngine(frame, { ...spec, seed });
  if (!r.ok) throw new Error(`${r.errorName}: ${r.errorMessage}`);
  const t = r.timings as { totalMs: number; networkMs: number };
  return { backend: String(r.backend), totalMs: t.totalMs, networkMs: t.networkMs, overheadMs: t.totalMs - t.networkMs, progressEvents: r.progress.length };
}
