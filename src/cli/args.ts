// Argument parsing for the `sdedit` command on a pixel pack: pure, no I/O. The grammar, numbers
// and protocol's limits are src/cli/flags.ts, shared with the latent-pack command.
import type { FastGrid, SamplerName } from '../core';
import { LIMITS } from '../protocol';
import { ArgError, choiceFlag, limitedFlag, readFlags, requiredFlag, stepsFlag, threadsFlag } from './flags';

const SAMPLERS: readonly SamplerName[] = ['ddpm', 'ddim', 've', 'dpmpp2m', 'dpmpp2m-sde'];
const GRIDS: readonly FastGrid[] = ['time', 'quadratic', 'logsnr'];
/** the few-step solvers, which take --grid */
export const FAST_SAMPLERS: readonly SamplerName[] = ['dpmpp2m', 'dpmpp2m-sde'];

export interface CliOptions {
  guide: string;
  mask: string | null;
  model: string;
  /** 'auto': chosen per guide by core's suggestT0 (src/cli/auto-t0.ts) */
  t0: number | 'auto';
  /** reverse steps; 0 = every step of the schedule below t0 (DDPM, the paper's setting) */
  steps: number;
  /** null = the pack's natural sampler (ddpm for VP, ve for VE) */
  sampler: SamplerName | null;
  /** few-step solvers' time grid; null = the panel's (core's fewStepGrid) */
  grid: FastGrid | null;
  eta: number;
  repeats: number;
  seed: number;
  /** longest side of the working size, in pixels */
  size: number;
  variations: number;
  threads: number;
  json: boolean;
  out: string;
}

export type ParseResult = { help: true } | { help: false; options: CliOptions };

export { ArgError } from './flags';

export const USAGE = `usage: sdedit --guide in.png --out out.png [options]

SDEdit on PNG files: noise the guide to t0, then denoise it with a diffusion model.

  --guide PATH        guide image (PNG)                                   required
  --out PATH          output PNG; with --variations N > 1: PATH-1.png … PATH-N.png   required
  --mask PATH         mask PNG, white = edit, black = keep (resized to the guide)
  --model DIR         model pack directory with model.json               [models/default]
                      (a diffusers ONNX folder with model_index.json runs as a latent pack, with
                      --prompt etc. and t0 = diffusers' strength: sdedit --model DIR --help)
  --t0 T              SDE time to noise the guide to, in (0, 1], or auto: chosen
                      from the guide by noise-level matching (printed; in --json) [0.5]
  --steps N           reverse steps (0 = every step, ddpm only)          [20]
  --sampler NAME      ddpm | ddim | ve | dpmpp2m | dpmpp2m-sde            [ddpm, or ve for VE packs]
                      dpmpp2m: DPM-Solver++(2M), few-step ODE solver; dpmpp2m-sde: its
                      stochastic variant (closest to ddpm in few calls); VP packs only
  --grid NAME         time | quadratic | logsnr: where dpmpp2m(-sde) puts its steps  [logsnr, the panel's]
  --eta E             DDIM eta (0 = deterministic)                        [0]
  --repeats K         noise-denoise cycles (the paper's K, at most ${LIMITS.repeats.max})    [1]
  --seed S            seed of the first variation; variation i uses S+i  [1]
  --size PX           longest side of the working size (rounded to the model's multiple)  [256]
  --variations N      variations, seeds seed…seed+N−1, one batch when memory allows (at most ${LIMITS.variations.max}) [1]
  --threads N         CPU threads for ONNX Runtime                        [2]
  --json              print one JSON line with parameters, timings and outputs
  --help              this text`;

const VALUE_FLAGS = ['guide', 'mask', 'model', 't0', 'steps', 'sampler', 'grid', 'eta', 'repeats', 'seed', 'size', 'variations', 'threads', 'out'] as const;
const BOOL_FLAGS = ['json', 'help'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/** Parse argv (without node and the script). Throws ArgError with a one-line message. */
export function parseArgs(argv: readonly string[]): ParseResult {
  const { values, bools } = readFlags(argv, VALUE_FLAGS, BOOL_FLAGS);
  if (bools.has('help')) return { help: true };

  const guide = requiredFlag(values, 'guide', 'the guide PNG');
  const out = requiredFlag(values, 'out', 'where to write the result PNG');
  const get = (f: ValueFlag, d: string) => values.get(f) ?? d;

  const t0 = get('t0', '0.5') === 'auto' ? 'auto' : limitedFlag('t0', get('t0', '0.5'));
  const samplerRaw = values.get('sampler');
  if (samplerRaw !== undefined) choiceFlag('sampler', samplerRaw, SAMPLERS);
  const gridRaw = values.get('grid');
  if (gridRaw !== undefined) {
    if (!(GRIDS as readonly string[]).includes(gridRaw)) throw new ArgError(`--grid must be ${GRIDS.join(', ')}, got '${gridRaw}'`);
    if (!(FAST_SAMPLERS as readonly (string | undefined)[]).includes(samplerRaw)) throw new ArgError('--grid applies to --sampler dpmpp2m or dpmpp2m-sde only');
  }
  const eta = limitedFlag('eta', get('eta', '0'));
  if (values.has('eta') && eta !== 0 && samplerRaw !== 'ddim') throw new ArgError('--eta applies to --sampler ddim only');
  const mask = values.get('mask');
  const model = get('model', 'models/default');
  if (mask === '') throw new ArgError('--mask needs a path');
  if (model === '') throw new ArgError('--model needs a directory');
  return {
    help: false,
    options: {
      guide,
      mask: mask ?? null,
      model,
      t0,
      steps: stepsFlag(get('steps', '20')),
      sampler: (samplerRaw as SamplerName | undefined) ?? null,
      grid: (gridRaw as FastGrid | undefined) ?? null,
      eta,
      repeats: limitedFlag('repeats', get('repeats', '1')),
      seed: limitedFlag('seed', get('seed', '1')),
      size: limitedFlag('size', get('size', '256')),
      variations: limitedFlag('variations', get('variations', '1')),
      threads: threadsFlag(get('threads', '2')),
      json: bools.has('json'),
      out,
    },
  };
}

/** Output paths: `out` itself for one variation, else out-1.png … out-N.png. */
export function outputPaths(out: string, n: number): string[] {
  if (n === 1) return [out];
  const m = /^(.*?)(\.[^./\\]+)?$/.exec(out);
  const stem = m?.[1] ?? out;
  const ext = m?.[2] ?? '';
  return Array.from({ length: n }, (_, i) => `${stem}-${i + 1}${ext}`);
}
