// Image statistics of the v1 / v2 comparison (compare.ts), each defined once, as pure functions
// of C×H×W images in [−1, 1] (or of a luminance plane):
//
//   luminance        Y = 0.299 R + 0.587 G + 0.114 B with R, G, B in [0, 1] (Rec. 601);
//   laplacianStd     high-frequency energy: the standard deviation of the 4-neighbour Laplacian
//                    4·Y(x,y) − Y(x±1,y) − Y(x,y±1) over the interior pixels (a flat region gives
//                    0; white noise of std s gives s·√20);
//   spectrumSlope    the log-log slope of the radially averaged power spectrum of Y (mean
//                    removed, Hann window, 2-D DFT), fitted by least squares over SLOPE_BANDS
//                    log-spaced bands of radius SLOPE_R_MIN … N/2 cycles per image (white noise
//                    ≈ 0, natural photographs ≈ −2, flat colour regions with sharp edges ≈ −3);
//   edgeRetention    structure kept: the share of the guide's strong edges (Sobel magnitude of Y
//                    at EDGE_GRID² above its EDGE_QUANTILE quantile) that have a strong edge of the
//                    result (by the same rule) within EDGE_RADIUS px (Euclidean);
//   l2Rms32          faithfulness: RMS of (result − guide) after area-downsampling both to
//                    32×32 (values in [−1, 1]), i.e. core's downsampledL2 / √(3·32²);
//   gapShare         where a result's value lies on the way from the guide's value (0) to the
//                    photographs' (1), signed: above 1 overshoots (e.g. more high-frequency energy
//                    than photographs: noise);
//   gapClosed        the share of that gap closed, overshoot counted against it: 1 − |1 − gapShare|
//                    (1 = as the photographs; 0 = as far from them as the guide, on either side).
import { downsampledL2, resizeChw } from '../../core';

const M = Math;

export const SLOPE_R_MIN = 4;
export const SLOPE_BANDS = 10;
export const EDGE_GRID = 64;
export const EDGE_QUANTILE = 0.9;
export const EDGE_RADIUS = 2;
export const L2_GRID = 32;

function checkChw(chw: Float32Array, c: number, h: number, w: number, who: string): void {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0) || chw.length !== c * h * w) {
    throw new Error(`${who}: expected a ${c}×${h}×${w} image, got ${chw.length} values`);
  }
}

/** Luminance in [0, 1] of a 3×h×w image in [−1, 1]. */
export function luminance(chw: Float32Array, h: number, w: number): Float64Array {
  checkChw(chw, 3, h, w, 'luminance');
  const HW = h * w;
  const y = new Float64Array(HW);
  for (let p = 0; p < HW; p++) y[p] = (0.299 * (chw[p] + 1) + 0.587 * (chw[HW + p] + 1) + 0.114 * (chw[2 * HW + p] + 1)) / 2;
  return y;
}

/** Standard deviation of the 4-neighbour Laplacian over the interior pixels of a plane. */
export function laplacianStd(y: Float64Array, h: number, w: number): number {
  if (h < 3 || w < 3 || y.length !== h * w) throw new Error(`laplacianStd: need an h×w plane of at least 3×3, got ${y.length} values for ${h}×${w}`);
  let s = 0;
  let s2 = 0;
  const n = (h - 2) * (w - 2);
  for (let r = 1; r < h - 1; r++) {
    for (let c = 1; c < w - 1; c++) {
      const p = r * w + c;
      const v = 4 * y[p] - y[p - 1] - y[p + 1] - y[p - w] - y[p + w];
      s += v;
      s2 += v * v;
    }
  }
  const m = s / n;
  return M.sqrt(M.max(0, s2 / n - m * m));
}

/** Unnormalised 1-D DFT of each row of an n-column complex matrix, in place (O(n²) per row). */
function dftRows(re: Float64Array, im: Float64Array, rows: number, n: number, cos: Float64Array, sin: Float64Array): void {
  const tr = new Float64Array(n);
  const ti = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0, idx = 0; j < n; j++, idx = (idx + k) % n) {
        const xr = re[o + j];
        const xi = im[o + j];
        sr += xr * cos[idx] + xi * sin[idx];
        si += xi * cos[idx] - xr * sin[idx];
      }
      tr[k] = sr;
      ti[k] = si;
    }
    re.set(tr, o);
    im.set(ti, o);
  }
}

function transpose(a: Float64Array, h: number, w: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(a.length);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[c * h + r] = a[r * w + c];
  return out;
}

const twiddles = (n: number): [Float64Array, Float64Array] => {
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cos[k] = M.cos((2 * M.PI * k) / n);
    sin[k] = M.sin((2 * M.PI * k) / n);
  }
  return [cos, sin];
};

/** |DFT|² of a real h×w plane (row-major, unnormalised). */
export function powerSpectrum(y: Float64Array, h: number, w: number): Float64Array {
  if (y.length !== h * w) throw new Error(`powerSpectrum: ${y.length} values for ${h}×${w}`);
  let re = Float64Array.from(y);
  let im = new Float64Array(h * w);
  const [cw, sw] = twiddles(w);
  dftRows(re, im, h, w, cw, sw);
  re = transpose(re, h, w);
  im = transpose(im, h, w);
  const [ch, sh] = twiddles(h);
  dftRows(re, im, w, h, ch, sh);
  const p = new Float64Array(h * w);
  // back to row-major: element (ky, kx) is at kx·h + ky after the transpose
  for (let ky = 0; ky < h; ky++) for (let kx = 0; kx < w; kx++) p[ky * w + kx] = re[kx * h + ky] ** 2 + im[kx * h + ky] ** 2;
  return p;
}

/** Radially averaged power of a plane (mean removed, Hann window): power[r] for integer radius r
 *  = 0 … ⌊min(h, w)/2⌋ in cycles per image (frequencies scaled to the shorter side). */
export function radialPower(y: Float64Array, h: number, w: number): Float64Array {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  const win = new Float64Array(h * w);
  for (let r = 0; r < h; r++) {
    const wy = 0.5 - 0.5 * M.cos((2 * M.PI * (r + 0.5)) / h);
    for (let c = 0; c < w; c++) win[r * w + c] = (y[r * w + c] - mean) * wy * (0.5 - 0.5 * M.cos((2 * M.PI * (c + 0.5)) / w));
  }
  const p = powerSpectrum(win, h, w);
  const S = M.min(h, w);
  const R = M.floor(S / 2);
  const sum = new Float64Array(R + 1);
  const cnt = new Float64Array(R + 1);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky <= h / 2 ? ky : ky - h) / h;
    for (let kx = 0; kx < w; kx++) {
      const fx = (kx <= w / 2 ? kx : kx - w) / w;
      const r = M.round(M.hypot(fx, fy) * S);
      if (r > R) continue;
      sum[r] += p[ky * w + kx];
      cnt[r]++;
    }
  }
  return sum.map((s, r) => (cnt[r] ? s / cnt[r] : 0));
}

/** Log-log slope of the radially averaged power spectrum (see the header). */
export function spectrumSlope(y: Float64Array, h: number, w: number): number {
  const power = radialPower(y, h, w);
  const rMax = power.length - 1;
  if (rMax < 2 * SLOPE_R_MIN) throw new Error(`spectrumSlope: a ${h}×${w} plane is too small`);
  const lo = M.log(SLOPE_R_MIN);
  const hi = M.log(rMax + 0.5);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let b = 0; b < SLOPE_BANDS; b++) {
    const a = M.exp(lo + ((hi - lo) * b) / SLOPE_BANDS);
    const z = M.exp(lo + ((hi - lo) * (b + 1)) / SLOPE_BANDS);
    let s = 0;
    let n = 0;
    let lr = 0;
    for (let r = M.ceil(a); r < z && r <= rMax; r++) {
      s += power[r];
      lr += M.log(r);
      n++;
    }
    if (n === 0 || s <= 0) continue;
    xs.push(lr / n);
    ys.push(M.log(s / n));
  }
  if (xs.length < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** Sobel gradient magnitude of a plane (borders clamped). */
export function sobelMagnitude(y: Float64Array, h: number, w: number): Float64Array {
  const at = (r: number, c: number) => y[M.min(h - 1, M.max(0, r)) * w + M.min(w - 1, M.max(0, c))];
  const out = new Float64Array(h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const gx = at(r - 1, c + 1) + 2 * at(r, c + 1) + at(r + 1, c + 1) - at(r - 1, c - 1) - 2 * at(r, c - 1) - at(r + 1, c - 1);
      const gy = at(r + 1, c - 1) + 2 * at(r + 1, c) + at(r + 1, c + 1) - at(r - 1, c - 1) - 2 * at(r - 1, c) - at(r - 1, c + 1);
      out[r * w + c] = M.hypot(gx, gy);
    }
  }
  return out;
}

/** The q-quantile of values (linear interpolation between order statistics). */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new Error('quantile: no values');
  const s = Float64Array.from(values).sort();
  const pos = q * (s.length - 1);
  const i = M.floor(pos);
  return i + 1 < s.length ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
}

/** Strong edges of a 3×size×size image: Sobel magnitude of its luminance at EDGE_GRID² above
 *  its EDGE_QUANTILE quantile (and above 1e-6, so a flat image has none). */
export function strongEdges(chw: Float32Array, size: number, grid = EDGE_GRID): Uint8Array {
  checkChw(chw, 3, size, size, 'strongEdges');
  const small = size === grid ? chw : resizeChw(chw, 3, size, size, grid, grid);
  const mag = sobelMagnitude(luminance(small, grid, grid), grid, grid);
  const thr = M.max(1e-6, quantile(mag, EDGE_QUANTILE));
  const out = new Uint8Array(mag.length);
  for (let i = 0; i < mag.length; i++) out[i] = mag[i] > thr ? 1 : 0;
  return out;
}

/** Share of the guide's strong edges with a strong edge of the result within EDGE_RADIUS px
 *  (both 3×size×size). NaN when the guide has no strong edge. */
export function edgeRetention(guide: Float32Array, result: Float32Array, size: number, grid = EDGE_GRID): number {
  const g = strongEdges(guide, size, grid);
  const r = strongEdges(result, size, grid);
  const R = EDGE_RADIUS;
  let n = 0;
  let hit = 0;
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      if (!g[y * grid + x]) continue;
      n++;
      let found = false;
      for (let dy = -R; dy <= R && !found; dy++) {
        for (let dx = -R; dx <= R && !found; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (dx * dx + dy * dy <= R * R && yy >= 0 && yy < grid && xx >= 0 && xx < grid && r[yy * grid + xx]) found = true;
        }
      }
      if (found) hit++;
    }
  }
  return n ? hit / n : NaN;
}

/** RMS difference of two 3×size×size images after area-downsampling both to L2_GRID². */
export function l2Rms32(a: Float32Array, b: Float32Array, size: number): number {
  checkChw(a, 3, size, size, 'l2Rms32');
  if (size % L2_GRID !== 0) throw new Error(`l2Rms32: size ${size} is not a multiple of ${L2_GRID}`);
  return downsampledL2(a, b, 3, size, size, size / L2_GRID) / M.sqrt(3 * L2_GRID * L2_GRID);
}

/** Position of a value on the way from the guide's (0) to the photographs' (1), signed. */
export function gapShare(guide: number, value: number, photos: number): number {
  if (photos === guide) throw new Error('gapShare: the guide and the photographs have the same value');
  return (value - guide) / (photos - guide);
}

/** Share of the guide → photographs gap a value closes, overshoot counted against it. */
export function gapClosed(guide: number, value: number, photos: number): number {
  return 1 - Math.abs(1 - gapShare(guide, value, photos));
}
