// Flags of `sdedit --model DIR` when DIR is a diffusers ONNX folder (a latent pack): pure, no I/O.
// The grammar, numbers and protocol's limits are src/cli/flags.ts, shared with the pixel command.
import { PROVIDERS, type Provider } from '../model/latent/node';
import type { LatentSampler } from '../model/latent/pipeline';
import { LIMITS } from '../protocol';
import { ArgError, choiceFlag, limitedFlag, numberFlag, readFlags, requiredFlag, stepsFlag, threadsFlag } from './flags';

export const LATENT_SAMPLERS: readonly LatentSampler[] = ['pack', 'ddpm', 'ddim', 'dpmpp2m', 'dpmpp2m-sde'];

export interface LatentCliOptions {
  model: string;
  guide: string;
  mask: string | null;
  out: string;
  prompt: string;
  negative: string;
  /** null = the pack's recommendation (0 for distilled packs, no CFG batch) */
  guidance: number | null;
  /** diffusers' strength; null = the pack's recommendation */
  t0: number | null;
  /** num_inference_steps for the pack's scheduler; null = the pack's recommendation */
  steps: number | null;
  sampler: LatentSampler;
  eta: number;
  repeats: number;
  seed: number;
  /** longest side in pixels (a multiple of 64 for SD: VAE ×8 times the UNet's ×8); null = the pack's native size */
  size: number | null;
  variations: number;
  threads: number;
  provider: Provider;
  /** skip the sha256 check of a model.json sidecar's files */
  verify: boolean;
  json: boolean;
}

export const LATENT_USAGE = `usage: sdedit --model DIR --guide in.png --prompt "…" --out out.png [options]

SDEdit with a latent pack: DIR is a diffusers ONNX folder as published (model_index.json,
scheduler/, tokenizer/, text_encoder/, unet/, vae_encoder/, vae_decoder/), e.g. SD-Turbo,
SDXS-512 or LCM-Dreamshaper-v7. The guide is encoded by the pack's VAE, noised to t0, denoised
in latent space with the prompt, decoded; masked-out pixels stay the guide's own.

  --model DIR         the pack folder                                       required
  --guide PATH        guide image (PNG)                                     required
  --out PATH          output PNG; with --variations N > 1: PATH-1.png … PATH-N.png   required
  --prompt TEXT       what the image shows                                  [""]
  --negative TEXT     negative prompt (the unconditional half of the CFG batch)  [""]
  --guidance G        classifier-free guidance scale; > 1 runs the uncond + cond batch (LCM:
                      the guidance embedding, no batch)   [pack's: 0 for SD-Turbo/SDXS, 7.5 LCM/SD]
  --t0 S              diffusers' img2img strength in (0, 1] for these packs: of N steps the last
                      ⌊N·S⌋ are run (N·S < 1 runs none)                 [pack's: 0.5 Turbo/LCM]
  --steps N           num_inference_steps of the pack's scheduler (engine samplers: reverse
                      steps, ddpm 0 = every step)                       [pack's: 2 Turbo, 4 LCM]
  --sampler NAME      pack (the pack's own scheduler, as diffusers runs it) | ddpm | ddim |
                      dpmpp2m | dpmpp2m-sde (the engine's samplers on the pack's betas)  [pack]
  --eta E             DDIM eta (DDIM scheduler or --sampler ddim)           [0]
  --mask PATH         mask PNG, white = edit, black = keep
  --repeats K         noise-denoise cycles (at most ${LIMITS.repeats.max})                 [1]
  --seed S            seed of the first variation; variation i uses S+i    [1]
  --size PX           longest side of the working size, a multiple of 64 px for SD
                      (VAE ×8 times the UNet's ×8)                    [the pack's native size]
  --variations N      variations, run as one batch (at most ${LIMITS.variations.max})       [1]
  --threads N         CPU threads for ONNX Runtime                          [2]
  --provider NAME     cpu | cuda | coreml | dml (where this onnxruntime-node build has it) [cpu]
  --no-verify         skip the sha256 check of the files a model.json sidecar lists
  --json              one JSON line: parameters, prompt, pack, scheduler, the timesteps run
  --help              this text

  sdedit pack describe DIR [--write-sidecar] [--name N] [--license ID] [--json]
                      what a pack folder holds (kind, schedule, I/O, sizes, sha256); with
                      --write-sidecar also DIR/model.json, which later loads verify`;

const VALUE = ['model', 'guide', 'mask', 'out', 'prompt', 'negative', 'guidance', 't0', 'steps', 'sampler', 'eta', 'repeats', 'seed', 'size', 'variations', 'threads', 'provider'] as const;
const BOOL = ['json', 'help', 'no-verify'] as const;
type Value = (typeof VALUE)[number];

/** Most classifier-free guidance a run takes (published packs recommend 0–15). */
const MAX_GUIDANCE = 100;

export function parseLatentArgs(argv: readonly string[]): { help: true } | { help: false; options: LatentCliOptions } {
  const { values, bools } = readFlags(argv, VALUE, BOOL, ' for a latent pack');
  if (bools.has('help')) return { help: true };
  const model = requiredFlag(values, 'model', 'the pack folder');
  const guide = requiredFlag(values, 'guide', 'the guide PNG');
  const out = requiredFlag(values, 'out', 'where to write the result PNG');
  const opt = <T>(f: Value, parse: (raw: string) => T): T | null => (values.has(f) ? parse(values.get(f) as string) : null);
  const get = (f: Value, d: string): string => values.get(f) ?? d;
  const guidance = opt('guidance', (r) => {
    const v = numberFlag('guidance', r);
    if (v < 0 || v > MAX_GUIDANCE) throw new ArgError(`--guidance must be in [0, ${MAX_GUIDANCE}], got ${r}`);
    return v;
  });
  const mask = values.get('mask') ?? null;
  if (mask === '') throw new ArgError('--mask needs a path');
  return {
    help: false,
    options: {
      model,
      guide,
      mask,
      out,
      prompt: get('prompt', ''),
      negative: get('negative', ''),
      guidance,
      t0: opt('t0', (r) => limitedFlag('t0', r, "--t0 (diffusers' strength)")),
      steps: opt('steps', stepsFlag),
      sampler: choiceFlag('sampler', get('sampler', 'pack'), LATENT_SAMPLERS, ' for a latent pack'),
      eta: limitedFlag('eta', get('eta', '0')),
      repeats: limitedFlag('repeats', get('repeats', '1')),
      seed: limitedFlag('seed', get('seed', '1')),
      size: opt('size', (r) => limitedFlag('size', r)),
      variations: limitedFlag('variations', get('variations', '1')),
      threads: threadsFlag(get('threads', '2')),
      provider: choiceFlag('provider', get('provider', 'cpu'), PROVIDERS),
      verify: !bools.has('no-verify'),
      json: bools.has('json'),
    },
  };
}
