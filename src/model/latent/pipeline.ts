// Latent SDEdit with a diffusers pack: tokenize, encode the prompt(s) once, encode the guide
// (mean × scaling_factor), run core's loop in latent space (the pack's own scheduler, or the
// engine's samplers on the pack's betas), decode (÷ scaling_factor), and composite in pixel space
// at full resolution so that kept pixels are the guide's own values. Sessions are opened one at a
// time and released as soon as their part is done (the text encoder right after encoding).
import type { NoiseSource, SamplerName, StepInfo } from '../../core';
import { gridT0, planDpmpp2m, planPack, planSDEdit, scheduleFromConfig, sdeditPackWithNoise, sdeditWithNoise, seededNoise } from '../../core';
import type { LatentPackInfo, PartName } from './folder';
import { LatentPackError } from './folder';
import { ModelOutputError } from '../onnx-denoiser';
import type { AnyTensorCtor, PartSession } from './io';
import type { EncodeMode } from './parts';
import { decodeLatent, encodeImage, encodeText } from './parts';
import { clipTokenizer } from './tokenizer';
import { LatentUnet, guidanceEmbedding } from './unet';

/** Where sessions come from (onnxruntime-node files, or onnxruntime-web bytes). */
export interface LatentRuntime {
  Tensor: AnyTensorCtor;
  open(part: PartName): Promise<PartSession>;
}

export type LatentSampler = 'pack' | Exclude<SamplerName, 've'>;

export interface LatentEditOptions {
  prompt: string;
  /** the CFG batch's unconditional prompt (default "") */
  negative?: string;
  /** guidance scale; default the pack's recommendation (0 for distilled packs) */
  guidance?: number;
  /** diffusers' strength for the pack's scheduler; the engine samplers' SDE time */
  t0: number;
  /** num_inference_steps for 'pack'; reverse steps for the engine's samplers (ddpm 0 = every step) */
  steps: number;
  sampler: LatentSampler;
  eta?: number;
  seed: number;
  variations?: number;
  repeats?: number;
  /** H×W at the working size, 1 = edit, 0 = keep */
  mask?: Float32Array | null;
  onStep?: (info: StepInfo) => void | Promise<void>;
  signal?: AbortSignal;
  /** the loop's noise (tests inject a reference's); default the seeded generator */
  noise?: NoiseSource;
}

export interface LatentEditResult {
  /** N×3×H×W in [−1, 1], kept pixels equal to the guide */
  images: Float32Array;
  /** N×C×h×w final latents */
  latents: Float32Array;
  /** the guide's latent (× scaling_factor) */
  encoded: Float32Array;
  scheduler: string;
  sampler: LatentSampler;
  /** the network timesteps of one repeat, in order */
  timesteps: number[];
  /** the t0 the run used (engine samplers snap it so every step is an integer timestep) */
  t0: number;
  guidance: number;
  cfg: boolean;
  encodeMode: EncodeMode;
  unetCalls: number;
  unetMs: number;
}

/** Whether an edit runs the uncond + cond batch: guidance > 1 on a UNet without LCM's embedding. */
export function usesCfgBatch(info: LatentPackInfo, guidance: number): boolean {
  const lcm = info.betas.declaredClass === 'LCMScheduler' || info.unet.timeCondDim !== null;
  return guidance > 1 && !lcm;
}

/** Latent mask: a latent is edited as much as the most edited pixel of its f×f block. */
export function latentMask(mask: Float32Array, H: number, W: number, f: number): Float32Array {
  const h = H / f;
  const w = W / f;
  const out = new Float32Array(h * w);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const k = Math.floor(y / f) * w + Math.floor(x / f);
      const v = mask[y * W + x];
      if (v > out[k]) out[k] = v;
    }
  }
  return out;
}

/** The pixel size a pack's VAE encoder is fixed to (static exports such as the WebNN SD-Turbo
 *  packs), or null when its spatial dimensions are free. */
export async function staticPixelSize(rt: LatentRuntime): Promise<{ H: number; W: number } | null> {
  return withSession(rt, 'vae_encoder', async (s) => {
    const shape = (s.inputMetadata.find((m) => m.name === 'sample') ?? s.inputMetadata[0])?.shape ?? [];
    const [H, W] = [shape[2], shape[3]];
    return typeof H === 'number' && typeof W === 'number' && H > 0 && W > 0 ? { H, W } : null;
  });
}

/** `use` on the part's session, released after; a NaN/Inf output is reported with the pack's name. */
async function withSession<T>(rt: LatentRuntime, part: PartName, use: (s: PartSession) => Promise<T>, pack?: string): Promise<T> {
  const s = await rt.open(part);
  try {
    return await use(s);
  } catch (e) {
    if (pack !== undefined && e instanceof ModelOutputError) {
      throw new ModelOutputError(`the pack "${pack}": ${e.message}: the pack is broken or overflowed (float16?); try another pack or float32 weights`);
    }
    throw e;
  } finally {
    await s.release().catch(() => undefined);
  }
}

/** SDEdit on a guide (3×H×W in [−1, 1]; H, W multiples of the pack's size multiple). */
export async function latentSDEdit(rt: LatentRuntime, info: LatentPackInfo, guide: Float32Array, H: number, W: number, opts: LatentEditOptions): Promise<LatentEditResult> {
  const f = info.vae.factor;
  const m = f * info.unet.multiple;
  if (H % m !== 0 || W % m !== 0) throw new LatentPackError(`the working size ${W}×${H} must be a multiple of ${m} px (VAE ×${f} times the UNet's ×${info.unet.multiple})`);
  if (guide.length !== 3 * H * W) throw new Error(`latent sdedit: guide has ${guide.length} values, 3×${H}×${W} needs ${3 * H * W}`);
  const mask = opts.mask ?? null;
  if (mask && mask.length !== H * W) throw new Error(`latent sdedit: mask has ${mask.length} values for ${W}×${H}`);
  const guidance = opts.guidance ?? info.recommended.guidance;
  if (!(guidance >= 0)) throw new Error(`guidance must be ≥ 0, got ${guidance}`);
  const cfg = usesCfgBatch(info, guidance);
  const vp = scheduleFromConfig(info.betas);
  const C = info.vae.latentChannels;
  const h = H / f;
  const w = W / f;
  const loopOpts = {
    batch: opts.variations ?? 1,
    repeats: opts.repeats ?? 1,
    mask: mask ? latentMask(mask, H, W, f) : null,
    onStep: opts.onStep,
    signal: opts.signal,
  };
  const noise = opts.noise ?? seededNoise(opts.seed);

  // plan first, so that a bad setting is refused before any session is created
  let timesteps: number[];
  let t0 = opts.t0;
  let reverse: (unet: LatentUnet) => Promise<Float32Array>;
  if (opts.sampler === 'pack') {
    if (!info.scheduler) throw new LatentPackError(info.schedulerNote ?? "the pack's scheduler is not reproduced");
    const plan = planPack(info.scheduler, vp, { steps: opts.steps, strength: opts.t0, eta: opts.eta });
    timesteps = Array.from(plan.timesteps);
    reverse = (unet) => sdeditPackWithNoise(unet, encoded, [C, h, w], vp, plan, loopOpts, noise);
  } else {
    const every = opts.sampler === 'ddpm' && opts.steps === 0;
    const sd = { ...loopOpts, sampler: opts.sampler, t0: every ? opts.t0 : gridT0(vp.n, opts.t0, opts.steps), steps: opts.steps, eta: opts.eta, seed: opts.seed };
    const fast = opts.sampler === 'dpmpp2m' || opts.sampler === 'dpmpp2m-sde';
    const ts = fast ? planDpmpp2m(vp, sd).ts : planSDEdit(vp, sd).ts;
    t0 = ts[0];
    timesteps = Array.from(ts.subarray(0, ts.length - 1), (t) => Math.round(t * vp.n - 1));
    reverse = (unet) => sdeditWithNoise(unet, encoded, [C, h, w], vp, sd, noise);
  }

  const tok = clipTokenizer(info.tokenizer);
  const ids = [tok.encode(opts.prompt), ...(cfg ? [tok.encode(opts.negative ?? '')] : [])];
  const text = await withSession(rt, 'text_encoder', (s) => encodeText(s, rt.Tensor, ids), info.name);
  const { latent: encoded, mode: encodeMode } = await withSession(rt, 'vae_encoder', (s) => encodeImage(s, rt.Tensor, guide, H, W, info.vae), info.name);

  const unetOut = await withSession(rt, 'unet', async (s) => {
    const probe = s.inputMetadata.find((e) => e.name === 'timestep_cond');
    const dim = probe ? (typeof probe.shape?.[1] === 'number' ? probe.shape[1] : (info.unet.timeCondDim ?? 256)) : 0;
    const unet = new LatentUnet(s, rt.Tensor, vp, info.betas.predictionType, {
      cond: text[0].data,
      seqLen: text[0].seqLen,
      cfg: cfg ? { uncond: text[1].data, scale: guidance } : null,
      timeCond: probe ? guidanceEmbedding(guidance - 1, dim) : null,
    });
    const latents = await reverse(unet);
    return { latents, calls: unet.calls, ms: unet.ms };
  }, info.name);

  const N = loopOpts.batch;
  const per = 3 * H * W;
  const images = new Float32Array(N * per);
  await withSession(rt, 'vae_decoder', async (s) => {
    for (let b = 0; b < N; b++) images.set(await decodeLatent(s, rt.Tensor, unetOut.latents.subarray(b * C * h * w, (b + 1) * C * h * w), h, w, info.vae), b * per);
  }, info.name);
  if (mask) compositeKept(images, guide, mask, N);
  return {
    images,
    latents: unetOut.latents,
    encoded,
    scheduler: opts.sampler === 'pack' ? info.betas.declaredClass : `engine ${opts.sampler} on ${info.betas.declaredClass}'s betas`,
    sampler: opts.sampler,
    timesteps,
    t0,
    guidance,
    cfg,
    encodeMode,
    unetCalls: unetOut.calls,
    unetMs: unetOut.ms,
  };
}

/** images ← m·images + (1−m)·guide per pixel; m = 0 copies the guide's values exactly. */
export function compositeKept(images: Float32Array, guide: Float32Array, mask: Float32Array, N: number): void {
  const HW = mask.length;
  const per = 3 * HW;
  for (let b = 0; b < N; b++) {
    for (let c = 0; c < 3; c++) {
      const o = b * per + c * HW;
      for (let p = 0; p < HW; p++) {
        const mv = mask[p];
        if (mv === 1) continue;
        const g = guide[c * HW + p];
        images[o + p] = mv === 0 ? g : mv * images[o + p] + (1 - mv) * g;
      }
    }
  }
}
