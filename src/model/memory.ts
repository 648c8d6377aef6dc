// Peak memory of one SDEdit run, estimated before it starts, so that a run too big for the
// machine is split into smaller batches or refused with a message instead of being killed by
// the kernel (or hanging the plugin's iframe) halfway through. Pure: the CLI and the panel each
// compare it with the memory they have.
//
// Peak memory is a fixed part (the runtime, the model's weights held twice: the file and the
// session's copy) plus a part proportional to the pixels the network sees at once (batch ×
// padded width × height): ONNX Runtime's activations dominate it, the engine's own Float32
// arrays are a small share. The constants were measured with onnxruntime-node on the default
// pack (`/usr/bin/time -v node bin/sdedit.js --steps 2`, maximum resident set size):
//   128² ×1: 157–159 MB, 256² ×1: 279–282 MB, 512² ×1: 783–790 MB, 512² ×4 and 256² ×16: 2903–2913 MB
// (1e6 bytes, over two sessions), and set a little above them (the largest slope is 2704 B/px,
// between the last two), so the estimate errs on the high side, by 2–8 % there; threads 1 or 2
// made no difference. A pack with a wider network needs its own bytesPerPixel.

export interface MemoryModel {
  /** bytes of the process before any image: runtime, libraries, buffers */
  baseBytes: number;
  /** times the model file's size that stays resident (the file's bytes and the session's copy) */
  modelCopies: number;
  /** bytes per pixel the network sees at once (batch × padded width × height) */
  bytesPerPixel: number;
}

/** Measured on the default pack with onnxruntime-node's CPU provider (see above). */
export const DEFAULT_MEMORY_MODEL: MemoryModel = { baseBytes: 105e6, modelCopies: 2, bytesPerPixel: 2800 };

export interface RunSize {
  /** padded width and height the network runs at */
  width: number;
  height: number;
  /** images per network call */
  batch: number;
  /** size of the model file (the UNet) in bytes */
  modelBytes: number;
}

/** Estimated peak resident bytes of a run of this size. */
export function estimatePeakBytes(size: RunSize, model: MemoryModel = DEFAULT_MEMORY_MODEL): number {
  return fixedBytes(size.modelBytes, model) + size.batch * size.width * size.height * model.bytesPerPixel;
}

function fixedBytes(modelBytes: number, model: MemoryModel): number {
  return model.baseBytes + model.modelCopies * modelBytes;
}

export type BatchPlan =
  /** the variations in batches (each ≤ the largest that fits), in order; sums to the variations */
  | { ok: true; batches: number[]; peakBytes: number }
  /** not even one image fits: `maxPixels` is the most padded width × height that would */
  | { ok: false; peakBytes: number; maxPixels: number };

/**
 * How to run `variations` images of width×height within `limitBytes`: one batch when it fits,
 * else the fewest equal-as-possible batches that do, else not at all.
 */
export function planBatches(size: Omit<RunSize, 'batch'>, variations: number, limitBytes: number, model: MemoryModel = DEFAULT_MEMORY_MODEL): BatchPlan {
  const perImage = size.width * size.height * model.bytesPerPixel;
  const room = limitBytes - fixedBytes(size.modelBytes, model);
  const fit = Math.min(variations, Math.floor(room / perImage));
  if (!(fit >= 1)) {
    return { ok: false, peakBytes: estimatePeakBytes({ ...size, batch: 1 }, model), maxPixels: Math.max(0, Math.floor(room / model.bytesPerPixel)) };
  }
  const count = Math.ceil(variations / fit);
  const batches = Array.from({ length: count }, (_, i) => Math.floor(variations / count) + (i < variations % count ? 1 : 0));
  return { ok: true, batches, peakBytes: estimatePeakBytes({ ...size, batch: batches[0] }, model) };
}

/** The longest side, in multiples of `multiple`, of an image of width×height's aspect whose
 *  pixels stay within `maxPixels` (what to suggest when a run does not fit); 0 when none does. */
export function largestSideThatFits(maxPixels: number, width: number, height: number, multiple: number): number {
  const scale = Math.sqrt(maxPixels / (width * height));
  return Math.floor((Math.max(width, height) * scale) / multiple) * multiple;
}
