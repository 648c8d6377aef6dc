// A latent pack's weights as a device check needs them, from the graphs' own bytes before any
// session is created (onnx-tensors.ts): each part's size on disk, the largest single tensor of the
// pack (what one GPU buffer must hold), and the pack's precision.
import type { LatentPackInfo, PartName } from './folder';
import { PARTS, LatentPackError } from './folder';
import { OnnxReadError, onnxTensorStats } from './onnx-tensors';

export interface PackWeights {
  /** bytes of each part (graph + external data) */
  partBytes: Record<PartName, number>;
  /** every file of the pack */
  totalBytes: number;
  /** the largest initializer or constant over all parts: exact, dims × element size */
  largestTensor: { part: PartName; name: string; bytes: number };
  /** fp16 when float16 weights outweigh float32 ones, or the UNet takes / gives float16 */
  precision: 'fp16' | 'fp32';
  /** some part has a float16 weight or a float16 input/output: on WebGPU that needs shader-f16 */
  usesFloat16: boolean;
}

/** Read the weights of every part. Throws LatentPackError naming the file that is not ONNX. */
export function packWeights(info: LatentPackInfo, files: ReadonlyMap<string, Uint8Array>): PackWeights {
  const partBytes = {} as Record<PartName, number>;
  let largestTensor: PackWeights['largestTensor'] = { part: 'unet', name: '', bytes: 0 };
  let f16 = 0;
  let f32 = 0;
  let usesFloat16 = false;
  let unetF16Io = false;
  for (const part of PARTS) {
    const { model, data } = info.files[part];
    const bytes = files.get(model);
    if (!bytes) throw new LatentPackError(`${model} is missing`);
    partBytes[part] = bytes.byteLength + (data ? (files.get(data)?.byteLength ?? 0) : 0);
    let stats;
    try {
      stats = onnxTensorStats(bytes);
    } catch (e) {
      if (e instanceof OnnxReadError) throw new LatentPackError(`${model}: ${e.message}`);
      throw e;
    }
    if (stats.largest.bytes > largestTensor.bytes) largestTensor = { part, name: stats.largest.name, bytes: stats.largest.bytes };
    f16 += stats.float16Bytes;
    f32 += stats.float32Bytes;
    if (stats.float16Bytes > 0 || stats.float16Io) usesFloat16 = true;
    if (part === 'unet') unetF16Io = stats.float16Io;
  }
  const totalBytes = [...files.values()].reduce((n, b) => n + b.byteLength, 0);
  return { partBytes, totalBytes, largestTensor, precision: f16 > f32 || unetF16Io ? 'fp16' : 'fp32', usesFloat16 };
}
