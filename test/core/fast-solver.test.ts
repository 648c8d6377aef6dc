// DPM-Solver++(2M) ('dpmpp2m') against closed forms for per-pixel Gaussian data
// x_0[p] ~ N(μ_p, s_p²). For such data the exact ε̂ is linear in x, and the probability-flow ODE
// keeps the standardised value (x_t − √a_t·μ)/√(a_t·s² + 1 − a_t) constant, so the exact ODE
// solution from the SDEdit start x_{t0} is x_0 = μ + s·(x_{t0} − √a0·μ)/√(a0·s² + 1 − a0).
// A second-order solver must approach it like N^-2 (DDIM, first order, like N^-1), and started
// from p(t0) it must return the data distribution.
import { sdedit } from '../../src/core/sdedit';
import { expectKeptLikeDdim } from './kept-pixels';
import { planDpmpp2m, type FastGrid, type FastOptions } from '../../src/core/solvers-fast';
import { veGeometric, vpLinear, type VPSchedule } from '../../src/core/schedule';
import type { Denoiser, SDEditOptions, Shape4 } from '../../src/core/types';

const C = 3;
const H = 64;
const W = 64;
const P = C * H * W;
const vp = vpLinear();
const GROUPS = [
  { mu: -0.4, s: 0.15 },
  { mu: 0.2, s: 0.25 },
  { mu: 0.45, s: 0.35 },
  { mu: -0.05, s: 0.5 },
];
const mu = new Float64Array(P);
const sd = new Float64Array(P);
for (let i = 0; i < P; i++) {
  const g = GROUPS[i % GROUPS.length];
  mu[i] = g.mu + 0.1 * (Math.floor(i / (H * W)) - 1);
  sd[i] = g.s;
}

/** mulberry32 + Box–Muller: test data never shares draws with the engine's generator */
function normals(seed: number, n: number): Float64Array {
  let st = seed >>> 0;
  const next = (): number => {
    st = (st + 0x6d2b79f5) >>> 0;
    let t = st;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    out[i] = r * Math.cos(2 * Math.PI * next());
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * next());
  }
  return out;
}

function sampleData(seed: number): Float32Array {
  const z = normals(seed, P);
  const x = new Float32Array(P);
  for (let i = 0; i < P; i++) x[i] = mu[i] + sd[i] * z[i];
  return x;
}

class ExactEps implements Denoiser {
  readonly kind = 'eps' as const;
  calls = 0;
  inputs: Float32Array[] = [];
  constructor(
    private readonly schedule: VPSchedule,
    private readonly keep = false,
  ) {}
  async predict(x: Float32Array, [n]: Shape4, t: Float32Array): Promise<Float32Array> {
    this.calls++;
    if (this.keep) this.inputs.push(x.slice());
    const out = new Float32Array(x.length);
    for (let b = 0; b < n; b++) {
      const a = this.schedule.alphaBar(t[b]);
      const sa = Math.sqrt(a);
      const sn = Math.sqrt(1 - a);
      for (let i = 0; i < P; i++) {
        const k = b * P + i;
        out[k] = (sn * (x[k] - sa * mu[i])) / (a * sd[i] * sd[i] + 1 - a);
      }
    }
    return out;
  }
}

/** RMS over pixels of x − (exact ODE solution from the run's own x_{t0}), in units of s. */
function odeError(x: Float32Array, xStart: Float32Array, a0: number): number {
  let sum = 0;
  for (let i = 0; i < P; i++) {
    const exact = mu[i] + (sd[i] * (xStart[i] - Math.sqrt(a0) * mu[i])) / Math.sqrt(a0 * sd[i] * sd[i] + 1 - a0);
    sum += ((x[i] - exact) / sd[i]) ** 2;
  }
  return Math.sqrt(sum / P);
}

const guide = sampleData(1);
const T0 = 0.5;

async function runErr(sampler: 'ddim' | 'dpmpp2m', steps: number, grid: FastGrid = 'time'): Promise<number> {
  const den = new ExactEps(vp, true);
  const opts: SDEditOptions & FastOptions = { sampler, t0: T0, steps, seed: 5, grid };
  const x = await sdedit(den, guide, [C, H, W], vp, opts);
  expect(den.calls).toBe(steps);
  return odeError(x, den.inputs[0], vp.alphaBar(T0));
}

// order estimates from successive halvings of the step
const orders = (v: number[]): number[] => v.slice(1).map((x, i) => Math.log2(v[i] / x));

describe('dpmpp2m solves the probability-flow ODE to second order', () => {
  test('reference: core ddim is first order (uniform t grid, 10 → 20 → 40 calls)', async () => {
    const e = [await runErr('ddim', 10), await runErr('ddim', 20), await runErr('ddim', 40)];
    for (const p of orders(e)) {
      expect(p).toBeGreaterThan(0.8);
      expect(p).toBeLessThan(1.3);
    }
  });

  test("second order on the 'time' grid (20 → 40 → 80 calls)", async () => {
    const e = [await runErr('dpmpp2m', 20), await runErr('dpmpp2m', 40), await runErr('dpmpp2m', 80)];
    expect(orders(e)[1]).toBeGreaterThan(1.7);
  });

  test("second order on the 'logsnr' grid, and 10 calls beat DDIM's 10 by far", async () => {
    const e = [await runErr('dpmpp2m', 10, 'logsnr'), await runErr('dpmpp2m', 20, 'logsnr'), await runErr('dpmpp2m', 40, 'logsnr')];
    for (const p of orders(e)) expect(p).toBeGreaterThan(1.7);
    expect(e[0]).toBeLessThan((await runErr('ddim', 10)) / 5);
    expect(e[2]).toBeLessThan(2e-3);
    // the quadratic grid sits in between
    const q = await runErr('dpmpp2m', 10, 'quadratic');
    expect(q).toBeLessThan(await runErr('dpmpp2m', 10, 'time'));
  });

  test('order 1 is DDIM: equal to core ddim on the same grid', async () => {
    const a = await sdedit(new ExactEps(vp), guide, [C, H, W], vp, { sampler: 'ddim', t0: T0, steps: 7, seed: 2 });
    const b = await sdedit(new ExactEps(vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: T0, steps: 7, seed: 2, order: 1 });
    let worst = 0;
    for (let i = 0; i < P; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  test('one step equals one DDIM step (x = x̂0 of the first call)', async () => {
    const a = await sdedit(new ExactEps(vp), guide, [C, H, W], vp, { sampler: 'ddim', t0: T0, steps: 1, seed: 2 });
    const b = await sdedit(new ExactEps(vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: T0, steps: 1, seed: 2 });
    for (let i = 0; i < P; i += 97) expect(b[i]).toBeCloseTo(a[i], 5);
  });
});

describe('dpmpp2m from p(t0) returns the data distribution', () => {
  test("20 steps ('logsnr' grid), t0 0.5: moments of (x − μ)/s", async () => {
    const den = new ExactEps(vp);
    const x = await sdedit(den, guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: T0, steps: 20, seed: 7, grid: 'logsnr' });
    let sum = 0;
    let sq = 0;
    const n = x.length;
    for (let k = 0; k < n; k++) {
      const r = (x[k] - mu[k % P]) / sd[k % P];
      sum += r;
      sq += r * r;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // 4.5 standard errors; the 20-step ODE error (≈4e-3 of s, test above) adds < 0.01 to the variance
    expect(Math.abs(mean)).toBeLessThan(4.5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(4.5 * Math.sqrt(2 / n) + 0.01);
  });
});

describe('dpmpp2m follows the engine: noising, masks, batch, repeats, abort', () => {
  test('starts from the same x_{t0} as ddim and ddpm (same seed, same draw)', async () => {
    const a = new ExactEps(vp, true);
    const b = new ExactEps(vp, true);
    await sdedit(a, guide, [C, H, W], vp, { sampler: 'ddim', t0: 0.4, steps: 3, seed: 11 });
    await sdedit(b, guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: 0.4, steps: 3, seed: 11 });
    expect(Buffer.from(b.inputs[0].buffer).equals(Buffer.from(a.inputs[0].buffer))).toBe(true);
  });

  test('kept pixels: the guide bit for bit at the end, re-noised like ddim at every step', async () => {
    await expectKeptLikeDdim(() => new ExactEps(vp), 'dpmpp2m', guide, [C, H, W], vp);
  });

  test('batch item b equals a single run with seed + b', async () => {
    const both = await sdedit(new ExactEps(vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: 0.5, steps: 3, seed: 20, batch: 2 });
    const one = await sdedit(new ExactEps(vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: 0.5, steps: 3, seed: 21 });
    expect(Buffer.from(both.slice(P).buffer).equals(Buffer.from(one.buffer))).toBe(true);
  });

  test('progress counts steps over repeats; calls = steps × repeats', async () => {
    const den = new ExactEps(vp);
    const seen: [number, number, number][] = [];
    await sdedit(den, guide, [C, H, W], vp, {
      sampler: 'dpmpp2m',
      t0: 0.3,
      steps: 4,
      repeats: 2,
      seed: 1,
      onStep: (i) => void seen.push([i.step, i.total, i.repeat]),
    });
    expect(den.calls).toBe(8);
    expect(seen.map((s) => s[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.every((s) => s[1] === 8)).toBe(true);
    expect(seen[4][2]).toBe(1);
  });

  test('grids: from t0 to 0, default 10 steps uniform in t; logsnr uniform in λ down to 1/n; t0 = 0 returns the guide', async () => {
    const plan = planDpmpp2m(vp, { t0: 0.5 });
    expect(plan.steps).toBe(10);
    expect(plan.ts[0]).toBe(0.5);
    expect(plan.ts[5]).toBeCloseTo(0.25, 12);
    expect(plan.ts[10]).toBe(0);
    expect(plan.level[10]).toBe(1);
    const q = planDpmpp2m(vp, { t0: 0.5, steps: 4, grid: 'quadratic' });
    expect(Array.from(q.ts)).toEqual([0.5, 0.5 * 0.5625, 0.125, 0.5 * 0.0625, 0]);
    const l = planDpmpp2m(vp, { t0: 0.5, steps: 5, grid: 'logsnr' });
    const lam = (t: number) => 0.5 * Math.log(vp.alphaBar(t) / (1 - vp.alphaBar(t)));
    expect(l.ts[4]).toBeCloseTo(1 / vp.n, 9);
    for (let j = 1; j < 4; j++) expect(lam(l.ts[j + 1]) - lam(l.ts[j])).toBeCloseTo(lam(l.ts[1]) - lam(l.ts[0]), 6);
    expect(() => planDpmpp2m(vp, { t0: 0.5, grid: 'cubic' as never })).toThrow(/grid/);
    const den = new ExactEps(vp);
    const x = await sdedit(den, guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: 0, seed: 1 });
    expect(den.calls).toBe(0);
    expect(Buffer.from(x.buffer).equals(Buffer.from(guide.buffer))).toBe(true);
  });

  test('abort before a network call; VE schedules and score denoisers are refused', async () => {
    const ctl = new AbortController();
    const den = new ExactEps(vp);
    const p = sdedit(den, guide, [C, H, W], vp, {
      sampler: 'dpmpp2m',
      t0: 0.5,
      steps: 5,
      seed: 1,
      signal: ctl.signal,
      onStep: (i) => {
        if (i.step === 2) ctl.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(den.calls).toBe(2);
    const ve = veGeometric(0.01, 50);
    await expect(sdedit(new ExactEps(vp), guide, [C, H, W], ve, { sampler: 'dpmpp2m', t0: 0.5, seed: 1 })).rejects.toThrow(/VP schedule/);
    const score: Denoiser = { kind: 'score', predict: async (x) => x };
    await expect(sdedit(score, guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: 0.5, seed: 1 })).rejects.toThrow(/predicts 'score'/);
  });
});
