import { describeT0, signalAt, veGeometric, vpCosine, vpLinear } from '../../src/core/schedule';
import { gaussian, streamId, uniform } from '../../src/core/rng';
import { noiseStream } from '../../src/core/sdedit';

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
