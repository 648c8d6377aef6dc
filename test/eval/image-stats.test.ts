// The comparison's image statistics on synthetic images whose answer is known.
import { gaussian } from '../../src/core';
import { edgeRetention, gapClosed, gapShare, l2Rms32, laplacianStd, luminance, quantile, radialPower, spectrumSlope, strongEdges } from '../../src/cli/eval/image-stats';

const M = Math;

/** A grey 3×n×n image in [−1, 1] from a plane of values in [0, 1]. */
function grey(plane: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(3 * n * n);
  for (let c = 0; c < 3; c++) for (let p = 0; p < n * n; p++) out[c * n * n + p] = 2 * plane[p] - 1;
  return out;
}

function noise(n: number, seed: number, std = 1): Float64Array {
  const z = new Float32Array(n * n);
  gaussian(seed, 3, z, 0, z.length);
  return Float64Array.from(z, (v) => std * v);
}

/** A 1/f² (power) random field: random-phase cosines with amplitude 1/f over every frequency up
 *  to n/2 cycles per image, summed directly (independent of the DFT under test). */
function pinkField(n: number, seed: number): Float64Array {
  const z = new Float32Array(2 * (n + 1) * (n + 1));
  gaussian(seed, 5, z, 0, z.length);
  const out = new Float64Array(n * n);
  const cx = new Float64Array(n);
  let k = 0;
  for (let fy = 0; fy <= n / 2; fy++) {
    for (let fx = -n / 2; fx <= n / 2; fx++, k++) {
      const f = M.hypot(fx, fy);
      if (f < 1 || f > n / 2 || (fy === 0 && fx < 0)) continue;
      const phase = M.atan2(z[2 * k + 1], z[2 * k]);
      for (let x = 0; x < n; x++) cx[x] = (2 * M.PI * fx * x) / n;
      for (let y = 0; y < n; y++) {
        const py = (2 * M.PI * fy * y) / n + phase;
        for (let x = 0; x < n; x++) out[y * n + x] += M.cos(cx[x] + py) / f;
      }
    }
  }
  return out;
}

describe('luminance', () => {
  it('maps white to 1, black to 0 and weighs green most', () => {
    const n = 2;
    const white = new Float32Array(3 * n * n).fill(1);
    expect([...luminance(white, n, n)]).toEqual([1, 1, 1, 1].map((v) => expect.closeTo(v, 12)));
    expect(luminance(new Float32Array(12).fill(-1), n, n)[0]).toBeCloseTo(0, 12);
    const green = new Float32Array(12).fill(-1);
    green.fill(1, 4, 8);
    expect(luminance(green, n, n)[0]).toBeCloseTo(0.587, 12);
  });

  it('refuses an image of the wrong length', () => {
    expect(() => luminance(new Float32Array(10), 2, 2)).toThrow(/3×2×2/);
  });
});

describe('laplacianStd', () => {
  const n = 32;
  it('is 0 on a constant image and on a linear ramp', () => {
    expect(laplacianStd(new Float64Array(n * n).fill(0.4), n, n)).toBe(0);
    const ramp = Float64Array.from({ length: n * n }, (_, p) => 0.01 * (p % n) + 0.02 * M.floor(p / n));
    expect(laplacianStd(ramp, n, n)).toBeCloseTo(0, 10);
  });

  it('is √20·σ on white noise of std σ', () => {
    const v = laplacianStd(noise(128, 1, 0.1), 128, 128);
    expect(v / (0.1 * M.sqrt(20))).toBeGreaterThan(0.97);
    expect(v / (0.1 * M.sqrt(20))).toBeLessThan(1.03);
  });
});

describe('spectrumSlope', () => {
  const n = 64;
  it('is about 0 on white noise', () => {
    const slopes = [1, 2, 3].map((s) => spectrumSlope(noise(128, s), 128, 128));
    for (const s of slopes) expect(M.abs(s)).toBeLessThan(0.2);
    expect(M.abs(slopes.reduce((a, b) => a + b, 0) / 3)).toBeLessThan(0.1);
  });

  it('is about −2 on a 1/f² field', () => {
    const s = spectrumSlope(pinkField(n, 7), n, n);
    expect(s).toBeGreaterThan(-2.3);
    expect(s).toBeLessThan(-1.7);
  });

  it('is steeper than a photograph on a flat two-colour image with one sharp edge', () => {
    const plane = Float64Array.from({ length: n * n }, (_, p) => (M.floor(p / n) > 0.3 * (p % n) + 20 ? 0.8 : 0.2));
    expect(spectrumSlope(plane, n, n)).toBeLessThan(-2.5);
  });

  it('does not depend on the image contrast or its mean', () => {
    const a = noise(n, 4);
    expect(spectrumSlope(Float64Array.from(a, (v) => 3 * v + 5), n, n)).toBeCloseTo(spectrumSlope(a, n, n), 8);
  });

  it('puts a cosine of k cycles per image at radius k', () => {
    const k = 9;
    const plane = Float64Array.from({ length: n * n }, (_, p) => M.cos((2 * M.PI * k * (p % n)) / n));
    const power = radialPower(plane, n, n);
    const peak = power.indexOf(M.max(...power));
    expect(peak).toBe(k);
  });
});

describe('quantile', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([3, 1, 2, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.9)).toBeCloseTo(9, 12);
    expect(() => quantile([], 0.5)).toThrow(/no values/);
  });
});

describe('edgeRetention', () => {
  const n = 64;
  const vertical = (x0: number) => grey(Float64Array.from({ length: n * n }, (_, p) => (p % n < x0 ? 0.1 : 0.9)), n);
  const horizontal = (y0: number) => grey(Float64Array.from({ length: n * n }, (_, p) => (M.floor(p / n) < y0 ? 0.1 : 0.9)), n);

  it('is 1 for the guide itself and for the guide shifted by 1 px', () => {
    expect(edgeRetention(vertical(32), vertical(32), n)).toBe(1);
    expect(edgeRetention(vertical(32), vertical(33), n)).toBe(1);
  });

  it('is 0 when the result is flat or its edge is 6 px away', () => {
    expect(edgeRetention(vertical(32), grey(new Float64Array(n * n).fill(0.5), n), n)).toBe(0);
    expect(edgeRetention(vertical(32), vertical(38), n)).toBe(0);
  });

  it('counts only the crossing for a perpendicular edge', () => {
    // guide edge: 2 columns × 64 rows; result edge: 2 rows, ±2 px reach 6 rows of 64
    const v = edgeRetention(vertical(32), horizontal(32), n);
    expect(v).toBeCloseTo(6 / 64, 6);
  });

  it('measures at 64² whatever the working size', () => {
    const big = (x0: number) => grey(Float64Array.from({ length: 128 * 128 }, (_, p) => (p % 128 < x0 ? 0.1 : 0.9)), 128);
    expect(edgeRetention(big(64), big(66), 128)).toBe(1);
    expect(strongEdges(big(64), 128).length).toBe(64 * 64);
  });

  it('is NaN for a guide without edges', () => {
    const flat = grey(new Float64Array(n * n).fill(0.5), n);
    expect(edgeRetention(flat, vertical(32), n)).toBeNaN();
  });
});

describe('l2Rms32, gapShare and gapClosed', () => {
  it('l2Rms32 is the per-value RMS at 32×32', () => {
    const n = 64;
    const a = new Float32Array(3 * n * n);
    const b = new Float32Array(3 * n * n).fill(0.1);
    expect(l2Rms32(a, b, n)).toBeCloseTo(0.1, 6);
    // a checkerboard at 1 px vanishes at 32×32
    const check = Float32Array.from(a, (_, i) => ((i % n) + M.floor(i / n)) % 2 ? 0.5 : -0.5);
    expect(l2Rms32(a, check, n)).toBeCloseTo(0, 6);
    expect(() => l2Rms32(a, b, 48)).toThrow();
  });

  it('gapShare is 0 at the guide, 1 at the photographs, and signed', () => {
    expect(gapShare(-3, -3, -2)).toBe(0);
    expect(gapShare(-3, -2, -2)).toBe(1);
    expect(gapShare(0.01, 0.07, 0.09)).toBeCloseTo(0.75, 12);
    expect(gapShare(-3, -3.5, -2)).toBeCloseTo(-0.5, 12);
    expect(() => gapShare(1, 2, 1)).toThrow();
  });

  it('gapClosed counts overshooting the photographs against the model', () => {
    expect(gapClosed(0.05, 0.1, 0.1)).toBeCloseTo(1, 12);
    expect(gapClosed(0.05, 0.08, 0.1)).toBeCloseTo(0.6, 12);
    expect(gapClosed(0.05, 0.12, 0.1)).toBeCloseTo(0.6, 12);
    expect(gapClosed(0.05, 0.6, 0.1)).toBeCloseTo(-9, 12);
    expect(gapClosed(-3, -3.5, -2)).toBeCloseTo(-0.5, 12);
  });
});
