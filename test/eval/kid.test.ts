// KID: unbiased MMD² with the cubic polynomial kernel, and the fixed feature space it runs on.
import { gaussian } from '../../src/core';
import { kid } from '../../src/cli/eval/kid';
import { FEATURE_DIM, FEATURE_GROUP, GROUPS, fitFeatureSpace, rawFeatures } from '../../src/cli/eval/features';

/** n samples of N(shift·1, I) in d dimensions, from the core's seeded generator. */
function sample(n: number, d: number, shift: number, seed: number): Float64Array[] {
  const z = new Float32Array(n * d);
  gaussian(seed, 7, z, 0, z.length);
  return Array.from({ length: n }, (_, i) => Float64Array.from(z.subarray(i * d, (i + 1) * d), (v) => v + shift));
}

describe('kid', () => {
  const d = 32;
  const n = 300;
  const X = sample(n, d, 0, 1);

  it('is about 0 for two samples of the same distribution', () => {
    const v = kid(X, sample(n, d, 0, 2));
    // the U-statistic's spread at n = 300 in 32-d is a few 1e-3; a shift of 0.25 gives ~0.1
    expect(Math.abs(v)).toBeLessThan(0.01);
  });

  it('is positive and grows with the shift between the distributions', () => {
    const shifts = [0.25, 0.5, 1, 2];
    const vals = shifts.map((s, i) => kid(X, sample(n, d, s, 10 + i)));
    for (const v of vals) expect(v).toBeGreaterThan(0.02);
    for (let i = 1; i < vals.length; i++) expect(vals[i]).toBeGreaterThan(vals[i - 1]);
  });

  it('is symmetric and matches a direct evaluation on a tiny case', () => {
    const A = [Float64Array.of(1, 0), Float64Array.of(0, 1)];
    const B = [Float64Array.of(1, 1), Float64Array.of(-1, 0), Float64Array.of(0, 0)];
    const k = (a: Float64Array, b: Float64Array) => ((a[0] * b[0] + a[1] * b[1]) / 2 + 1) ** 3;
    let kaa = 0;
    let kbb = 0;
    let kab = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) if (i !== j) kaa += k(A[i], A[j]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j) kbb += k(B[i], B[j]);
    for (const a of A) for (const b of B) kab += k(a, b);
    const want = kaa / 2 + kbb / 6 - (2 * kab) / 6;
    expect(kid(A, B)).toBeCloseTo(want, 12);
    expect(kid(B, A)).toBeCloseTo(want, 12);
  });

  it('rejects samples of fewer than 2 vectors or mixed dimensions', () => {
    expect(() => kid([Float64Array.of(1)], X)).toThrow(/at least 2/);
    expect(() => kid([Float64Array.of(1), Float64Array.of(2, 3)], [Float64Array.of(1), Float64Array.of(2)])).toThrow(/dimension/);
  });
});

describe('feature space', () => {
  const size = 32;
  const HW = size * size;
  /** a smooth gradient "sky over ground" with optional texture of amplitude amp */
  function scene(amp: number, seed: number): Float32Array {
    const z = new Float32Array(3 * HW);
    gaussian(seed, 3, z, 0, z.length);
    const img = new Float32Array(3 * HW);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const p = y * size + x;
        const ground = y > size / 2 ? 1 : 0;
        img[p] = -0.4 + 0.3 * ground + amp * z[p];
        img[HW + p] = 0.1 + 0.2 * ground + amp * z[HW + p];
        img[2 * HW + p] = 0.8 - 1.2 * ground + amp * z[2 * HW + p];
      }
    }
    return img;
  }

  it('is deterministic, finite and 108-dimensional', () => {
    const a = rawFeatures(scene(0.1, 1), size, size);
    const b = rawFeatures(scene(0.1, 1), size, size);
    expect(a.length).toBe(FEATURE_DIM);
    expect(FEATURE_DIM).toBe(108);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.every(Number.isFinite)).toBe(true);
    // a flat image is finite too (log of zero energy is floored)
    expect(rawFeatures(new Float32Array(3 * HW), size, size).every(Number.isFinite)).toBe(true);
  });

  it('standardises on the reference set with equal weight per group', () => {
    const ref = Array.from({ length: 12 }, (_, i) => rawFeatures(scene(0.05 + 0.01 * i, i), size, size));
    const space = fitFeatureSpace(ref);
    // the reference mean maps to 0; one reference σ maps to about one (5·tanh(1/5) ≈ 0.987) times the weight
    expect(space.apply(space.mean).every((v) => v === 0)).toBe(true);
    const plus = space.mean.map((m, i) => m + space.std[i]);
    space.apply(plus).forEach((v, i) => expect(v / space.weight[i]).toBeCloseTo(5 * Math.tanh(0.2), 9));
    // a statistic off by 1000σ is soft-clipped below 5 (times its weight)
    const far = space.mean.map((m, i) => m + 1000 * space.std[i]);
    space.apply(far).forEach((v, i) => expect(v / space.weight[i]).toBeLessThanOrEqual(5));
    const perGroup = GROUPS.map((g) => FEATURE_GROUP.reduce((s, gi, i) => s + (gi === g ? space.weight[i] ** 2 : 0), 0));
    for (const w of perGroup) expect(w).toBeCloseTo(FEATURE_DIM / GROUPS.length, 9);
  });

  it('tells textured scenes from flat ones (KID of flat vs textured ≫ textured vs textured)', () => {
    const ref = Array.from({ length: 10 }, (_, i) => rawFeatures(scene(0.1, 100 + i), size, size));
    const space = fitFeatureSpace(ref);
    const same = Array.from({ length: 10 }, (_, i) => space.apply(rawFeatures(scene(0.1, 200 + i), size, size)));
    const flat = Array.from({ length: 10 }, (_, i) => space.apply(rawFeatures(scene(0.002 * (i + 1), 300 + i), size, size)));
    const R = ref.map((f) => space.apply(f));
    expect(kid(flat, R)).toBeGreaterThan(10 * Math.abs(kid(same, R)));
  });
});
