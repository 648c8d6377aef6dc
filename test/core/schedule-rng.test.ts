import { describeT0, signalAt, veGeometric, vpCosine, vpLinear } from '../../src/core/schedule';
import { expNegIeee, gaussian, gaussianRanges, lnIeee, streamId, uniform } from '../../src/core/rng';
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

  test('ranges: draw i lands at out[offset + i] with the bytes of the whole draw, the rest untouched', () => {
    const n = 6000;
    const full = gaussian(5, 9, new Float32Array(n));
    // ranges that start and end inside blocks, straddle block edges, touch and are empty
    const cases = [
      [0, n],
      [3, 4],
      [1000, 1030, 1030, 1031, 2047, 2049],
      [5, 5, 17, 900, 1023, 3100, 5999, 6000],
      [100, 130, 356, 386, 612, 642, 868, 898, 1124, 1154], // rows of a masked square, 256 apart
    ];
    for (const r of cases) {
      const out = new Float32Array(n + 3).fill(7);
      gaussianRanges(5, 9, out, 3, Int32Array.from(r));
      const want = new Float32Array(n + 3).fill(7);
      for (let k = 0; k < r.length; k += 2) want.set(full.subarray(r[k], r[k + 1]), 3 + r[k]);
      expect(Buffer.from(out.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
    // (about 1.5% of draws, ≈ 90 here, take the ziggurat's slow path: inside ranges they are
    // settled with their own draw number, or the bytes above would differ)
    expect(() => gaussianRanges(1, 1, new Float32Array(10), 0, Int32Array.from([4, 2]))).toThrow(/out of order/);
    expect(() => gaussianRanges(1, 1, new Float32Array(10), 0, Int32Array.from([0, 5, 3, 6]))).toThrow(/out of order/);
    expect(() => gaussianRanges(1, 1, new Float32Array(10), 2, Int32Array.from([0, 9]))).toThrow(/does not fit an array of 10/);
    expect(() => gaussianRanges(1, 1, new Float32Array(10), 0, Int32Array.from([1]))).toThrow(/pairs/);
  });

  test('ln and exp by IEEE operations only agree with Math.log and Math.exp (relative error < 1e-14)', () => {
    let worstLn = 0;
    for (let x = 1e-12; x < 1e12; x *= 1.0137) {
      const want = Math.log(x);
      worstLn = Math.max(worstLn, Math.abs(lnIeee(x) - want) / Math.max(Math.abs(want), 1e-3));
    }
    // u = (word + ½)/2³² at its ends, where the tail takes its logs
    for (const w of [0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
      const u = (w + 0.5) / 2 ** 32;
      worstLn = Math.max(worstLn, Math.abs(lnIeee(u) - Math.log(u)) / Math.max(Math.abs(Math.log(u)), 1e-12));
    }
    let worstExp = 0;
    for (let y = 0; y < 40; y += 0.00917) worstExp = Math.max(worstExp, Math.abs(expNegIeee(y) - Math.exp(-y)) / Math.exp(-y));
    expect(worstLn).toBeLessThan(1e-14);
    expect(worstExp).toBeLessThan(1e-14);
    expect(() => lnIeee(0)).toThrow(/ln of 0/);
  });

  test('the tails: the share of draws beyond 2, 3.65 (the ziggurat\'s base edge) and 4.5 matches the normal\'s', () => {
    const n = 1_000_000;
    const z = gaussian(21, 5, new Float32Array(n));
    const cuts = [2, 3.6541528853610088, 4.5];
    const beyond = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const a = Math.abs(z[i]);
      for (let k = 0; k < 3; k++) if (a > cuts[k]) beyond[k]++;
    }
    // two-sided normal tail masses
    [0.0455003, 2.5807e-4, 6.795e-6].forEach((p, k) => {
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(beyond[k] - n * p)).toBeLessThan(4.5 * sd + 1);
    });
    let m = 0;
    for (const v of z) m = Math.max(m, Math.abs(v));
    expect(m).toBeLessThan(7); // and nothing absurd
    let s4 = 0;
    for (const v of z) s4 += v ** 4;
    expect(Math.abs(s4 / n - 3)).toBeLessThan(4.5 * Math.sqrt(96 / n)); // kurtosis 3 (Var z⁴ = 96)
  });

  test('draws a block apart (1024 draws, a fresh generator state) and streams are uncorrelated', () => {
    const n = 1024 * 200;
    const z = gaussian(8, 2, new Float32Array(n));
    const w = gaussian(8, 3, new Float32Array(n));
    let c1 = 0;
    let c2 = 0;
    for (let i = 0; i + 1024 < n; i++) c1 += z[i] * z[i + 1024];
    for (let i = 0; i < n; i++) c2 += z[i] * w[i];
    const bound = 4.5 / Math.sqrt(n - 1024);
    expect(Math.abs(c1 / (n - 1024))).toBeLessThan(bound);
    expect(Math.abs(c2 / n)).toBeLessThan(bound);
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
    // (z_i, z_i+1) on a 10×10 grid of Φ, for even and for odd i
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
    // neighbours' magnitudes are independent too: cov(z₀², z₁²) = 0, Var((z₀²−1)(z₁²−1)) = 4
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
