// The text encoder and the VAE of a latent pack, one call each, names and types from the graphs.
import type { VaeInfo } from './folder';
import type { AnyTensorCtor, PartSession } from './io';
import { PartMismatchError, findInput, findOutput, floatTensor, numberTensor, runFloat } from './io';

export interface TextEmbedding {
  /** last_hidden_state of one prompt, seqLen × hidden */
  data: Float32Array;
  seqLen: number;
  hidden: number;
}

/** last_hidden_state of each prompt (one call per prompt: static exports take batch 1). */
export async function encodeText(s: PartSession, T: AnyTensorCtor, prompts: Int32Array[], file = 'text_encoder/model.onnx'): Promise<TextEmbedding[]> {
  const ids = findInput(s, file, 'input_ids');
  if (ids.type !== 'int32' && ids.type !== 'int64') throw new PartMismatchError(`${file}: "input_ids" is ${ids.type}, expected int32 or int64`);
  const out = findOutput(s, file, 'last_hidden_state', ...s.outputNames.slice(0, 1));
  const res: TextEmbedding[] = [];
  for (const p of prompts) {
    const [h] = await runFloat(s, { [ids.name]: numberTensor(T, ids, p, [1, p.length]) }, [out.name], file);
    if (h.length % p.length !== 0) throw new PartMismatchError(`${file}: "${out.name}" has ${h.length} values for ${p.length} tokens`);
    res.push({ data: h, seqLen: p.length, hidden: h.length / p.length });
  }
  return res;
}

/** How a VAE encoder's output was turned into a latent. */
export type EncodeMode = 'mean' | 'latent_sample' | 'averaged';

/** Exports that sample inside the graph give different latents per call; this many are averaged. */
const SAMPLED_RUNS = 8;

/**
 * The guide's latent: encoder mean × scaling_factor. Outputs with 2·latent_channels channels
 * (optimum's `latent_parameters`, mean‖logvar) give the mean exactly; a `latent_sample` output
 * is run twice, and if the two differ (the graph draws its own noise) the mean of
 * SAMPLED_RUNS calls is used and the mode says so.
 */
export async function encodeImage(s: PartSession, T: AnyTensorCtor, image: Float32Array, H: number, W: number, vae: VaeInfo, file = 'vae_encoder/model.onnx'): Promise<{ latent: Float32Array; mode: EncodeMode }> {
  const inp = findInput(s, file, 'sample', ...s.inputNames.slice(0, 1));
  const out = findOutput(s, file, 'latent_parameters', 'latent_sample', 'latent_dist', ...s.outputNames.slice(0, 1));
  const f = vae.factor;
  const h = H / f;
  const w = W / f;
  const C = vae.latentChannels;
  const once = async (): Promise<Float32Array> => (await runFloat(s, { [inp.name]: floatTensor(T, inp, image, [1, 3, H, W]) }, [out.name], file))[0];
  const first = await once();
  const ch = first.length / (h * w);
  let mean: Float32Array;
  let mode: EncodeMode;
  if (ch === 2 * C) {
    mean = first.slice(0, C * h * w);
    mode = 'mean';
  } else if (ch === C) {
    const second = await once();
    if (second.every((v, i) => v === first[i])) {
      mean = first;
      mode = 'latent_sample';
    } else {
      const acc = new Float64Array(first.length);
      for (let i = 0; i < first.length; i++) acc[i] = first[i] + second[i];
      for (let r = 2; r < SAMPLED_RUNS; r++) {
        const more = await once();
        for (let i = 0; i < acc.length; i++) acc[i] += more[i];
      }
      mean = Float32Array.from(acc, (v) => v / SAMPLED_RUNS);
      mode = 'averaged';
    }
  } else throw new PartMismatchError(`${file}: "${out.name}" has ${ch} channels at ${w}×${h}; expected ${C} (latent_sample) or ${2 * C} (latent_parameters)`);
  for (let i = 0; i < mean.length; i++) mean[i] *= vae.scalingFactor;
  return { latent: mean, mode };
}

/** One latent (C×h×w, in the UNet's scaled space) → image 3×H×W in [−1, 1] (not clipped). */
export async function decodeLatent(s: PartSession, T: AnyTensorCtor, latent: Float32Array, h: number, w: number, vae: VaeInfo, file = 'vae_decoder/model.onnx'): Promise<Float32Array> {
  const inp = findInput(s, file, 'latent_sample', ...s.inputNames.slice(0, 1));
  const out = findOutput(s, file, 'sample', ...s.outputNames.slice(0, 1));
  const z = Float32Array.from(latent, (v) => v / vae.scalingFactor);
  const [img] = await runFloat(s, { [inp.name]: floatTensor(T, inp, z, [1, vae.latentChannels, h, w]) }, [out.name], file);
  const want = 3 * h * vae.factor * w * vae.factor;
  if (img.length !== want) throw new PartMismatchError(`${file}: "${out.name}" has ${img.length} values, expected 3×${h * vae.factor}×${w * vae.factor}`);
  return img;
}
