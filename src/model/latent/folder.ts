// A diffusers ONNX folder as published (model_index.json, scheduler/, tokenizer/, text_encoder/,
// unet/, vae_encoder/, vae_decoder/, each with its config.json), read through a reader so that
// the same code serves Node (files) and the browser (a picked folder or fetched files). What is
// missing or unsupported is one LatentPackError naming the file and the field.
import type { BetaConfig, SchedulerConfig } from '../../core';
import { parseBetaConfig, parseSchedulerConfig } from '../../core';
import type { TokenizerFiles } from './tokenizer';
import type { Sidecar } from './sidecar';
import { parseSidecar } from './sidecar';
import { type JsonObject, isJsonObject, parseJsonText } from '../json';

export type PartName = 'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder';
export const PARTS: readonly PartName[] = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

/** Files of a pack, relative to its root ('unet/model.onnx'). */
export interface PackReader {
  /** the file's text, or null when it does not exist */
  text(file: string): Promise<string | null>;
  exists(file: string): Promise<boolean>;
}

export class LatentPackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LatentPackError';
  }
}

export interface VaeInfo {
  className: string;
  /** latents = encoder mean × scalingFactor; the decoder gets latents / scalingFactor */
  scalingFactor: number;
  latentChannels: number;
  /** pixels per latent along each side */
  factor: number;
}

export interface LatentPackInfo {
  /** what messages call the pack: the sidecar's name, else the name the reader was given */
  name: string;
  /** model_index.json `_class_name` */
  pipeline: string;
  /** the training schedule (any scheduler class): the engine's samplers run on it */
  betas: BetaConfig;
  /** the pack's scheduler when this engine reproduces it (--sampler pack), else null */
  scheduler: SchedulerConfig | null;
  /** why the pack's scheduler is not reproduced (null when it is) */
  schedulerNote: string | null;
  tokenizer: TokenizerFiles;
  /** each part's graph and its external-data file (null when the graph holds its weights) */
  files: Record<PartName, { model: string; data: string | null }>;
  vae: VaeInfo;
  /** attentionHeads: heads of the first down block's attention (null when it has none) */
  unet: { inChannels: number | null; sampleSize: number | null; timeCondDim: number | null; multiple: number; attentionHeads: number | null };
  textHidden: number | null;
  /** distilled packs (LCM, Turbo-style trailing Euler) run without a CFG batch by default */
  distilled: boolean;
  recommended: { steps: number; t0: number; guidance: number };
  sidecar: Sidecar | null;
}

const PIPELINES = [
  'StableDiffusionPipeline',
  'StableDiffusionImg2ImgPipeline',
  'LatentConsistencyModelPipeline',
  'LatentConsistencyModelImg2ImgPipeline',
  'OnnxStableDiffusionPipeline',
  'OnnxStableDiffusionImg2ImgPipeline',
  'ORTStableDiffusionPipeline',
  'ORTStableDiffusionImg2ImgPipeline',
  'ORTLatentConsistencyModelPipeline',
];

/** External-data names the exporters use (optimum: model.onnx_data; diffusers' script: weights.pb). */
const DATA_NAMES = ['model.onnx_data', 'model.onnx.data', 'weights.pb'];

async function json(reader: PackReader, file: string, required: boolean): Promise<JsonObject | null> {
  const t = await reader.text(file);
  if (t === null) {
    if (required) throw new LatentPackError(`${file} is missing`);
    return null;
  }
  const v = parseJsonText(t, file, (m) => new LatentPackError(m));
  if (!isJsonObject(v)) throw new LatentPackError(`${file}: must be a JSON object`);
  return v;
}

const posInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/** Heads of the first down block's attention from unet/config.json (SD 1.x: 8, SD 2.x: 5);
 *  without a config assume SD's layout (attention at the top level, 8 heads). */
function firstAttentionHeads(cfg: JsonObject | null): number | null {
  if (!cfg) return 8;
  const types = cfg.down_block_types;
  if (Array.isArray(types) && typeof types[0] === 'string' && !types[0].includes('Attn')) return null;
  const ahd = cfg.attention_head_dim;
  const first = Array.isArray(ahd) ? ahd[0] : ahd;
  return posInt(first) ?? 8;
}

/** Read and check a diffusers ONNX folder; `name` names it when it has no sidecar (its folder). */
export async function readLatentPack(reader: PackReader, name = 'latent pack'): Promise<LatentPackInfo> {
  const index = await json(reader, 'model_index.json', true);
  const idx = index as JsonObject;
  const pipeline = idx._class_name;
  if (typeof pipeline !== 'string') throw new LatentPackError('model_index.json: "_class_name" is missing');
  for (const key of ['text_encoder_2', 'tokenizer_2']) {
    const v = idx[key];
    if (Array.isArray(v) && v.some((e) => e !== null)) throw new LatentPackError(`model_index.json: "${key}" (SDXL's second text encoder) is not supported`);
  }
  if (!PIPELINES.includes(pipeline)) throw new LatentPackError(`model_index.json: "_class_name" ${JSON.stringify(pipeline)} is not supported (one of ${PIPELINES.join(', ')})`);

  const schedFile = 'scheduler/scheduler_config.json';
  const schedText = await reader.text(schedFile);
  if (schedText === null) throw new LatentPackError(`${schedFile} is missing`);
  let betas: BetaConfig;
  try {
    betas = parseBetaConfig(schedText, schedFile);
  } catch (e) {
    throw new LatentPackError((e as Error).message);
  }
  let scheduler: SchedulerConfig | null = null;
  let schedulerNote: string | null = null;
  try {
    scheduler = parseSchedulerConfig(schedText, schedFile);
  } catch (e) {
    schedulerNote = (e as Error).message;
  }

  const tokenizerJson = await json(reader, 'tokenizer/tokenizer.json', false);
  const vocab = tokenizerJson ? null : await json(reader, 'tokenizer/vocab.json', false);
  const merges = tokenizerJson ? null : await reader.text('tokenizer/merges.txt');
  if (!tokenizerJson && (!vocab || merges === null)) throw new LatentPackError(`tokenizer/ needs tokenizer.json or vocab.json + merges.txt (${vocab ? 'merges.txt' : 'vocab.json'} is missing)`);
  const tokenizer: TokenizerFiles = {
    ...(tokenizerJson ? { tokenizerJson } : { vocab, merges: merges as string }),
    tokenizerConfig: (await json(reader, 'tokenizer/tokenizer_config.json', false)) ?? undefined,
    specialTokensMap: (await json(reader, 'tokenizer/special_tokens_map.json', false)) ?? undefined,
  };

  const files = {} as LatentPackInfo['files'];
  for (const part of PARTS) {
    const model = `${part}/model.onnx`;
    if (!(await reader.exists(model))) throw new LatentPackError(`${model} is missing${part === 'vae_encoder' ? ' (SDEdit encodes the guide: the pack needs a VAE encoder)' : ''}`);
    let data: string | null = null;
    for (const d of DATA_NAMES) {
      if (await reader.exists(`${part}/${d}`)) {
        data = `${part}/${d}`;
        break;
      }
    }
    files[part] = { model, data };
  }

  let vaeCfg: JsonObject | null = null;
  let vaeFile = 'vae_decoder/config.json';
  for (const f of ['vae_decoder/config.json', 'vae_encoder/config.json', 'vae/config.json']) {
    vaeCfg = await json(reader, f, false);
    if (vaeCfg) {
      vaeFile = f;
      break;
    }
  }
  const vaeClass = typeof vaeCfg?.['_class_name'] === 'string' ? (vaeCfg._class_name as string) : 'AutoencoderKL';
  const sf = vaeCfg?.scaling_factor;
  if (sf !== undefined && !(typeof sf === 'number' && sf > 0)) throw new LatentPackError(`${vaeFile}: "scaling_factor" must be a positive number (got ${JSON.stringify(sf)})`);
  const shift = vaeCfg?.shift_factor;
  if (typeof shift === 'number' && shift !== 0) throw new LatentPackError(`${vaeFile}: "shift_factor" ${shift} is not supported (SD 1.x/2.x and TAESD VAEs have none)`);
  const blocks = (vaeCfg?.block_out_channels ?? vaeCfg?.encoder_block_out_channels) as unknown;
  const vae: VaeInfo = {
    className: vaeClass,
    scalingFactor: typeof sf === 'number' ? sf : vaeClass === 'AutoencoderTiny' ? 1 : 0.18215,
    latentChannels: posInt(vaeCfg?.latent_channels) ?? 4,
    factor: Array.isArray(blocks) && blocks.length >= 1 ? 2 ** (blocks.length - 1) : 8,
  };

  const unetCfg = await json(reader, 'unet/config.json', false);
  const ublocks = unetCfg?.block_out_channels;
  const unet = {
    inChannels: posInt(unetCfg?.in_channels),
    sampleSize: posInt(unetCfg?.sample_size),
    timeCondDim: posInt(unetCfg?.time_cond_proj_dim),
    multiple: Array.isArray(ublocks) && ublocks.length >= 1 ? 2 ** (ublocks.length - 1) : 8,
    attentionHeads: firstAttentionHeads(unetCfg),
  };
  if (unet.inChannels !== null && unet.inChannels !== vae.latentChannels) {
    throw new LatentPackError(`unet/config.json: "in_channels" ${unet.inChannels} differs from the VAE's latent_channels ${vae.latentChannels} (inpainting UNets are not supported)`);
  }
  const textCfg = await json(reader, 'text_encoder/config.json', false);
  const textHidden = posInt(textCfg?.hidden_size);

  const lcm = betas.declaredClass === 'LCMScheduler' || unet.timeCondDim !== null;
  const turbo = betas.declaredClass === 'EulerDiscreteScheduler' && betas.timestepSpacing === 'trailing';
  const distilled = lcm || turbo;
  const defaults = lcm ? { steps: 4, t0: 0.5, guidance: 7.5 } : turbo ? { steps: 2, t0: 0.5, guidance: 0 } : { steps: 25, t0: 0.75, guidance: 7.5 };
  const sidecarJson = await json(reader, 'model.json', false);
  const sidecar = sidecarJson ? parseSidecar(sidecarJson, 'model.json') : null;
  const recommended = { ...defaults, ...(sidecar?.recommended ?? {}) };
  return { name: sidecar?.name ?? name, pipeline, betas, scheduler, schedulerNote, tokenizer, files, vae, unet, textHidden, distilled, recommended, sidecar };
}
