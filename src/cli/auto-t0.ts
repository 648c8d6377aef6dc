// `sdedit --t0 auto`: the pack's noise-level table (model.json `noise_level_error`) and core's
// suggestT0 on the guide at the working size. A pack without the table gets the CLI's default t0.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { T0Suggestion } from '../core';
import { parseNoiseLevelTable, suggestT0 } from '../core';
import type { LoadedPack } from '../model/node';

/** t0 of packs without a noise_level_error table (the CLI's default --t0). */
export const FALLBACK_T0 = 0.5;

/** The suggestion for a 3×h×w guide (and its [h·w] mask, 1 = edit). Its noise draw has
 *  suggestT0's fixed seed, not the run's, so the suggestion depends on the guide alone (the
 *  panel's Auto gives the same value). */
export async function autoT0(loaded: LoadedPack, guide: Float32Array, h: number, w: number, mask: Float32Array | null): Promise<T0Suggestion> {
  const file = path.join(loaded.dir, 'model.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  let calibration;
  try {
    calibration = parseNoiseLevelTable(manifest.noise_level_error);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  return suggestT0(loaded.denoiser, guide, [3, h, w], loaded.schedule, { calibration, fallbackT0: FALLBACK_T0, mask, multiple: loaded.pack.multiple });
}

/** One line for stderr. */
export const describeAutoT0 = (s: T0Suggestion): string =>
  s.source === 'fallback' ? `auto t0 ${s.t0} (${s.reason})` : `auto t0 ${s.t0.toFixed(2)} (${s.reason}; ${s.evaluations} network evaluations)`;
