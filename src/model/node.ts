// Node side of the model runtime (CLI, benchmarks, tests): load a pack from a directory and
// create an onnxruntime-node session on the CPU.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Schedule } from '../core';
import type { Digest, ModelPack } from './pack';
import { PackError, parsePack, scheduleFromPack, unetFile, verifyPackFiles } from './pack';
import type { SessionLike, TensorCtor } from './onnx-denoiser';
import { OnnxDenoiser, checkSessionNames } from './onnx-denoiser';

export const nodeDigest: Digest = async (bytes) => createHash('sha256').update(bytes).digest('hex');

export interface LoadedPack {
  dir: string;
  pack: ModelPack;
  schedule: Schedule;
  denoiser: OnnxDenoiser;
  session: ort.InferenceSession;
  modelBytes: Uint8Array;
  /** total milliseconds spent in session.run so far */
  networkMs(): number;
  release(): Promise<void>;
}

export interface NodeLoadOptions {
  /** intra-op threads of the CPU execution provider (default: ORT's choice) */
  threads?: number;
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** Read model.json and the unet file of `dir`, verify them, create the session. */
export async function loadPackFromDir(dir: string, opts: NodeLoadOptions = {}): Promise<LoadedPack> {
  const st = await stat(dir).catch(() => null);
  if (!st) throw new PackError(`model directory not found: ${dir}`);
  if (!st.isDirectory()) throw new PackError(`model path is not a directory: ${dir}`);
  const manifestPath = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new PackError(errno(e) === 'ENOENT' ? `no model.json in ${dir}` : `cannot read ${manifestPath}: ${(e as Error).message}`);
  }
  let pack: ModelPack;
  try {
    pack = parsePack(text);
  } catch (e) {
    throw new PackError(`${manifestPath}: ${(e as Error).message.replace(/^model\.json:?\s*/, '')}`);
  }
  if (pack.kind !== 'pixel') throw new PackError(`model pack "${pack.name}" is a ${pack.kind} pack; this version runs pixel packs only`);
  const entry = unetFile(pack);
  const file = path.join(dir, entry.name);
  let modelBytes: Uint8Array;
  try {
    modelBytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new PackError(errno(e) === 'ENOENT' ? `model file missing: ${file} (listed in model.json)` : `cannot read ${file}: ${(e as Error).message}`);
  }
  // The CPU runs the fp32 UNet only: the fp16 copy is neither read nor checked here.
  await verifyPackFiles(pack, new Map([[entry.name, modelBytes]]), { digest: nodeDigest, roles: ['unet'] });

  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
  };
  if (opts.threads !== undefined) {
    if (!(Number.isInteger(opts.threads) && opts.threads >= 1)) throw new Error(`threads must be a positive integer, got ${opts.threads}`);
    sessionOptions.intraOpNumThreads = opts.threads;
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, sessionOptions);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new PackError(`${file} is not a loadable ONNX model: ${msg}`);
  }
  try {
    checkSessionNames(session, pack);
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
  const schedule = scheduleFromPack(pack);
  const denoiser = new OnnxDenoiser(session as unknown as SessionLike, ort.Tensor as unknown as TensorCtor, pack, schedule);
  return {
    dir,
    pack,
    schedule,
    denoiser,
    session,
    modelBytes,
    networkMs: () => denoiser.networkMs,
    release: () => session.release(),
  };
}
