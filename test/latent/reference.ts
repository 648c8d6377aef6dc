// Reading test/fixtures/latent-packs/reference.json (written by the committed numpy reference of
// diffusers' img2img, test/fixtures/latent-packs/reference.py) and its packs' configs.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { NoiseSource } from '../../src/core';
import type { LatentEditOptions } from '../../src/model/latent/pipeline';

export const PACKS_DIR = path.join(__dirname, '..', 'fixtures', 'latent-packs');

export interface Arr {
  data: number[];
  shape: number[];
}

export interface RefStep {
  index: number;
  timestep: number;
  latent: Arr;
  noise_pred: Arr;
  pred_original_sample: Arr;
  step_noise: Arr | null;
  unet_calls: { inputs: { sample: Arr; timestep: number[] }; out_sample: Arr }[];
}

export interface RefCase {
  id: string;
  pack: string;
  scheduler: string;
  num_inference_steps: number;
  strength: number;
  guidance_scale: number;
  seed: number;
  prompt: string;
  negative_prompt: string | null;
  do_classifier_free_guidance: boolean;
  input_ids: number[];
  negative_input_ids: number[] | null;
  scaling_factor: number;
  /** key into the file's guide_images */
  guide: string;
  encoded_latent: Arr;
  prompt_embeds: Arr;
  timesteps: number[];
  init_noise: Arr;
  latent_init: Arr;
  steps: RefStep[];
  final_latent: Arr;
  decoded_image: Arr;
  tolerance: number;
}

interface RefFile {
  cases: RefCase[];
  guide_images: Record<string, Arr>;
}

let cached: RefFile | null = null;

function file(): RefFile {
  if (!cached) cached = JSON.parse(readFileSync(path.join(PACKS_DIR, 'reference.json'), 'utf8')) as RefFile;
  return cached;
}

export function referenceCases(): RefCase[] {
  return file().cases;
}

/** The case's guide image, 1×3×64×64 in [−1, 1]. */
export function referenceGuide(c: RefCase): Arr {
  const g = file().guide_images[c.guide];
  if (!g) throw new Error(`reference.json has no guide image "${c.guide}"`);
  return g;
}

export function packJson(pack: string, file: string): unknown {
  return JSON.parse(readFileSync(path.join(PACKS_DIR, pack, file), 'utf8'));
}

/** Largest |a − b| over two arrays of the same length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The loop's noise as the reference drew it: the initial noise, then each step's. */
export function referenceNoise(c: RefCase): NoiseSource {
  return (req, out, offset, count) => {
    const src = req.kind === 'init' ? c.init_noise : c.steps[req.step]?.step_noise;
    if (!src) throw new Error(`the reference drew no noise for ${req.kind} step ${req.step}`);
    for (let i = 0; i < count; i++) out[offset + i] = src.data[i];
  };
}

/** latentSDEdit's options for a case: its prompt, guidance and strength, the pack's own scheduler,
 *  the reference's noise. */
export function referenceEditOptions(c: RefCase): LatentEditOptions {
  return {
    prompt: c.prompt,
    negative: c.negative_prompt ?? undefined,
    guidance: c.guidance_scale,
    t0: c.strength,
    steps: c.num_inference_steps,
    sampler: 'pack',
    seed: c.seed,
    noise: referenceNoise(c),
  };
}
