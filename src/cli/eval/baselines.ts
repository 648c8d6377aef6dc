// The evaluation's baselines on the same stroke guides as SDEdit (run.ts): the guide blurred,
// and the guide noised to t0 without denoising (also the start whose edges compare.ts measures).
import type { Schedule } from '../../core';
import { gaussian } from '../../core';

/** Separable Gaussian blur of 3×size×size (σ in pixels, clamped borders). */
export function gaussianBlur(chw: Float32Array, size: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const HW = size * size;
  const tmp = new Float64Array(HW);
  const out = new Float32Array(chw.length);
  for (let c = 0; c < 3; c++) {
    const src = chw.subarray(c * HW, (c + 1) * HW);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (let i = -r; i <= r; i++) v += k[i + r] * src[y * size + Math.min(size - 1, Math.max(0, x + i))];
        tmp[y * size + x] = v;
      }
    }
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (let i = -r; i <= r; i++) v += k[i + r] * tmp[Math.min(size - 1, Math.max(0, y + i)) * size + x];
        out[c * HW + y * size + x] = v;
      }
    }
  }
  return out;
}

/** The guide noised to t0: x_t0 = √ᾱ·g + √(1−ᾱ)·z (VP) or g + σ·z (VE), the sample SDEdit
 *  starts from, as the sampler sees it (not clipped). */
export function noisedToT0(guide: Float32Array, schedule: Schedule, t0: number, seed: number): Float32Array {
  const z = new Float32Array(guide.length);
  gaussian(seed, 0x6e6f6973, z, 0, z.length);
  let a = 1;
  let b = 0;
  if (schedule.type === 'vp') {
    const ab = schedule.alphaBar(t0);
    a = Math.sqrt(ab);
    b = Math.sqrt(1 - ab);
  } else b = schedule.sigma(t0);
  return guide.map((g, i) => a * g + b * z[i]);
}

/** The guide noised to t0, clipped to [−1, 1] as an image. */
export function noisedGuide(guide: Float32Array, schedule: Schedule, t0: number, seed: number): Float32Array {
  return noisedToT0(guide, schedule, t0, seed).map((v) => Math.max(-1, Math.min(1, v)));
}
