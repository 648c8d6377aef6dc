// Flags of `sdedit --model DIR` when DIR is a diffusers ONNX folder (a latent pack): pure, no I/O.
import type { LatentSampler } from '../model/latent/pipeline';

export const LATENT_SAMPLERS: readonly LatentSampler[] = ['pack', 'ddpm', 'ddim', 'dpmpp2m', 'dpmpp2m-sde'];
export const LATENT_PROVIDERS = ['cpu', 'cuda', 'coreml', 'dml'] as const;

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
  provider: (typeof LATENT_PROVIDERS)[number];
  /** skip the sha256 check of a model.json sidecar's files */
  verify: boolean;
  json: boolean;
}

export class LatentArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LatentArgError';
  }
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
  --repeats K         noise-denoise cycles                                  [1]
  --seed S            seed of the first variation; variation i uses S+i    [1]
  --size PX           longest side of the working size, a multiple of 64 px for SD
                      (VAE ×8 times the UNet's ×8)                    [the pack's native size]
  --variations N      variations, run as one batch                          [1]
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

function num(flag: string, raw: string): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(v)) throw new LatentArgError(`--${flag} must be a number, got '${raw}'`);
  return v;
}

function int(flag: string, raw: string, min: number, max: number): number {
  const v = num(flag, raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new LatentArgError(`--${flag} must be an integer from ${min} to ${max}, got '${raw}'`);
  return v;
}

/** The value of --model in argv, or null. */
export function modelFlag(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model' && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith('--model=')) return argv[i].slice('--model='.length);
  }
  return null;
}

export function parseLatentArgs(argv: readonly string[]): { help: true } | { help: false; options: LatentCliOptions } {
  const values = new Map<Value, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      bools.add('help');
      continue;
    }
    if (!arg.startsWith('--')) throw new LatentArgError(`unexpected argument '${arg}' (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if ((BOOL as readonly string[]).includes(name)) {
      if (eq >= 0) throw new LatentArgError(`--${name} takes no value`);
      bools.add(name);
      continue;
    }
    if (!(VALUE as readonly string[]).includes(name)) throw new LatentArgError(`unknown option --${name} for a latent pack (see --help)`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      // a value that starts with -- must be given as --flag=value
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new LatentArgError(`--${name} needs a value`);
      value = argv[++i];
    }
    if (values.has(name as Value)) throw new LatentArgError(`--${name} given twice`);
    values.set(name as Value, value);
  }
  if (bools.has('help')) return { help: true };
  const need = (f: Value, what: string): string => {
    const v = values.get(f);
    if (!v) throw new LatentArgError(`--${f} is required (${what})`);
    return v;
  };
  const model = need('model', 'the pack folder');
  const guide = need('guide', 'the guide PNG');
  const out = need('out', 'where to write the result PNG');
  const opt = <T>(f: Value, parse: (raw: string) => T): T | null => (values.has(f) ? parse(values.get(f) as string) : null);
  const t0 = opt('t0', (r) => {
    const v = num('t0', r);
    if (!(v > 0 && v <= 1)) throw new LatentArgError(`--t0 (diffusers' strength) must be in (0, 1], got ${r}`);
    return v;
  });
  const guidance = opt('guidance', (r) => {
    const v = num('guidance', r);
    if (v < 0 || v > 100) throw new LatentArgError(`--guidance must be in [0, 100], got ${r}`);
    return v;
  });
  const sampler = values.get('sampler') ?? 'pack';
  if (!(LATENT_SAMPLERS as readonly string[]).includes(sampler)) throw new LatentArgError(`--sampler must be ${LATENT_SAMPLERS.join(', ')} for a latent pack, got '${sampler}'`);
  const provider = values.get('provider') ?? 'cpu';
  if (!(LATENT_PROVIDERS as readonly string[]).includes(provider)) throw new LatentArgError(`--provider must be ${LATENT_PROVIDERS.join(', ')}, got '${provider}'`);
  const eta = opt('eta', (r) => num('eta', r)) ?? 0;
  if (eta < 0) throw new LatentArgError(`--eta must be ≥ 0, got ${eta}`);
  const mask = values.get('mask') ?? null;
  if (mask === '') throw new LatentArgError('--mask needs a path');
  return {
    help: false,
    options: {
      model,
      guide,
      mask,
      out,
      prompt: values.get('prompt') ?? '',
      negative: values.get('negative') ?? '',
      guidance,
      t0,
      steps: opt('steps', (r) => int('steps', r, 0, 1000)),
      sampler: sampler as LatentSampler,
      eta,
      repeats: int('repeats', values.get('repeats') ?? '1', 1, 100),
      seed: int('seed', values.get('seed') ?? '1', 0, 2 ** 31 - 1),
      size: opt('size', (r) => int('size', r, 64, 4096)),
      variations: int('variations', values.get('variations') ?? '1', 1, 64),
      threads: int('threads', values.get('threads') ?? '2', 1, 256),
      provider: provider as LatentCliOptions['provider'],
      verify: !bools.has('no-verify'),
      json: bools.has('json'),
    },
  };
}
