// Compositing helpers for masks [H×W] in [0, 1] (1 = edit, 0 = keep).

// Local alias: a global lookup per call is slow inside vm contexts (jest), so hot loops
// reach Math through a module constant.
const M = Math;

/**
 * A mask from an asset's alpha (image compositing: the pasted asset is the region to edit).
 * With a threshold in [0, 1): 1 where α/255 > threshold, else 0. With `null`: the soft alpha.
 */
export function maskFromAlpha(rgba: Uint8Array | Uint8ClampedArray, w: number, h: number, threshold: number | null = 0.5): Float32Array {
  const HW = w * h;
  if (rgba.length !== 4 * HW) throw new Error(`maskFromAlpha: ${rgba.length} bytes for ${w}×${h} RGBA (need ${4 * HW})`);
  const out = new Float32Array(HW);
  for (let p = 0; p < HW; p++) {
    const a = rgba[4 * p + 3] / 255;
    out[p] = threshold === null ? a : a > threshold ? 1 : 0;
  }
  return out;
}

/** Sliding max over [x − r, x + r] of each row of src (h rows of w) into dst; 0 outside
 *  (masks are ≥ 0). van Herk / Gil-Werman: three passes, independent of r. */
function rowMax(src: Float32Array, dst: Float32Array, w: number, h: number, r: number, pre: Float32Array, suf: Float32Array): void {
  const k = 2 * r + 1;
  const L = w + 2 * r; // padded row
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = 0; i < L; i++) {
      const xi = i - r;
      const v = xi >= 0 && xi < w ? src[row + xi] : 0;
      pre[i] = i % k === 0 ? v : M.max(pre[i - 1], v);
    }
    for (let i = L - 1; i >= 0; i--) {
      const xi = i - r;
      const v = xi >= 0 && xi < w ? src[row + xi] : 0;
      suf[i] = i === L - 1 || (i + 1) % k === 0 ? v : M.max(suf[i + 1], v);
    }
    // window of output x in padded coordinates: [x, x + k − 1]
    for (let x = 0; x < w; x++) dst[row + x] = M.max(suf[x], pre[x + k - 1]);
  }
}

/** Grow the mask by a disc of radius r pixels (a max filter; soft values grow too). */
export function dilateMask(mask: Float32Array, w: number, h: number, radiusPx: number): Float32Array {
  if (mask.length !== w * h) throw new Error(`dilateMask: ${mask.length} values for ${w}×${h}`);
  const out = mask.slice();
  const r = M.floor(radiusPx);
  if (!(r >= 1)) return out;
  // half-widths of the disc's rows: dy → floor(√(r² − dy²)); rows sharing a width share a pass
  const byWidth = new Map<number, number[]>();
  for (let dy = -r; dy <= r; dy++) {
    const hw = M.floor(M.sqrt(radiusPx * radiusPx - dy * dy) + 1e-9);
    const list = byWidth.get(hw);
    if (list) list.push(dy);
    else byWidth.set(hw, [dy]);
  }
  const tmp = new Float32Array(w * h);
  const pre = new Float32Array(w + 2 * r + 1);
  const suf = new Float32Array(w + 2 * r + 1);
  for (const [hw, dys] of byWidth) {
    rowMax(mask, tmp, w, h, hw, pre, suf);
    for (const dy of dys) {
      for (let y = M.max(0, -dy); y < M.min(h, h - dy); y++) {
        const o = y * w;
        const s = (y + dy) * w;
        for (let x = 0; x < w; x++) if (tmp[s + x] > out[o + x]) out[o + x] = tmp[s + x];
      }
    }
  }
  return out;
}

/** Box blur of radius r along rows then columns (edge values extend past the border). */
function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const inv = 1 / (2 * r + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let i = -r; i <= r; i++) s += src[row + M.min(w - 1, M.max(0, i))];
    for (let x = 0; x < w; x++) {
      tmp[row + x] = s * inv;
      s += src[row + M.min(w - 1, x + r + 1)] - src[row + M.max(0, x - r)];
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) s += tmp[M.min(h - 1, M.max(0, i)) * w + x];
    for (let y = 0; y < h; y++) {
      out[y * w + x] = s * inv;
      s += tmp[M.min(h - 1, y + r + 1) * w + x] - tmp[M.max(0, y - r) * w + x];
    }
  }
  return out;
}

/**
 * Soften the mask's edge over about `radiusPx` pixels, so an edit blends into what is kept.
 * - 'outward' (default): the edit region keeps the value it had (max with the input) and a ramp
 *   from ~1 at its edge to 0 about radiusPx outside is added: nothing that was to be edited is
 *   weakened. (Dilate by r/2, then a triangle blur of half-width ≈ r/2.)
 * - 'symmetric': a plain triangle blur of half-width ≈ r across the edge.
 */
export function featherMask(mask: Float32Array, w: number, h: number, radiusPx: number, mode: 'outward' | 'symmetric' = 'outward'): Float32Array {
  if (mask.length !== w * h) throw new Error(`featherMask: ${mask.length} values for ${w}×${h}`);
  if (!(radiusPx >= 1)) return mask.slice();
  if (mode === 'symmetric') {
    const rho = M.max(1, M.round(radiusPx / 2));
    const out = boxBlur(boxBlur(mask, w, h, rho), w, h, rho);
    for (let i = 0; i < out.length; i++) out[i] = M.min(1, M.max(0, out[i]));
    return out;
  }
  const half = radiusPx / 2;
  const rho = M.max(1, M.round(half / 2));
  const grown = half >= 1 ? dilateMask(mask, w, h, half) : mask;
  const out = boxBlur(boxBlur(grown, w, h, rho), w, h, rho);
  for (let i = 0; i < out.length; i++) out[i] = M.min(1, M.max(mask[i], out[i]));
  return out;
}

/**
 * How much of the image is edited: the mean of the mask, so a pixel at 0.5 counts half (0 =
 * nothing to edit, 1 = everything). A caller asking "is anything edited at all" compares it with
 * 0, which is the same question for a mask ≥ 0.
 */
export function maskCoverage(mask: Float32Array): number {
  if (mask.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += mask[i];
  return s / mask.length;
}

/**
 * Snap values within one 8-bit level of 0 or 1 to exactly 0 or 1, in place (returns `mask`):
 * resampling and blurring leave tiny non-zero values, and "keep" must mean exactly keep.
 */
export function snapMask(mask: Float32Array): Float32Array {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] < 1 / 255) mask[i] = 0;
    else if (mask[i] > 254 / 255) mask[i] = 1;
  }
  return mask;
}
