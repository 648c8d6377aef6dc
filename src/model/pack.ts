// Model packs: `models/<name>/model.json` and the files it lists.
//
// {
//   "name": "default",
//   "kind": "pixel",                       // or "latent" (needs VAE files; not run by this version)
//   "sde": { "type": "vp", "beta_schedule": "linear", "beta_start": 1e-4, "beta_end": 0.02, "timesteps": 1000 },
//      or  { "type": "ve", "sigma_min": 0.01, "sigma_max": 378 },
//   "prediction": "eps",                   // "eps" | "v" | "x0" | "score"
//   "time_input": "index",                 // "index": t·timesteps − 1 (DDPM's float index) | "continuous": t | "sigma": σ(t) (VE)
//   "resolution": 64,                      // native training resolution
//   "fully_convolutional": true,           // runs at any multiple of `multiple`
//   "multiple": 8,                         // spatial multiple the network needs (downsampling factor)
//   "value_range": [-1, 1],
//   "inputs": ["x", "t"],                  // image input, time input; or an object with these names
//                                          //   as keys, in that order: { "x": "float32 [N,3,H,W]", "t": "..." }
//   "outputs": ["eps"],                    // the prediction output; or { "eps": "float32 [N,3,H,W]" }
//   "files": [{ "name": "model.onnx", "bytes": 123, "sha256": "<64 hex>", "role": "unet" }],
//   "license": "MIT",
//   "training": { "data": "...", "steps": 10000, ... },
//   "quality": { ... }                     // free-form measured numbers
// }
//
// Works in node and in the browser: nothing here touches fs or ONNX Runtime.
import type { Schedule } from '../core';
import { veGeometric, vpCosine, vpLinear } from '../core';
import { type JsonObject, fieldMessage, isJsonObject, parseJsonText } from './json';

export type PackKind = 'pixel' | 'latent';
export type Prediction = 'eps' | 'v' | 'x0' | 'score';
export type TimeInput = 'index' | 'continuous' | 'sigma';
// 'unet_fp16': optional second copy of the UNet that computes in fp16 with the same fp32 inputs
// and outputs, for WebGPU adapters with `shader-f16` (models/train/export_fp16.py).
export type FileRole = 'unet' | 'unet_fp16' | 'vae_encoder' | 'vae_decoder' | 'text_encoder' | 'tokenizer';

export interface VPSde {
  type: 'vp';
  beta_schedule: 'linear' | 'cosine';
  beta_start: number;
  beta_end: number;
  timesteps: number;
}

export interface VESde {
  type: 've';
  sigma_min: number;
  sigma_max: number;
}

export interface PackFile {
  /** file name relative to the pack's directory (or URL base) */
  name: string;
  bytes: number;
  /** lower-case hex */
  sha256: string;
  role: FileRole;
}

export interface ModelPack {
  name: string;
  kind: PackKind;
  sde: VPSde | VESde;
  prediction: Prediction;
  time_input: TimeInput;
  resolution: number;
  fully_convolutional: boolean;
  multiple: number;
  value_range: [number, number];
  /** normalised: the image input's and the time input's names */
  inputs: { x: string; t: string };
  /** normalised: the prediction output's name */
  outputs: { out: string };
  files: PackFile[];
  license: string;
  training: Record<string, unknown>;
  quality: Record<string, unknown>;
}

/** Thrown for a malformed model.json; the message names the field. */
export class PackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackError';
  }
}

function fail(field: string, want: string, got: unknown): never {
  throw new PackError(fieldMessage('model.json', field, want, got));
}

function str(o: JsonObject, field: string, path = field): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0) fail(path, 'a non-empty string', v);
  return v;
}

function num(o: JsonObject, field: string, path = field, test: (x: number) => boolean = Number.isFinite, want = 'a finite number'): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || !test(v)) fail(path, want, v);
  return v;
}

function oneOf<T extends string>(o: JsonObject, field: string, allowed: readonly T[], path = field): T {
  const v = o[field];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(path, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, v);
  return v as T;
}

function optObj(o: JsonObject, field: string): JsonObject {
  const v = o[field];
  if (v === undefined || v === null) return {};
  if (!isJsonObject(v)) fail(field, 'an object', v);
  return v;
}

function parseSde(v: unknown): VPSde | VESde {
  if (!isJsonObject(v)) fail('sde', 'an object', v);
  const type = oneOf(v, 'type', ['vp', 've'] as const, 'sde.type');
  if (type === 'vp') {
    const beta_schedule = oneOf(v, 'beta_schedule', ['linear', 'cosine'] as const, 'sde.beta_schedule');
    const timesteps = num(v, 'timesteps', 'sde.timesteps', (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
    const prob = (x: number) => x > 0 && x < 1;
    // Cosine packs need no β range; linear ones do.
    const needBetas = beta_schedule === 'linear' || v.beta_start !== undefined || v.beta_end !== undefined;
    const beta_start = needBetas ? num(v, 'beta_start', 'sde.beta_start', prob, 'a number in (0, 1)') : 0;
    const beta_end = needBetas ? num(v, 'beta_end', 'sde.beta_end', prob, 'a number in (0, 1)') : 0;
    if (needBetas && !(beta_end >= beta_start)) fail('sde.beta_end', `≥ sde.beta_start (${beta_start})`, beta_end);
    return { type, beta_schedule, beta_start, beta_end, timesteps };
  }
  const sigma_min = num(v, 'sigma_min', 'sde.sigma_min', (x) => x > 0, 'a positive number');
  const sigma_max = num(v, 'sigma_max', 'sde.sigma_max', (x) => x > sigma_min, `a number > sde.sigma_min (${sigma_min})`);
  return { type, sigma_min, sigma_max };
}

/** Tensor names: an array in role order (image first, then time), or an object whose keys are
 *  the names in that order and whose values describe them ({"x": "float32 [N,3,H,W]", ...}). */
function parseNames(v: unknown, field: string, roles: readonly string[]): string[] {
  const names = Array.isArray(v) ? v : isJsonObject(v) ? Object.keys(v) : null;
  if (!names || names.length !== roles.length || !names.every((s) => typeof s === 'string' && s.length > 0)) {
    const want = `${roles.length} name${roles.length > 1 ? 's' : ''} (${roles.join(', ')})`;
    fail(field, `an array of ${want} or an object with ${want} as keys`, v);
  }
  return names as string[];
}

function parseFile(v: unknown, i: number): PackFile {
  const p = `files[${i}]`;
  if (!isJsonObject(v)) fail(p, 'an object', v);
  const name = str(v, 'name', `${p}.name`);
  if (name.includes('..') || name.startsWith('/') || name.includes('\\')) fail(`${p}.name`, 'a plain file name inside the pack', name);
  const bytes = num(v, 'bytes', `${p}.bytes`, (x) => Number.isInteger(x) && x > 0, 'a positive integer');
  const sha = str(v, 'sha256', `${p}.sha256`);
  if (!/^[0-9a-fA-F]{64}$/.test(sha)) fail(`${p}.sha256`, '64 hex digits', sha);
  const role = oneOf(v, 'role', ['unet', 'unet_fp16', 'vae_encoder', 'vae_decoder', 'text_encoder', 'tokenizer'] as const, `${p}.role`);
  return { name, bytes, sha256: sha.toLowerCase(), role };
}

/** Validate a model.json (text or parsed JSON). Throws PackError naming the wrong field. */
export function parsePack(json: unknown): ModelPack {
  const o = typeof json === 'string' ? parseJsonText(json, 'model.json', (m) => new PackError(m)) : json;
  if (!isJsonObject(o)) fail('(top level)', 'an object', o);
  const name = str(o, 'name');
  const kind = oneOf(o, 'kind', ['pixel', 'latent'] as const);
  const sde = parseSde(o.sde);
  const prediction = oneOf(o, 'prediction', ['eps', 'v', 'x0', 'score'] as const);
  if (sde.type === 've' && prediction === 'v') fail('prediction', '"eps", "x0" or "score" for a VE pack', prediction);
  const time_input = oneOf(o, 'time_input', ['index', 'continuous', 'sigma'] as const);
  if (sde.type === 'vp' && time_input === 'sigma') fail('time_input', '"index" or "continuous" for a VP pack', time_input);
  if (sde.type === 've' && time_input === 'index') fail('time_input', '"continuous" or "sigma" for a VE pack', time_input);
  const resolution = num(o, 'resolution', 'resolution', (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
  const fc = o.fully_convolutional;
  if (typeof fc !== 'boolean') fail('fully_convolutional', 'true or false', fc);
  const multiple = o.multiple === undefined ? 1 : num(o, 'multiple', 'multiple', (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
  if (resolution % multiple !== 0) fail('resolution', `a multiple of "multiple" (${multiple})`, resolution);
  const vr = o.value_range ?? [-1, 1];
  if (!Array.isArray(vr) || vr.length !== 2 || vr[0] !== -1 || vr[1] !== 1) fail('value_range', '[-1, 1] (the only range this engine runs)', vr);
  const [x, t] = parseNames(o.inputs ?? ['x', 't'], 'inputs', ['image', 'time']);
  const [out] = parseNames(o.outputs ?? ['eps'], 'outputs', ['prediction']);
  if (!Array.isArray(o.files) || o.files.length === 0) fail('files', 'a non-empty array', o.files);
  const files = o.files.map(parseFile);
  const unets = files.filter((f) => f.role === 'unet');
  if (unets.length !== 1) fail('files', `exactly one entry with role "unet" (found ${unets.length})`, o.files.map((f) => (isJsonObject(f) ? f.role : f)));
  const fp16 = files.filter((f) => f.role === 'unet_fp16');
  if (fp16.length > 1) fail('files', `at most one entry with role "unet_fp16" (found ${fp16.length})`, files.map((f) => f.role));
  if (kind === 'latent') {
    for (const role of ['vae_encoder', 'vae_decoder'] as const) {
      if (!files.some((f) => f.role === role)) fail('files', `an entry with role "${role}" for a latent pack`, files.map((f) => f.role));
    }
  }
  const license = str(o, 'license');
  return {
    name,
    kind,
    sde,
    prediction,
    time_input,
    resolution,
    fully_convolutional: fc,
    multiple,
    value_range: [-1, 1],
    inputs: { x, t },
    outputs: { out },
    files,
    license,
    training: optObj(o, 'training'),
    quality: optObj(o, 'quality'),
  };
}

/** The denoising network's file entry. */
export function unetFile(pack: ModelPack): PackFile {
  const f = pack.files.find((e) => e.role === 'unet');
  if (!f) throw new PackError(`model pack "${pack.name}" lists no file with role "unet"`);
  return f;
}

/** The fp16 copy of the UNet, when the pack ships one (used on WebGPU with `shader-f16` only). */
export function unetFp16File(pack: ModelPack): PackFile | null {
  return pack.files.find((e) => e.role === 'unet_fp16') ?? null;
}

/** SHA-256 of bytes as lower-case hex. */
export type Digest = (bytes: Uint8Array) => Promise<string>;

const hex = (buf: ArrayBuffer): string => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/** Digest through WebCrypto (browsers; node ≥ 19 has it on globalThis too). */
export const webDigest: Digest = async (bytes) => {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('SHA-256 is not available here (no crypto.subtle); cannot verify the model file');
  // subtle.digest rejects views over a SharedArrayBuffer: only those are copied (a downloaded
  // UNet of 1.7 GB must not be held twice)
  const plain = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : Uint8Array.from(bytes);
  return hex(await subtle.digest('SHA-256', plain));
};

/** Check a file's size and sha256 against its pack entry. Throws a clear error on mismatch. */
export async function verifyFile(bytes: Uint8Array, entry: PackFile, digest: Digest = webDigest): Promise<void> {
  if (bytes.byteLength !== entry.bytes) {
    throw new PackError(
      `model file ${entry.name} has ${bytes.byteLength} bytes, model.json says ${entry.bytes}` +
        (bytes.byteLength < entry.bytes ? ' (truncated or incomplete download?)' : ''),
    );
  }
  const got = (await digest(bytes)).toLowerCase();
  if (got !== entry.sha256) {
    throw new PackError(`model file ${entry.name} has sha256 ${got.slice(0, 12)}…, model.json says ${entry.sha256.slice(0, 12)}… (the file is corrupt or from another version)`);
  }
}

/** The roles of the network files a runtime loads, and so verifies before use. */
export const NETWORK_ROLES: readonly FileRole[] = ['unet', 'unet_fp16'];

/**
 * Check the pack's files of `roles` (default: the UNet and its fp16 copy when listed) against
 * model.json: each present in `files` (by name), with the size and sha256 it gives. `missing`
 * words the error for a file that is absent (where it should have come from differs by caller).
 */
export async function verifyPackFiles(
  pack: ModelPack,
  files: ReadonlyMap<string, Uint8Array>,
  opts: { digest?: Digest; roles?: readonly FileRole[]; missing?: (entry: PackFile) => string } = {},
): Promise<void> {
  const roles = opts.roles ?? NETWORK_ROLES;
  for (const entry of pack.files.filter((f) => roles.includes(f.role))) {
    const bytes = files.get(entry.name);
    if (!bytes) throw new PackError(opts.missing?.(entry) ?? `model pack "${pack.name}" lacks ${entry.name} (listed in model.json)`);
    await verifyFile(bytes, entry, opts.digest);
  }
}

/** The engine's schedule for a pack. */
export function scheduleFromPack(pack: ModelPack): Schedule {
  const s = pack.sde;
  if (s.type === 've') return veGeometric(s.sigma_min, s.sigma_max);
  return s.beta_schedule === 'linear' ? vpLinear(s.timesteps, s.beta_start, s.beta_end) : vpCosine(s.timesteps);
}
