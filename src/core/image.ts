// Image ↔ tensor helpers. Tensors are planar C×H×W Float32Arrays in [−1, 1]; RGBA is
// interleaved 8-bit (ImageData layout).

// Local alias: a global lookup per call is slow inside vm contexts (jest), so hot loops
// reach Math through a module constant.
const M = Math;

/**
 * RGBA → C×H×W (C = 3) in [−1, 1]. Transparent pixels are composited over white
 * (value·α + 1·(1 − α)), which is what the Figma canvas shows under an unfilled frame; a guide
 * exported from a frame with a fill is opaque and unaffected.
 */
export function rgbaToChw(rgba: Uint8Array | Uint8ClampedArray, w: number, h: number): Float32Array {
  const HW = w * h;
  if (rgba.length !== 4 * HW) throw new Error(`rgbaToChw: ${rgba.length} bytes for ${w}×${h} RGBA (need ${4 * HW})`);
  const out = new Float32Array(3 * HW);
  for (let p = 0; p < HW; p++) {
    const a = rgba[4 * p + 3] / 255;
    for (let ch = 0; ch < 3; ch++) {
      const v = (rgba[4 * p + ch] / 255) * a + (1 - a);
      out[ch * HW + p] = 2 * v - 1;
    }
  }
  return out;
}

/** C×H×W in [−1, 1] → RGBA bytes (clipped, rounded; α = 255). C = 1 is shown as grey. */
export function chwToRgba(chw: Float32Array, w: number, h: number): Uint8ClampedArray {
  const HW = w * h;
  const c = chw.length / HW;
  if (c !== 1 && c !== 3) throw new Error(`chwToRgba: ${chw.length} values is neither 1 nor 3 channels of ${w}×${h}`);
  const out = new Uint8ClampedArray(4 * HW);
  for (let p = 0; p < HW; p++) {
    for (let ch = 0; ch < 3; ch++) {
      let v = chw[(c === 1 ? 0 : ch) * HW + p];
      v = v > 1 ? 1 : v < -1 ? -1 : v !== v ? 0 : v;
      out[4 * p + ch] = M.round(((v + 1) / 2) * 255);
    }
    out[4 * p + 3] = 255;
  }
  return out;
}

interface Taps {
  /** first input index of each output */
  start: Int32Array;
  /** number of taps of each output */
  len: Int32Array;
  /** weights, maxLen per output */
  weight: Float64Array;
  maxLen: number;
}

/** 1-D resampling taps: area average when shrinking, bilinear (half-pixel centres, clamped
 *  edges) when enlarging or keeping the size. */
function taps(n: number, m: number): Taps {
  const start = new Int32Array(m);
  const len = new Int32Array(m);
  if (m < n) {
    const scale = n / m;
    const maxLen = M.ceil(scale) + 1;
    const weight = new Float64Array(m * maxLen);
    for (let j = 0; j < m; j++) {
      const lo = j * scale;
      const hi = (j + 1) * scale;
      const i0 = M.floor(lo);
      const i1 = M.min(n, M.ceil(hi));
      start[j] = i0;
      len[j] = i1 - i0;
      for (let i = i0; i < i1; i++) {
        const overlap = M.min(hi, i + 1) - M.max(lo, i);
        weight[j * maxLen + (i - i0)] = overlap / scale;
      }
    }
    return { start, len, weight, maxLen };
  }
  const maxLen = 2;
  const weight = new Float64Array(m * 2);
  const scale = n / m;
  for (let j = 0; j < m; j++) {
    let src = (j + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    if (src > n - 1) src = n - 1;
    const i0 = M.floor(src);
    const f = src - i0;
    start[j] = i0;
    if (f > 0 && i0 + 1 < n) {
      len[j] = 2;
      weight[2 * j] = 1 - f;
      weight[2 * j + 1] = f;
    } else {
      len[j] = 1;
      weight[2 * j] = 1;
    }
  }
  return { start, len, weight, maxLen };
}

/** Resize C×H×W to C×newH×newW (separable; area average when downscaling an axis, bilinear
 *  when upscaling it). */
export function resizeChw(chw: Float32Array, c: number, h: number, w: number, newH: number, newW: number): Float32Array {
  if (chw.length !== c * h * w) throw new Error(`resizeChw: ${chw.length} values for ${c}×${h}×${w}`);
  if (!(newH >= 1 && newW >= 1 && Number.isInteger(newH) && Number.isInteger(newW))) {
    throw new Error(`resizeChw: bad target size ${newW}×${newH}`);
  }
  if (newH === h && newW === w) return chw.slice();
  const tx = taps(w, newW);
  const ty = taps(h, newH);
  const tmp = new Float64Array(h * newW); // one channel, rows resampled
  const out = new Float32Array(c * newH * newW);
  for (let ch = 0; ch < c; ch++) {
    const src = ch * h * w;
    for (let y = 0; y < h; y++) {
      const row = src + y * w;
      for (let j = 0; j < newW; j++) {
        let s = 0;
        const st = tx.start[j];
        const base = j * tx.maxLen;
        for (let q = 0; q < tx.len[j]; q++) s += tx.weight[base + q] * chw[row + st + q];
        tmp[y * newW + j] = s;
      }
    }
    const dst = ch * newH * newW;
    for (let i = 0; i < newH; i++) {
      const st = ty.start[i];
      const base = i * ty.maxLen;
      const L = ty.len[i];
      for (let j = 0; j < newW; j++) {
        let s = 0;
        for (let q = 0; q < L; q++) s += ty.weight[base + q] * tmp[(st + q) * newW + j];
        out[dst + i * newW + j] = s;
      }
    }
  }
  return out;
}

/** Crop a C×H×W tensor to the rectangle (top, left, cropH, cropW). */
export function cropChw(chw: Float32Array, c: number, h: number, w: number, top: number, left: number, cropH: number, cropW: number): Float32Array {
  if (chw.length !== c * h * w) throw new Error(`cropChw: ${chw.length} values for ${c}×${h}×${w}`);
  if (top < 0 || left < 0 || cropH < 0 || cropW < 0 || top + cropH > h || left + cropW > w) {
    throw new Error(`cropChw: rectangle ${cropW}×${cropH} at (${left}, ${top}) is outside ${w}×${h}`);
  }
  const out = new Float32Array(c * cropH * cropW);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < cropH; y++) {
      const from = ch * h * w + (top + y) * w + left;
      out.set(chw.subarray(from, from + cropW), ch * cropH * cropW + y * cropW);
    }
  }
  return out;
}

/** Reflect an index into [0, n) without repeating the edge (numpy 'reflect'). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

export interface Padded {
  data: Float32Array;
  h: number;
  w: number;
  /** Crop a C×H'×W' (or N×C×H'×W') tensor at the padded size back to the original size. */
  crop(t: Float32Array, channels?: number): Float32Array;
}

/** The size padToMultiple pads h×w to: the next multiples of m. */
export function paddedSize(h: number, w: number, m: number): { h: number; w: number } {
  if (!(Number.isInteger(m) && m >= 1)) throw new Error(`padToMultiple: multiple must be a positive integer, got ${m}`);
  return { h: M.ceil(h / m) * m, w: M.ceil(w / m) * m };
}

/** Reflect-pad C×H×W at the bottom and right to multiples of m (a model's spatial multiple). */
export function padToMultiple(chw: Float32Array, c: number, h: number, w: number, m: number): Padded {
  if (chw.length !== c * h * w) throw new Error(`padToMultiple: ${chw.length} values for ${c}×${h}×${w}`);
  const { h: H, w: W } = paddedSize(h, w, m);
  let data: Float32Array;
  if (H === h && W === w) data = chw.slice();
  else {
    data = new Float32Array(c * H * W);
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < H; y++) {
        const sy = reflect(y, h);
        for (let x = 0; x < W; x++) data[ch * H * W + y * W + x] = chw[ch * h * w + sy * w + reflect(x, w)];
      }
    }
  }
  const crop = (t: Float32Array, channels = c): Float32Array => {
    const per = channels * H * W;
    if (t.length % per !== 0) throw new Error(`padToMultiple.crop: ${t.length} values is not a multiple of ${channels}×${H}×${W}`);
    const n = t.length / per;
    const out = new Float32Array(n * channels * h * w);
    for (let b = 0; b < n; b++) {
      out.set(cropChw(t.subarray(b * per, (b + 1) * per), channels, H, W, 0, 0, h, w), b * channels * h * w);
    }
    return out;
  };
  return { data, h: H, w: W, crop };
}

/**
 * A mask [H×W] in [0, 1] from an RGBA mask image: luma (white = edit) times alpha. The luma is
 * Rec. 601's, in integer weights (299, 587, 114 per mille): they sum to exactly 1000, so a grey
 * pixel (r = g = b) reads as exactly r / 255 and white as exactly 1; the masks the sandbox draws
 * are white or grey, and Rec. 709's fractional weights do not sum to 1 in floating point. The CLI
 * and the panel both read masks through this one function.
 */
export function maskFromRgba(rgba: Uint8Array | Uint8ClampedArray, w: number, h: number): Float32Array {
  const HW = w * h;
  if (rgba.length !== 4 * HW) throw new Error(`maskFromRgba: ${rgba.length} bytes for ${w}×${h} RGBA (need ${4 * HW})`);
  const out = new Float32Array(HW);
  for (let p = 0; p < HW; p++) {
    const luma = (299 * rgba[4 * p] + 587 * rgba[4 * p + 1] + 114 * rgba[4 * p + 2]) / 255000; // white → exactly 1
    const v = luma * (rgba[4 * p + 3] / 255);
    out[p] = v > 1 ? 1 : v;
  }
  return out;
}

/** Resize a mask [H×W] (area/bilinear like resizeChw), clamped to [0, 1]. */
export function resizeMask(mask: Float32Array, h: number, w: number, newH: number, newW: number): Float32Array {
  const out = resizeChw(mask, 1, h, w, newH, newW);
  for (let i = 0; i < out.length; i++) out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
  return out;
}
