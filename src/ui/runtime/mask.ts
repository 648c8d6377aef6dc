// Mask resampling for the runtime (single-channel float masks in [0, 1], row-major H×W).

/** Bilinear resample (area-averaged when shrinking) of a float mask. */
export function resizeMask(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  if (sw === dw && sh === dh) return new Float32Array(src);
  const out = new Float32Array(dw * dh);
  if (dw <= sw && dh <= sh) {
    // box filter over the source footprint of each destination pixel
    const sx = sw / dw;
    const sy = sh / dh;
    for (let y = 0; y < dh; y++) {
      const y0 = y * sy;
      const y1 = y0 + sy;
      for (let x = 0; x < dw; x++) {
        const x0 = x * sx;
        const x1 = x0 + sx;
        let acc = 0;
        let wsum = 0;
        for (let yy = Math.floor(y0); yy < Math.ceil(y1); yy++) {
          const wy = Math.min(yy + 1, y1) - Math.max(yy, y0);
          for (let xx = Math.floor(x0); xx < Math.ceil(x1); xx++) {
            const wx = Math.min(xx + 1, x1) - Math.max(xx, x0);
            acc += src[yy * sw + xx] * wx * wy;
            wsum += wx * wy;
          }
        }
        out[y * dw + x] = acc / wsum;
      }
    }
    return out;
  }
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * sh) / dh - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const ty = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * sw) / dw - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const tx = fx - x0;
      const a = src[y0 * sw + x0] * (1 - tx) + src[y0 * sw + x1] * tx;
      const b = src[y1 * sw + x0] * (1 - tx) + src[y1 * sw + x1] * tx;
      out[y * dw + x] = a * (1 - ty) + b * ty;
    }
  }
  return out;
}

/** Fraction of the mask that will be edited (values above 1/255 count). */
export function maskCoverage(mask: Float32Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] > 1 / 255) n++;
  return mask.length ? n / mask.length : 0;
}

/** Hard-threshold small values to 0 so "keep" means exactly keep after resampling. */
export function snapMask(mask: Float32Array): Float32Array {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] < 1 / 255) mask[i] = 0;
    else if (mask[i] > 254 / 255) mask[i] = 1;
  }
  return mask;
}
