// Stroke simulation for evaluation (SDEdit, stroke-based synthesis): turn a real image into
// something like a coarse colour-stroke painting — downsample, median filter, quantise to a few
// colours, upsample with nearest neighbour — and the paper's faithfulness metric, the L2
// distance between images downsampled to the stroke resolution.
import { resizeChw } from './image';
import { streamId, uniform } from './rng';

// Local alias: a global lookup per call is slow inside vm contexts (jest), so hot loops
// reach Math through a module constant.
const M = Math;
const INF = 1 / 0;

export interface StrokeOptions {
  /** downsampling factor (stroke cell size in pixels); default 8 */
  downsample?: number;
  /** median filter radius at the low resolution (window (2r+1)²); default 1 */
  medianRadius?: number;
  /** number of colours after quantisation; default 6 */
  colors?: number;
  /** seed of the k-means++ initialisation; default 0 */
  seed?: number;
  /** Lloyd iterations; default 20 */
  iterations?: number;
}

/** Per-channel median over a (2r+1)² window, borders clamped. */
export function medianFilter(chw: Float32Array, c: number, h: number, w: number, r: number): Float32Array {
  if (r < 1) return chw.slice();
  const out = new Float32Array(chw.length);
  const win = new Float32Array((2 * r + 1) * (2 * r + 1));
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let n = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = M.min(h - 1, M.max(0, y + dy));
          for (let dx = -r; dx <= r; dx++) {
            const xx = M.min(w - 1, M.max(0, x + dx));
            // insertion into the sorted window
            const v = chw[base + yy * w + xx];
            let i = n++;
            while (i > 0 && win[i - 1] > v) {
              win[i] = win[i - 1];
              i--;
            }
            win[i] = v;
          }
        }
        out[base + y * w + x] = win[n >> 1];
      }
    }
  }
  return out;
}

/**
 * k-means colour quantisation of C×H×W (deterministic: k-means++ seeding from the seeded RNG,
 * then Lloyd iterations). Returns the quantised image and the palette (k×C).
 */
export function quantizeColors(chw: Float32Array, c: number, h: number, w: number, k: number, seed = 0, iterations = 20): { image: Float32Array; palette: Float32Array } {
  const HW = h * w;
  k = M.max(1, M.min(k, HW));
  const pal = new Float32Array(k * c);
  const d2 = new Float64Array(HW);
  const u = uniform(seed, streamId(0x5354524b), new Float64Array(k));
  const dist = (p: number, q: number): number => {
    let s = 0;
    for (let ch = 0; ch < c; ch++) {
      const d = chw[ch * HW + p] - pal[q * c + ch];
      s += d * d;
    }
    return s;
  };
  // k-means++: first centre at a seeded pixel, next ones with probability ∝ squared distance
  let pick = M.min(HW - 1, M.floor(u[0] * HW));
  for (let q = 0; q < k; q++) {
    if (q > 0) {
      let total = 0;
      for (let p = 0; p < HW; p++) total += d2[p];
      pick = 0;
      if (total > 0) {
        let target = u[q] * total;
        for (let p = 0; p < HW; p++) {
          target -= d2[p];
          if (target <= 0) {
            pick = p;
            break;
          }
        }
      }
    }
    for (let ch = 0; ch < c; ch++) pal[q * c + ch] = chw[ch * HW + pick];
    for (let p = 0; p < HW; p++) {
      const d = dist(p, q);
      if (q === 0 || d < d2[p]) d2[p] = d;
    }
  }
  const assign = new Int32Array(HW);
  const sums = new Float64Array(k * c);
  const counts = new Int32Array(k);
  for (let it = 0; it <= iterations; it++) {
    let changed = false;
    for (let p = 0; p < HW; p++) {
      let best = 0;
      let bd = INF;
      for (let q = 0; q < k; q++) {
        const d = dist(p, q);
        if (d < bd) {
          bd = d;
          best = q;
        }
      }
      if (assign[p] !== best || it === 0) changed = true;
      assign[p] = best;
    }
    if (!changed || it === iterations) break;
    sums.fill(0);
    counts.fill(0);
    for (let p = 0; p < HW; p++) {
      const q = assign[p];
      counts[q]++;
      for (let ch = 0; ch < c; ch++) sums[q * c + ch] += chw[ch * HW + p];
    }
    for (let q = 0; q < k; q++) if (counts[q] > 0) for (let ch = 0; ch < c; ch++) pal[q * c + ch] = sums[q * c + ch] / counts[q];
  }
  const image = new Float32Array(c * HW);
  for (let p = 0; p < HW; p++) for (let ch = 0; ch < c; ch++) image[ch * HW + p] = pal[assign[p] * c + ch];
  return { image, palette: pal };
}

/** The size strokes are painted at: max(1, round(size / factor)) per axis. */
export function strokeSize(h: number, w: number, factor: number): [number, number] {
  return [M.max(1, M.round(h / factor)), M.max(1, M.round(w / factor))];
}

/** Nearest-neighbour upsampling of C×h×w to C×H×W. */
export function upsampleNearest(chw: Float32Array, c: number, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(c * H * W);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < H; y++) {
      const sy = M.min(h - 1, M.floor(((y + 0.5) * h) / H));
      for (let x = 0; x < W; x++) {
        const sx = M.min(w - 1, M.floor(((x + 0.5) * w) / W));
        out[ch * H * W + y * W + x] = chw[ch * h * w + sy * w + sx];
      }
    }
  }
  return out;
}

/** Simulated colour strokes of a C×H×W image, same size, values from the image's range. */
export function simulateStrokes(chw: Float32Array, c: number, h: number, w: number, opts: StrokeOptions = {}): Float32Array {
  if (chw.length !== c * h * w) throw new Error(`simulateStrokes: ${chw.length} values for ${c}×${h}×${w}`);
  const [hs, ws] = strokeSize(h, w, opts.downsample ?? 8);
  const small = resizeChw(chw, c, h, w, hs, ws);
  const smooth = medianFilter(small, c, hs, ws, opts.medianRadius ?? 1);
  const { image } = quantizeColors(smooth, c, hs, ws, opts.colors ?? 6, opts.seed ?? 0, opts.iterations ?? 20);
  return upsampleNearest(image, c, hs, ws, h, w);
}

/**
 * The paper's stroke faithfulness: L2 norm of the difference of two C×H×W images after area
 * downsampling both by `factor` (in the images' own units, e.g. [−1, 1]).
 */
export function downsampledL2(a: Float32Array, b: Float32Array, c: number, h: number, w: number, factor = 8): number {
  if (a.length !== c * h * w || b.length !== a.length) throw new Error('downsampledL2: images must both be C×H×W');
  const [hs, ws] = strokeSize(h, w, factor);
  const da = resizeChw(a, c, h, w, hs, ws);
  const db = resizeChw(b, c, h, w, hs, ws);
  let s = 0;
  for (let i = 0; i < da.length; i++) {
    const d = da[i] - db[i];
    s += d * d;
  }
  return M.sqrt(s);
}
