// One whole edit as the product runs it (PNG bytes in → guide and mask → sdedit → PNG bytes out),
// timed, with the inputs the overhead benchmarks share: bench/lib/overhead.ts (zero-cost and
// in-process onnxruntime-node denoisers) and bench/lib/overlap.ts (the network off the JS thread).
import { PNG } from 'pngjs';
import type { Denoiser, Schedule, SDEditOptions, StepInfo } from '../../src/core';
import { chwToRgba, maskFromRgba, resizeChw, resizeMask, rgbaToChw, sdedit } from '../../src/core';

export const now = (): number => performance.now();

/** CPU ms this process has used (user + system, all threads): steadier than wall time on a
 *  shared machine. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export function encodePng(rgba: Uint8ClampedArray | Uint8Array, w: number, h: number): Buffer {
  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  return PNG.sync.write(png);
}

/** A mask PNG editing a rectangle (the lower two thirds of the middle half). */
export function rectMaskPng(w: number, h: number): Buffer {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      const on = x > w / 4 && x < (3 * w) / 4 && y > h / 3 ? 255 : 0;
      rgba[o] = rgba[o + 1] = rgba[o + 2] = on;
      rgba[o + 3] = 255;
    }
  }
  return encodePng(rgba, w, h);
}

/** A synthetic guide PNG (a colour gradient). */
export function gradientPng(w: number, h: number): Buffer {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = (i % w) & 255;
    rgba[4 * i + 1] = Math.floor(i / w) & 255;
    rgba[4 * i + 2] = 128;
    rgba[4 * i + 3] = 255;
  }
  return encodePng(rgba, w, h);
}

/** A network that costs nothing: a cached zero array (the edit is then nothing but overhead). */
export class ZeroDenoiser implements Denoiser {
  readonly kind = 'eps' as const;
  private zeros = new Float32Array(0);
  async predict(x: Float32Array): Promise<Float32Array> {
    if (this.zeros.length !== x.length) this.zeros = new Float32Array(x.length);
    return this.zeros;
  }
}

export interface EditSetup {
  schedule: Schedule;
  guidePng: Buffer;
  maskPng: Buffer;
  /** the edit's square size */
  size: number;
  t0: number;
}

/** One whole edit, PNG bytes in, PNG bytes out. Returns total ms. */
export async function timedEdit(den: Denoiser, setup: EditSetup, sampler: string, steps: number): Promise<number> {
  return (await timedEditParts(den, setup, sampler, steps)).totalMs;
}

/** One whole edit: its total ms and the ms inside sdedit() (the sampler and the network calls,
 *  without the PNG decode/encode, resizes and colour conversions around it). */
export async function timedEditParts(den: Denoiser, setup: EditSetup, sampler: string, steps: number): Promise<{ totalMs: number; sdeditMs: number }> {
  const start = now();
  const g = PNG.sync.read(setup.guidePng);
  const m = PNG.sync.read(setup.maskPng);
  const S = setup.size;
  const guide = resizeChw(rgbaToChw(g.data, g.width, g.height), 3, g.height, g.width, S, S);
  const mask = resizeMask(maskFromRgba(m.data, m.width, m.height), m.height, m.width, S, S);
  const opts: SDEditOptions = {
    sampler: sampler as SDEditOptions['sampler'],
    t0: setup.t0,
    steps,
    seed: 1,
    mask,
    // the UI takes an x̂0 preview of the first item every few steps: a copy, like compute.ts
    onStep: (info: StepInfo) => {
      if (info.step % 4 === 0) info.x0.slice(0, 3 * S * S);
    },
  };
  const s0 = now();
  const out = await sdedit(den, guide, [3, S, S], setup.schedule, opts);
  const sdeditMs = now() - s0;
  encodePng(chwToRgba(out, S, S), S, S);
  return { totalMs: now() - start, sdeditMs };
}
