import { chwToRgba, cropChw, maskFromRgba, padToMultiple, resizeChw, resizeMask, rgbaToChw } from '../../src/core/image';
import { dilateMask, featherMask, maskCoverage, maskFromAlpha } from '../../src/core/mask';
import { downsampledL2, medianFilter, quantizeColors, simulateStrokes } from '../../src/core/strokes';
import { testNormals } from './analytic';

describe('RGBA ↔ CHW', () => {
  test('every opaque byte value survives the round trip, channels are planar', () => {
    const w = 256;
    const h = 3;
    const rgba = new Uint8ClampedArray(4 * w * h);
    for (let p = 0; p < w * h; p++) {
      rgba[4 * p] = p % 256;
      rgba[4 * p + 1] = (p * 7) % 256;
      rgba[4 * p + 2] = 255 - (p % 256);
      rgba[4 * p + 3] = 255;
    }
    const chw = rgbaToChw(rgba, w, h);
    expect(chw[0]).toBe(-1);
    expect(chw[255]).toBe(1);
    expect(chw[w * h]).toBe(-1); // G of pixel 0
    expect(Array.from(chwToRgba(chw, w, h))).toEqual(Array.from(rgba));
  });

  test('transparent pixels are composited over white; output is clipped and opaque', () => {
    const chw = rgbaToChw(new Uint8ClampedArray([0, 0, 0, 0, 0, 0, 0, 51]), 2, 1);
    const want = [1, 0.6, 1, 0.6, 1, 0.6]; // α = 0 → white; α = 0.2 over black → 0.8 → 0.6
    want.forEach((v, i) => expect(chw[i]).toBeCloseTo(v, 6));
  });

  test('grey images and out-of-range values', () => {
    expect(Array.from(chwToRgba(new Float32Array([-3, 0, 3, NaN]), 4, 1))).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 128, 128, 128, 255]);
    expect(() => chwToRgba(new Float32Array(8), 2, 2)).toThrow();
  });
});

describe('resize, crop, pad', () => {
  test('area average when shrinking by an integer factor is the block mean', () => {
    const h = 6, w = 8;
    const x = Float32Array.from(testNormals(1, 2 * h * w));
    const y = resizeChw(x, 2, h, w, 3, 4);
    for (let ch = 0; ch < 2; ch++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++) {
          let s = 0;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += x[ch * h * w + (2 * i + dy) * w + 2 * j + dx];
          expect(y[ch * 12 + i * 4 + j]).toBeCloseTo(s / 4, 6);
        }
  });

  test('non-integer shrink keeps the mean; enlarging is bilinear and keeps linear ramps', () => {
    const h = 7, w = 10;
    const x = Float32Array.from(testNormals(2, h * w));
    const y = resizeChw(x, 1, h, w, 3, 4);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(y)).toBeCloseTo(mean(x), 5);
    // ramp v = x-coordinate of the pixel centre: bilinear reproduces it inside
    const ramp = new Float32Array(4 * 5).map((_, k) => k % 5);
    const up = resizeChw(ramp, 1, 4, 5, 8, 10);
    for (let j = 1; j < 9; j++) expect(up[3 * 10 + j]).toBeCloseTo((j + 0.5) / 2 - 0.5, 6);
    expect(up[0]).toBe(0); // clamped edge
    const c = Float32Array.from({ length: 12 }, () => 0.25);
    for (const v of resizeChw(c, 1, 3, 4, 11, 5)) expect(v).toBeCloseTo(0.25, 6);
  });

  test('reflect padding to a multiple and cropping back, also for a batch', () => {
    const c = 2, h = 5, w = 3;
    const x = Float32Array.from({ length: c * h * w }, (_, i) => i);
    const p = padToMultiple(x, c, h, w, 4);
    expect([p.h, p.w]).toEqual([8, 4]);
    // row 5 reflects row 3, row 7 reflects row 1; column 3 reflects column 1
    expect(p.data[0 * 32 + 5 * 4 + 0]).toBe(x[3 * 3 + 0]);
    expect(p.data[0 * 32 + 7 * 4 + 2]).toBe(x[1 * 3 + 2]);
    expect(p.data[1 * 32 + 0 * 4 + 3]).toBe(x[15 + 1]);
    expect(Array.from(p.crop(p.data))).toEqual(Array.from(x));
    const two = new Float32Array(2 * p.data.length);
    two.set(p.data);
    two.set(p.data, p.data.length);
    expect(Array.from(p.crop(two))).toEqual([...x, ...x]);
    expect(Array.from(cropChw(x, c, h, w, 1, 1, 2, 2))).toEqual([4, 5, 7, 8, 19, 20, 22, 23]);
    expect(() => cropChw(x, c, h, w, 4, 0, 2, 1)).toThrow();
    // a 1-pixel image pads by repetition
    expect(Array.from(padToMultiple(new Float32Array([7]), 1, 1, 1, 3).data)).toEqual(new Array(9).fill(7));
  });
});

describe('masks', () => {
  test('from RGBA: white = 1, black = 0, times alpha', () => {
    const m = maskFromRgba(new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0, 255, 255, 255, 102]), 4, 1);
    expect(Array.from(m)).toEqual([1, 0, 0, expect.any(Number)]);
    expect(m[3]).toBeCloseTo(0.4, 6);
    expect(Array.from(maskFromAlpha(new Uint8ClampedArray([0, 0, 0, 200, 0, 0, 0, 100, 0, 0, 0, 0]), 3, 1))).toEqual([1, 0, 0]);
    expect(maskFromAlpha(new Uint8ClampedArray([0, 0, 0, 51]), 1, 1, null)[0]).toBeCloseTo(0.2, 6);
    const r = resizeMask(new Float32Array([0, 1, 1, 0]), 2, 2, 1, 1);
    expect(r[0]).toBeCloseTo(0.5, 6);
  });

  test('dilation is a max over a disc (compared with brute force)', () => {
    const w = 23, h = 17;
    const u = testNormals(5, w * h);
    const m = Float32Array.from(u, (v) => (v > 1.6 ? 1 : v > 1.4 ? 0.5 : 0));
    for (const r of [1, 2.5, 4, 9]) {
      const d = dilateMask(m, w, h, r);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let best = 0;
          for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) if ((yy - y) ** 2 + (xx - x) ** 2 <= r * r + 1e-9) best = Math.max(best, m[yy * w + xx]);
          if (d[y * w + x] !== best) throw new Error(`r ${r} at (${x}, ${y}): ${d[y * w + x]} ≠ ${best}`);
        }
    }
    expect(Array.from(dilateMask(m, w, h, 0))).toEqual(Array.from(m));
  });

  test('outward feathering keeps the edit region and ramps to 0 about r pixels outside', () => {
    const w = 64, h = 64, r = 8;
    const m = new Float32Array(w * h);
    for (let y = 20; y < 44; y++) for (let x = 20; x < 44; x++) m[y * w + x] = 1;
    const f = featherMask(m, w, h, r);
    for (let i = 0; i < m.length; i++) if (m[i] === 1) expect(f[i]).toBe(1);
    const row = 32;
    expect(f[row * w + 44]).toBeGreaterThan(0.6); // just outside the edge
    expect(f[row * w + 44 + r + 1]).toBe(0); // beyond r
    for (let x = 44; x < 60; x++) expect(f[row * w + x + 1]).toBeLessThanOrEqual(f[row * w + x]);
    const sym = featherMask(m, w, h, r, 'symmetric');
    expect(sym[row * w + 43]).toBeLessThan(1); // softened inside too
    expect(sym[row * w + 43]).toBeGreaterThan(0.4);
    expect(maskCoverage(m)).toBeCloseTo((24 * 24) / (64 * 64), 9);
    expect(maskCoverage(f)).toBeGreaterThan(maskCoverage(m));
    expect(maskCoverage(new Float32Array(10))).toBe(0);
  });
});

describe('stroke simulation', () => {
  const c = 3, h = 64, w = 48;
  const img = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) img[ch * h * w + y * w + x] = Math.sin((x + 3 * ch) / 9) * Math.cos(y / 13) * 0.8 + 0.05 * Math.sin(x * y);

  test('coarse blocks of at most `colors` colours, deterministic, close to the image at low resolution', () => {
    const s = simulateStrokes(img, c, h, w, { downsample: 8, colors: 5, seed: 1 });
    expect(Array.from(s)).toEqual(Array.from(simulateStrokes(img, c, h, w, { downsample: 8, colors: 5, seed: 1 })));
    const colours = new Set<string>();
    for (let p = 0; p < h * w; p++) colours.add([0, 1, 2].map((ch) => s[ch * h * w + p]).join(','));
    expect(colours.size).toBeLessThanOrEqual(5);
    expect(colours.size).toBeGreaterThan(2);
    // constant on 8×8 cells
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(s[y * w + x]).toBe(s[(y - (y % 8)) * w + (x - (x % 8))]);
    const flat = new Float32Array(c * h * w);
    expect(downsampledL2(img, s, c, h, w)).toBeLessThan(0.5 * downsampledL2(img, flat, c, h, w));
  });

  test('median filter removes an isolated spike; k-means finds two clusters', () => {
    const x = new Float32Array(25);
    x[12] = 5;
    expect(Math.max(...medianFilter(x, 1, 5, 5, 1))).toBe(0);
    const two = Float32Array.from({ length: 20 }, (_, i) => (i < 10 ? -0.5 : 0.7) + (i % 3) * 0.01);
    const { palette } = quantizeColors(two, 1, 4, 5, 2, 3);
    expect(Array.from(palette).sort((a, b) => a - b).map((v) => Math.round(v * 100) / 100)).toEqual([-0.49, 0.71]);
  });

  test('downsampled L2 is the norm of the difference of area-downsampled images', () => {
    const a = Float32Array.from(testNormals(8, 3 * 16 * 16));
    const b = new Float32Array(a.length);
    expect(downsampledL2(a, a, 3, 16, 16, 4)).toBe(0);
    const da = resizeChw(a, 3, 16, 16, 4, 4);
    const want = Math.sqrt(da.reduce((s, v) => s + v * v, 0));
    expect(downsampledL2(a, b, 3, 16, 16, 4)).toBeCloseTo(want, 5);
  });
});
