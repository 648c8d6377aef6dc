// Latent packs in the browser (and anywhere onnxruntime-web runs): the pack's files as bytes
// (a folder the user picked, or downloads), sessions created from them one at a time on WebGPU or
// WASM, external data (unet/model.onnx_data) handed to ONNX Runtime as `externalData`.
import type { PackReader, LatentPackInfo, PartName } from './folder';
import { LatentPackError } from './folder';
import type { AnyTensorCtor, PartSession } from './io';
import type { LatentRuntime } from './pipeline';
import { classifyWebError } from '../web';

/** The part of onnxruntime-web (or -node) used to create sessions from bytes. */
export interface BytesOrt {
  Tensor: unknown;
  InferenceSession: {
    create(
      model: Uint8Array,
      options: { executionProviders: readonly string[]; graphOptimizationLevel?: 'all'; externalData?: { path: string; data: Uint8Array }[] },
    ): Promise<unknown>;
  };
}

/** A pack's files by their path inside the pack ('unet/model.onnx'). */
export type PackFiles = ReadonlyMap<string, Uint8Array>;

const utf8 = new TextDecoder();

/** A PackReader over files already in memory. */
export function filesReader(files: PackFiles): PackReader {
  return {
    async text(file) {
      const b = files.get(file);
      return b ? utf8.decode(b) : null;
    },
    async exists(file) {
      return files.has(file);
    },
  };
}

export interface WebLatentOptions {
  /** 'webgpu' or 'wasm' (the caller decides from the adapter, see src/model/web.ts) */
  backend: 'webgpu' | 'wasm';
}

/** Sessions of the pack's parts from their bytes. Errors come out classified (WebRuntimeError). */
export function webLatentRuntime(ort: BytesOrt, files: PackFiles, info: LatentPackInfo, opts: WebLatentOptions): LatentRuntime {
  const need = (name: string): Uint8Array => {
    const b = files.get(name);
    if (!b) throw new LatentPackError(`${name} is missing`);
    return b;
  };
  return {
    Tensor: ort.Tensor as AnyTensorCtor,
    async open(part: PartName): Promise<PartSession> {
      const { model, data } = info.files[part];
      const externalData = data ? [{ path: data.slice(data.lastIndexOf('/') + 1), data: need(data) }] : undefined;
      try {
        return (await ort.InferenceSession.create(need(model), { executionProviders: [opts.backend], graphOptimizationLevel: 'all', ...(externalData ? { externalData } : {}) })) as PartSession;
      } catch (e) {
        throw classifyWebError(e);
      }
    },
  };
}
