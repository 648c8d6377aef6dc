// Node side of latent packs (CLI, tests): a diffusers folder on disk, onnxruntime-node sessions
// created from the files themselves (external data such as unet/model.onnx_data is read by ONNX
// Runtime from beside the graph, so files over 2 GB load), sha256 of files by streaming.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { LatentPackInfo, PackReader, PartName } from './folder';
import { LatentPackError, PARTS, readLatentPack } from './folder';
import type { AnyTensorCtor, PartSession } from './io';
import type { LatentRuntime } from './pipeline';
import type { SidecarFile } from './sidecar';

/** Execution providers a user's machine may have (onnxruntime-node builds differ). */
export const PROVIDERS = ['cpu', 'cuda', 'coreml', 'dml'] as const;
export type Provider = (typeof PROVIDERS)[number];

export function isLatentPackDir(dir: string): boolean {
  return existsSync(path.join(dir, 'model_index.json'));
}

export function nodeReader(dir: string): PackReader {
  return {
    async text(file) {
      try {
        return await readFile(path.join(dir, file), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new LatentPackError(`cannot read ${path.join(dir, file)}: ${(e as Error).message}`);
      }
    },
    async exists(file) {
      return existsSync(path.join(dir, file));
    },
  };
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return h.digest('hex');
}

/** Check every file a sidecar lists: size first (cheap), then sha256. */
export async function verifySidecarFiles(dir: string, files: readonly SidecarFile[]): Promise<void> {
  for (const f of files) {
    const p = path.join(dir, f.name);
    const st = await stat(p).catch(() => null);
    if (!st) throw new LatentPackError(`${f.name} is missing (listed in model.json)`);
    if (st.size !== f.bytes) throw new LatentPackError(`${f.name} has ${st.size} bytes, model.json says ${f.bytes}${st.size < f.bytes ? ' (truncated or incomplete download?)' : ''}`);
  }
  for (const f of files) {
    const got = await sha256File(path.join(dir, f.name));
    if (got !== f.sha256) throw new LatentPackError(`${f.name} has sha256 ${got.slice(0, 12)}…, model.json says ${f.sha256.slice(0, 12)}… (corrupt, or another version)`);
  }
}

/** Read a diffusers folder; with a model.json sidecar, verify its files (verify = false skips it). */
export async function loadLatentPackFromDir(dir: string, verify = true): Promise<LatentPackInfo> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new LatentPackError(`model directory not found: ${dir}`);
  let info: LatentPackInfo;
  try {
    info = await readLatentPack(nodeReader(dir), path.basename(path.resolve(dir)));
  } catch (e) {
    throw new LatentPackError(`${dir}: ${(e as Error).message}`);
  }
  if (verify && info.sidecar) await verifySidecarFiles(dir, info.sidecar.files);
  return info;
}

export interface NodeRuntimeOptions {
  threads?: number;
  provider?: Provider;
}

/** onnxruntime-node sessions of the pack's parts, from their files. */
export function nodeRuntime(dir: string, info: LatentPackInfo, opts: NodeRuntimeOptions = {}): LatentRuntime {
  const so: ort.InferenceSession.SessionOptions = {
    executionProviders: [opts.provider ?? 'cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
  };
  return {
    Tensor: ort.Tensor as unknown as AnyTensorCtor,
    async open(part: PartName): Promise<PartSession> {
      const file = path.join(dir, info.files[part].model);
      try {
        return (await ort.InferenceSession.create(file, so)) as unknown as PartSession;
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        throw new LatentPackError(`${info.files[part].model} is not loadable by onnxruntime-node (${opts.provider ?? 'cpu'}): ${msg}`);
      }
    },
  };
}

/** Bytes on disk of each part (graph + external data). */
export async function partBytes(dir: string, info: LatentPackInfo): Promise<Record<PartName, number>> {
  const out = {} as Record<PartName, number>;
  for (const p of PARTS) {
    const { model, data } = info.files[p];
    out[p] = (await stat(path.join(dir, model))).size + (data ? (await stat(path.join(dir, data))).size : 0);
  }
  return out;
}
