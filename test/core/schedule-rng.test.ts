import { describeT0, signalAt, veGeometric, vpCosine, vpLinear } from '../../src/core/schedule';
import { gaussian, mix32, normalPair, streamId, streamKeys, uniform } from '../../src/core/rng';
import { noiseStream, seededNoise } from '../../src/core/sdedit';

describe('VP schedules', () => {
  const lin = vpLinear();
  test('linear: β = linspace(1e-4, 0.02, 1000), ᾱ = cumprod(1 − β)', () => {
    expect(lin.n).toBe(1000);
    expect(lin.betas[0]).toBe(1e-4);
    expect(lin.betas[999]).toBeCloseTo(0.02, 15);
    expect(lin.betas[500] - lin.betas[499]).toBeCloseTo((0.02 - 1e-4) / 999, 15);
    let p = 1;
    for (let i = 0; i < 1000; i++) {
      p *= 1 - lin.betas[i];
      expect(lin.alphaBars[i]).toBe(p);
    }
  });

  test.each([
    ['linear', lin],
    ['cosine', vpCosine()],
  ] as const)('%s: ᾱ(t) is exact on the grid, 1 at 0, log-linear between, decreasing', (_n, s) => {
    expect(s.alphaBar(0)).toBe(1);
    const off: number[] = [];
    for (let i = 0; i < s.n; i++) {
      if (s.alphaBar(s.timeOfIndex(i)) !== s.alphaBars[i]) off.push(i);
      if (s.alphaBar(Math.fround(s.timeOfIndex(i))) !== s.alphaBars[i]) off.push(i); // t through float32
      if (s.netTime(s.timeOfIndex(i)) !== i) off.push(i);
      if (s.netTime(Math.fround(s.timeOfIndex(i))) !== i) off.push(i); // the exact integer, through float32 too
    }
    expect(off).toEqual([]);
    for (const i of [0, 1, 10, 500, 998]) {
      const lo = i === 0 ? 0 : Math.log(s.alphaBars[i - 1]);
      const hi = Math.log(s.alphaBars[i]);
      const f = 0.37;
      expect(Math.log(s.alphaBar((i + f) / s.n))).toBeCloseTo(lo + f * (hi - lo), 12);
    }
    let prev = 2;
    let notDecreasing = 0;
    for (let k = 0; k <= 4000; k++) {
      const a = s.alphaBar(k / 4000);
      if (!(a < prev)) notDecreasing++;
      prev = a;
    }
    expect(notDecreasing).toBe(0);
  });

  test('cosine matches cos²((t+s)/(1+s)·π/2) normalised', () => {
    const c = vpCosine(1000);
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const i of [0, 99, 499, 900]) expect(c.alphaBars[i]).toBeCloseTo(f((i + 1) / 1000) / f(0), 9);
    for (const b of c.betas) expect(b).toBeLessThanOrEqual(0.999);
  });

  test('signal kept at t0 is shown with t0', () => {
    expect(signalAt(lin, 0.5)).toBeCloseTo(Math.sqrt(lin.alphaBars[499]), 15);
    expect(describeT0(lin, 0.5)).toBe(`t0 0.50 · signal kept ${Math.sqrt(lin.alphaBars[499]).toFixed(2)}`);
    const ve = veGeometric(0.01, 380);
    expect(signalAt(ve, 1)).toBeCloseTo(1 / 380, 12);
    expect(describeT0(ve, 1)).toBe('t0 1.00 · signal kept 2.6e-3');
    expect(() => vpLinear(0)).toThrow();
    expect(() => veGeometric(1, 0.5)).toThrow();
  });
});

describe('VE schedule', () => {
  test('σ(t) = σmin·(σmax/σmin)^t', () => {
    const s = veGeometric(0.01, 348);
    expect(s.sigma(0)).toBeCloseTo(0.01, 15);
    expect(s.sigma(1)).toBeCloseTo(348, 9);
    expect(s.sigma(0.5)).toBeCloseTo(Math.sqrt(0.01 * 348), 12);
  });
});

describe('counter-based Gaussian generator', () => {
  test('pure function of (seed, stream, index): any slice, any order, same bytes', () => {
    const full = gaussian(42, 7, new Float32Array(1001));
    const part = new Float32Array(1001);
    gaussian(42, 7, part, 0, 500);
    gaussian(42, 7, part, 500, 501); // a second call restarts at draw 0 …
    expect(Array.from(part.subarray(0, 500))).toEqual(Array.from(full.subarray(0, 500)));
    expect(Array.from(part.subarray(500, 1001))).toEqual(Array.from(full.subarray(0, 501)));
    const again = gaussian(42, 7, new Float32Array(1001));
    expect(Buffer.from(again.buffer).equals(Buffer.from(full.buffer))).toBe(true);
    // … and the first draws do not depend on how many are asked for
    expect(Array.from(gaussian(42, 7, new Float32Array(3)))).toEqual(Array.from(full.subarray(0, 3)));
  });

  test('standard normal moments, tails and no correlation across seeds, streams, neighbours', () => {
    const n = 200_000;
    const a = gaussian(1, 1, new Float32Array(n));
    const b = gaussian(2, 1, new Float32Array(n));
    const c = gaussian(1, 2, new Float32Array(n));
    let s = 0, s2 = 0, s4 = 0, ab = 0, ac = 0, lag = 0, tail = 0;
    for (let i = 0; i < n; i++) {
      const v = a[i];
      s += v;
      s2 += v * v;
      s4 += v ** 4;
      ab += v * b[i];
      ac += v * c[i];
      if (i > 0) lag += v * a[i - 1];
      if (Math.abs(v) > 2) tail++;
    }
    const se = 1 / Math.sqrt(n);
    expect(Math.abs(s / n)).toBeLessThan(4.5 * se);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(4.5 * Math.sqrt(2) * se);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(4.5 * Math.sqrt(96) * se); // Var(z⁴) = 105 − 9
    for (const r of [ab, ac, lag]) expect(Math.abs(r / n)).toBeLessThan(4.5 * se);
    const pTail = 0.0455; // P(|z| > 2)
    expect(Math.abs(tail / n - pTail)).toBeLessThan(4.5 * Math.sqrt((pTail * (1 - pTail)) / n));
  });

  test('slices across hashing blocks and odd counts give the same bytes; a slice that does not fit is refused', () => {
    const full = gaussian(42, 8, new Float32Array(5000));
    for (const [count, at] of [[1023, 0], [1025, 7], [2049, 100], [3001, 1999]]) {
      const part = gaussian(42, 8, new Float32Array(5000), at, count);
      expect(Buffer.from(part.buffer, 4 * at, 4 * count).equals(Buffer.from(full.buffer, 0, 4 * count))).toBe(true);
      expect(part[at + count] ?? 0).toBe(0); // nothing written past the slice
    }
    expect(() => gaussian(1, 1, new Float32Array(10), 4, 7)).toThrow(/7 draws at offset 4 do not fit an array of 10/);
    expect(() => gaussian(1, 1, new Float32Array(10), -1, 2)).toThrow(/do not fit/);
  });

  test('every draw is Box–Muller of its two words within float32 rounding (ln, cos, sin checked against Math)', () => {
    // the documented hash: word x = three mixer rounds over the counter, keyed by (ka, kb)
    const word = (x: number, ka: number, kb: number): number => mix32((mix32((mix32((x ^ ka) >>> 0) + kb) >>> 0) ^ ka) >>> 0);
    const reference = (w1: number, w2: number): [number, number, number] => {
      const r = Math.sqrt(-2 * Math.log((w1 + 0.5) / 2 ** 32));
      const th = (2 * Math.PI * (w2 + 0.5)) / 2 ** 32;
      return [r * Math.cos(th), r * Math.sin(th), r];
    };
    // Float32 rounding of the exact value is at most half a step (2⁻²⁴ relative): allow a full
    // step, plus the reference's own error near an axis (θ rounded in double: ±1e-15·r absolute).
    let worst = 0;
    const check = (got: number, want: number, r: number): void => {
      worst = Math.max(worst, Math.abs(got - want) / (Math.abs(want) * 2 ** -23 + 1e-15 * r + 1e-300));
    };
    const n = 100_000;
    const z = gaussian(9, 4, new Float32Array(n));
    const [ka, kb] = streamKeys(9, 4);
    for (let k = 0; k < n / 2; k++) {
      const [c, s, r] = reference(word(2 * k, ka, kb), word(2 * k + 1, ka, kb));
      check(z[2 * k], c, r);
      check(z[2 * k + 1], s, r);
    }
    // the ends of the ranges: u1 at 0, 1 and every power of two; θ at every quadrant's edges
    const w1s = [0, 1, 2, 3, 0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff];
    for (let b = 2; b < 32; b++) w1s.push(2 ** b - 1, 2 ** b, 2 ** b + 1);
    const w2s = [0, 1, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xffffffff, 0x2aaaaaaa, 0x15555555];
    const pair = new Float32Array(2);
    for (const w1 of w1s) {
      for (const w2 of w2s) {
        normalPair(w1, w2, pair, 0);
        const [c, s, r] = reference(w1, w2);
        check(pair[0], c, r);
        check(pair[1], s, r);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('Kolmogorov–Smirnov against the normal CDF; pairs and neighbours independent (2-D serial χ²)', () => {
    // Φ(x) through erf (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7)
    const phi = (x: number): number => {
      const a = Math.abs(x) / Math.SQRT2;
      const t = 1 / (1 + 0.3275911 * a);
      const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
      return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    };
    const n = 200_000;
    const z = gaussian(11, 3, new Float32Array(n));
    const sorted = Float64Array.from(z).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = phi(sorted[i]);
      d = Math.max(d, f - i / n, (i + 1) / n - f);
    }
    expect(d * Math.sqrt(n)).toBeLessThan(1.95); // P(√n·D > 1.95) ≈ 0.001
    // (z_i, z_i+1) on a 10×10 grid of Φ: within a Box–Muller pair (i even) and across pairs (i odd)
    for (const parity of [0, 1]) {
      const bins = new Float64Array(100);
      let m = 0;
      for (let i = parity; i + 1 < n; i += 2) {
        bins[Math.min(9, Math.floor(10 * phi(z[i]))) * 10 + Math.min(9, Math.floor(10 * phi(z[i + 1])))]++;
        m++;
      }
      let chi2 = 0;
      for (const b of bins) chi2 += (b - m / 100) ** 2 / (m / 100);
      expect(chi2).toBeLessThan(153); // χ²(99) at p ≈ 1e-4
    }
    // the pair's radius and angle are independent: cov(z₀², z₁²) = 0, Var((z₀²−1)(z₁²−1)) = 4
    let c = 0;
    for (let k = 0; k < n / 2; k++) c += (z[2 * k] ** 2 - 1) * (z[2 * k + 1] ** 2 - 1);
    expect(Math.abs(c / (n / 2))).toBeLessThan(4.5 * (2 / Math.sqrt(n / 2)));
  });

  test('batch offset: item b of seed s draws exactly what item 0 of seed s + b draws', () => {
    const req = { repeat: 1, kind: 'sde' as const, step: 3, sub: 0 };
    const n = 3001;
    const fromBatch = new Float32Array(2 * n);
    seededNoise(100)({ ...req, item: 2 }, fromBatch, n, n);
    const alone = new Float32Array(n);
    seededNoise(102)({ ...req, item: 0 }, alone, 0, n);
    expect(Buffer.from(fromBatch.buffer, 4 * n).equals(Buffer.from(alone.buffer))).toBe(true);
    expect(Buffer.from(gaussian(102, noiseStream(req), new Float32Array(n)).buffer).equals(Buffer.from(alone.buffer))).toBe(true);
    expect(fromBatch.subarray(0, n).every((v) => v === 0)).toBe(true);
  });

  test('uniforms are in (0, 1) and uniform', () => {
    const u = uniform(3, 9, new Float64Array(100_000));
    const bins = new Array(10).fill(0);
    let outside = 0;
    for (const v of u) {
      if (!(v > 0 && v < 1)) outside++;
      else bins[Math.floor(v * 10)]++;
    }
    expect(outside).toBe(0);
    let chi2 = 0;
    for (const b of bins) chi2 += (b - 10_000) ** 2 / 10_000;
    expect(chi2).toBeLessThan(33.7); // χ²(9) at p = 1e-4
  });

  test('stream ids of the engine differ for every draw kind, repeat and step', () => {
    const ids = new Set<number>();
    for (let r = 0; r < 4; r++) {
      ids.add(noiseStream({ repeat: r, kind: 'init', step: 0, sub: 0 }));
      for (let j = 0; j < 1000; j++) {
        ids.add(noiseStream({ repeat: r, kind: 'step', step: j, sub: 0 }));
        for (let q = 0; q < 3; q++) ids.add(noiseStream({ repeat: r, kind: 'corrector', step: j, sub: q }));
      }
    }
    expect(ids.size).toBe(4 * (1 + 1000 * 4));
    expect(streamId(1, 2)).not.toBe(streamId(2, 1));
  });
});
