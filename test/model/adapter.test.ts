import { vpLinear, veGeometric } from '../../src/core';
import { adaptOutput, engineKind, networkTime } from '../../src/model/adapter';

// Two batch items at different times; x = √a·x0 + √(1−a)·ε with known x0 and ε.
const vp = vpLinear(1000, 1e-4, 0.02);
const ve = veGeometric(0.01, 50);
const t = new Float32Array([0.3, 0.75]);
const per = 6;
const x0 = Float32Array.from({ length: 2 * per }, (_, i) => Math.sin(i + 1) * 0.8);
const eps = Float32Array.from({ length: 2 * per }, (_, i) => Math.cos(3 * i + 0.5));

function vpSample() {
  const x = new Float32Array(x0.length);
  for (let b = 0; b < 2; b++) {
    const a = vp.alphaBar(t[b]);
    for (let i = b * per; i < (b + 1) * per; i++) x[i] = Math.sqrt(a) * x0[i] + Math.sqrt(1 - a) * eps[i];
  }
  return x;
}

function expectClose(a: Float32Array, b: Float32Array, tol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
}

describe('VP adapters return ε', () => {
  const x = vpSample();
  it('eps is passed through unchanged', () => {
    expect(adaptOutput(vp, 'eps', x, eps, t)).toBe(eps);
  });
  it('v = √a·ε − √(1−a)·x0 → ε', () => {
    const v = new Float32Array(x.length);
    for (let b = 0; b < 2; b++) {
      const a = vp.alphaBar(t[b]);
      for (let i = b * per; i < (b + 1) * per; i++) v[i] = Math.sqrt(a) * eps[i] - Math.sqrt(1 - a) * x0[i];
    }
    expectClose(adaptOutput(vp, 'v', x, v, t), eps, 1e-5);
  });
  it('x0 → ε = (x − √a·x0)/√(1−a)', () => {
    expectClose(adaptOutput(vp, 'x0', x, x0, t), eps, 1e-4);
  });
  it('score = −ε/√(1−a) → ε', () => {
    const s = new Float32Array(x.length);
    for (let b = 0; b < 2; b++) {
      const a = vp.alphaBar(t[b]);
      for (let i = b * per; i < (b + 1) * per; i++) s[i] = -eps[i] / Math.sqrt(1 - a);
    }
    expectClose(adaptOutput(vp, 'score', x, s, t), eps, 1e-5);
  });
});

describe('VE adapters return the score', () => {
  // x = x0 + σ·ε, score of the perturbation kernel = −ε/σ = (x0 − x)/σ²
  const x = new Float32Array(x0.length);
  const score = new Float32Array(x0.length);
  for (let b = 0; b < 2; b++) {
    const s = ve.sigma(t[b]);
    for (let i = b * per; i < (b + 1) * per; i++) {
      x[i] = x0[i] + s * eps[i];
      score[i] = -eps[i] / s;
    }
  }
  it('score passes through', () => expect(adaptOutput(ve, 'score', x, score, t)).toBe(score));
  it('eps → −ε/σ', () => expectClose(adaptOutput(ve, 'eps', x, eps, t), score, 1e-5));
  it('x0 → (x0 − x)/σ²', () => expectClose(adaptOutput(ve, 'x0', x, x0, t), score, 1e-4));
  it('v is refused', () => expect(() => adaptOutput(ve, 'v', x, eps, t)).toThrow(/VE pack cannot predict "v"/));
});

describe('time input', () => {
  it('index = t·n − 1 (DDPM float index), continuous = t, sigma = σ(t)', () => {
    const tt = new Float32Array([0.001, 0.5, 1]);
    expect(Array.from(networkTime(vp, 'index', tt))).toEqual([0, 499, 999].map((v) => expect.closeTo(v, 3)));
    expect(networkTime(vp, 'continuous', tt)).toEqual(tt);
    const s = networkTime(ve, 'sigma', tt);
    expect(s[2]).toBeCloseTo(50, 3);
    expect(() => networkTime(ve, 'index', tt)).toThrow(/needs a VP schedule/);
  });
  it('index: every grid time, as the float32 the denoiser is given, maps to its exact integer index', () => {
    for (const sched of [vp, vpLinear(250), vpLinear(1)]) {
      const t = Float32Array.from({ length: sched.n }, (_, i) => sched.timeOfIndex(i));
      const idx = networkTime(sched, 'index', t);
      const off = Array.from(idx).filter((v, i) => v !== i);
      expect(off).toEqual([]);
    }
    // between grid points the index stays fractional (log-linear ᾱ between them)
    expect(networkTime(vp, 'index', new Float32Array([0.5005]))[0]).toBeCloseTo(499.5, 3);
  });
  it('engine kind follows the schedule', () => {
    expect(engineKind(vp)).toBe('eps');
    expect(engineKind(ve)).toBe('score');
  });
});
