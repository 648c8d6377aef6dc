// SDE-DPM-Solver++(2M) ('dpmpp2m-sde') against closed forms for per-pixel Gaussian data
// x_0[p] ~ N(μ_p, s_p²) (analytic.ts). For such data the exact ε̂ is linear in x, so x̂0 = p·x + q
// with p = √a·s²/v, q = (1−a)·μ/v, v = a·s² + 1 − a, and every step of every sampler here is a
// linear map plus independent Gaussian noise. The output of a run is then Gaussian per pixel,
// and its mean and variance follow exactly from a small recursion over the step coefficients
// (`predictSde` below, `predictEveryStepDdpm` in moments.ts: float64, written from the formulas in the paper, not from
// src/core). The tests compare the sampler's outputs with these predictions (standardised
// residuals over ~50k values: standard error 1/√n for the mean and √(2/n) for the variance,
// Z = 4.5 allowed), and the predictions with each other (convergence toward every-step DDPM).
import { networkCalls, sdedit, sdeditWithNoise } from '../../src/core/sdedit';
import { expectKeptLikeDdim } from './kept-pixels';
import type { NoiseSource } from '../../src/core/sdedit';
import { planDpmpp2m, type FastOptions } from '../../src/core/solvers-fast';
import { seededNoise } from '../../src/core/loop';
import { veGeometric, vpLinear } from '../../src/core/schedule';
import type { FastGrid, SDEditOptions } from '../../src/core/types';
import { gaussianData, residualMoments, sampleData, vpEps, type GaussianData } from './analytic';
import { expectStandard, predictEveryStepDdpm, standardised, type Pred } from './moments';

jest.setTimeout(120_000);

const Z = 4.5;
const C = 3;
const H = 64;
const W = 64;
const P = C * H * W;
const vp = vpLinear();
const DATA = gaussianData(C, H, W, [
  { mu: -0.4, s: 0.15 },
  { mu: 0.2, s: 0.25 },
  { mu: 0.45, s: 0.35 },
  { mu: -0.05, s: 0.5 },
]);
const guide = sampleData(DATA, 1);
const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

type Correction = 'midpoint' | 'heun';

/** x̂0 = p·x + q at level a, per pixel. */
function x0Coef(d: GaussianData, a: number, i: number): [number, number] {
  const s2 = d.s[i] * d.s[i];
  const v = a * s2 + 1 - a;
  return [(Math.sqrt(a) * s2) / v, ((1 - a) * d.mu[i]) / v];
}

/**
 * Exact output moments of SDE-DPM-Solver++(2M) on the plan's levels, from x_{t0} with per-pixel
 * mean m0 and variance v0. Paper form (data prediction, h = λ_s − λ_t, r = h_prev/h):
 *   x_s = (σ_s/σ_t)e^{−h}·x_t + α_s(1 − e^{−2h})·x̂0_t + α_s·c·(x̂0_t − x̂0_prev)/r + σ_s√(1 − e^{−2h})·z,
 * c = ½(1 − e^{−2h}) ('midpoint') or 1 − (1 − e^{−2h})/(2h) ('heun'), no correction on the first
 * step, x = x̂0 on the last. The state (x, x̂0_prev) is jointly Gaussian: track its means and
 * 2×2 covariance.
 */
function predictSde(d: GaussianData, level: Float64Array, m0: Float64Array, v0: Float64Array, correction: Correction = 'midpoint', order: 1 | 2 = 2): Pred {
  const n = m0.length;
  const mean = new Float64Array(n);
  const variance = new Float64Array(n);
  const S = level.length - 1;
  const lam = (a: number): number => 0.5 * Math.log(a / (1 - a));
  for (let i = 0; i < n; i++) {
    let mx = m0[i];
    let vxx = v0[i];
    let md = 0;
    let vdd = 0;
    let vxd = 0;
    let hPrev = 0;
    for (let j = 0; j < S; j++) {
      const at = level[j];
      const as = level[j + 1];
      const [p, q] = x0Coef(d, at, i);
      if (as >= 1) {
        // x = x̂0
        mx = p * mx + q;
        vxx = p * p * vxx;
        break;
      }
      const h = lam(as) - lam(at);
      const e2 = 1 - Math.exp(-2 * h);
      const A = Math.sqrt((1 - as) / (1 - at)) * Math.exp(-h);
      let b0 = Math.sqrt(as) * e2;
      let b1 = 0;
      if (j > 0 && order === 2) {
        const r = hPrev / h;
        const c = correction === 'midpoint' ? 0.5 * e2 : 1 - e2 / (2 * h);
        b0 += (Math.sqrt(as) * c) / r;
        b1 = -(Math.sqrt(as) * c) / r;
      }
      const noiseVar = (1 - as) * e2;
      const alpha = A + b0 * p; // x' = alpha·x + b0·q + b1·d_prev + noise
      const nmx = alpha * mx + b0 * q + b1 * md;
      const nvxx = alpha * alpha * vxx + 2 * alpha * b1 * vxd + b1 * b1 * vdd + noiseVar;
      const nvxd = p * (alpha * vxx + b1 * vxd); // Cov(x', x̂0_t)
      const nmd = p * mx + q;
      const nvdd = p * p * vxx;
      mx = nmx;
      vxx = nvxx;
      vxd = nvxd;
      md = nmd;
      vdd = nvdd;
      hPrev = h;
    }
    mean[i] = mx;
    variance[i] = vxx;
  }
  return { mean, variance };
}

/** x_{t0} moments: from the guide (mean √a·g, variance 1 − a) or, with fromData, over guides
 *  drawn from the data too (mean √a·μ, variance a·s² + 1 − a). */
function start(t0: number, fromData = false): [Float64Array, Float64Array] {
  const a = vp.alphaBar(t0);
  const m0 = new Float64Array(P);
  const v0 = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    m0[i] = Math.sqrt(a) * (fromData ? DATA.mu[i] : guide[i]);
    v0[i] = fromData ? a * DATA.s[i] * DATA.s[i] + 1 - a : 1 - a;
  }
  return [m0, v0];
}

/** Largest relative difference of per-pixel variances and largest mean difference in units of
 *  the reference's standard deviation. */
function distance(a: Pred, ref: Pred): { dVar: number; dMean: number } {
  let dVar = 0;
  let dMean = 0;
  for (let i = 0; i < ref.mean.length; i++) {
    dVar = Math.max(dVar, Math.abs(a.variance[i] / ref.variance[i] - 1));
    dMean = Math.max(dMean, Math.abs(a.mean[i] - ref.mean[i]) / Math.sqrt(ref.variance[i]));
  }
  return { dVar, dMean };
}

const run = (o: Partial<SDEditOptions> & FastOptions, den = vpEps(DATA, vp)) =>
  sdedit(den, guide, [C, H, W], vp, { sampler: 'dpmpp2m-sde', t0: 0.5, seed: 1, ...o });

describe('dpmpp2m-sde: the output distribution is the one its equations give', () => {
  // Few steps, so that a wrong coefficient (noise scale, e^{−h} factor, correction) moves the
  // moments far outside the tolerance; batch 4 → n = 49 152 values.
  const cases: [string, number, FastGrid, Correction, 1 | 2][] = [
    ['4 steps, time grid, midpoint', 4, 'time', 'midpoint', 2],
    ['5 steps, logsnr grid, midpoint', 5, 'logsnr', 'midpoint', 2],
    ['5 steps, logsnr grid, heun', 5, 'logsnr', 'heun', 2],
    ['3 steps, time grid, order 1', 3, 'time', 'midpoint', 1],
  ];
  test.each(cases)('%s', async (label, steps, grid, correction, order) => {
    const t0 = 0.5;
    const x = await run({ t0, steps, grid, correction, order, batch: 4, seed: 3 });
    const plan = planDpmpp2m(vp, { t0, steps, grid });
    expectStandard(x, predictSde(DATA, plan.level, ...start(t0), correction, order), label);
  });

  test('the check has power: the ODE solver (no noise) and a wrong correction fail it', async () => {
    const t0 = 0.5;
    const plan = planDpmpp2m(vp, { t0, steps: 5, grid: 'logsnr' });
    const pred = predictSde(DATA, plan.level, ...start(t0));
    const ode = await sdedit(vpEps(DATA, vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0, steps: 5, grid: 'logsnr', seed: 3, batch: 4 });
    expect(() => expectStandard(ode, pred, 'ode')).toThrow(/variance/);
    const heun = await run({ t0, steps: 5, grid: 'logsnr', batch: 4, seed: 3 }); // the default
    expect(() => expectStandard(heun, predictSde(DATA, plan.level, ...start(t0), 'midpoint', 1), 'order-1 prediction')).toThrow();
  });
});

describe('dpmpp2m-sde: forward marginal and convergence', () => {
  test('from p(t0) (guide drawn from the data) it returns the data distribution: 20 logsnr steps, t0 0.5', async () => {
    const t0 = 0.5;
    const plan = planDpmpp2m(vp, { t0, steps: 20, grid: 'logsnr' });
    // the solver's own bias for this data, from the exact recursion
    const pred = predictSde(DATA, plan.level, ...start(t0, true));
    let bias = 0;
    let meanBias = 0;
    for (let i = 0; i < P; i++) {
      bias = Math.max(bias, Math.abs(pred.variance[i] / (DATA.s[i] * DATA.s[i]) - 1));
      meanBias = Math.max(meanBias, Math.abs(pred.mean[i] - DATA.mu[i]) / DATA.s[i]);
    }
    expect(bias).toBeLessThan(0.04); // 0.029: the group with s = 0.15, whose variance is smallest
    expect(meanBias).toBeLessThan(1e-9);
    const x = await run({ t0, steps: 20, grid: 'logsnr', correction: 'midpoint', batch: 4, seed: 7 });
    for (const [g, m] of residualMoments(x, DATA).entries()) {
      const meanTol = Z / Math.sqrt(m.count);
      const varTol = Z * Math.sqrt(2 / m.count) + bias;
      const where = g === DATA.groups ? 'all groups' : `group ${g}`;
      if (Math.abs(m.mean) > meanTol) throw new Error(`${where}: mean of (x−μ)/s is ${m.mean.toFixed(4)}, allowed ±${meanTol.toFixed(4)}`);
      if (Math.abs(m.variance - 1) > varTol) throw new Error(`${where}: variance of (x−μ)/s is ${m.variance.toFixed(4)}, allowed 1 ± ${varTol.toFixed(4)}`);
    }
  });

  test('converges to every-step DDPM with β variances (fixedlarge, 500 calls) as calls grow, second order; the ODE solver does not', async () => {
    const t0 = 0.5;
    const [m0, v0] = start(t0);
    // the β ('fixedlarge') chain: the solver's limit is the continuous reverse SDE, which that chain
    // approximates within 1.5% for this data; the β̃ chain (the engine's default) sits 4.7% from it
    // (its variance is exact for the discrete forward process, not for the SDE)
    const ddpm = predictEveryStepDdpm(DATA, vp, t0, m0, v0, 'fixedlarge');
    const dist = (steps: number, correction: Correction = 'midpoint') => distance(predictSde(DATA, planDpmpp2m(vp, { t0, steps, grid: 'logsnr' }).level, m0, v0, correction), ddpm);
    const counts = [5, 10, 20, 40, 80, 160];
    const d = counts.map((n) => dist(n));
    // (largest relative variance error over pixels: 0.195, 0.084, 0.026, 0.009, then 0.014 and
    // 0.016 — the limit is the continuous SDE, and the every-step DDPM chain, itself a first-order
    // discretisation with "fixedlarge" variances, sits ≈ 1.5% from it for the narrowest group)
    for (let k = 1; k <= 3; k++) expect(d[k].dVar).toBeLessThan(d[k - 1].dVar);
    // second order: doubling the calls cuts the variance error ≈ 4× while it dominates
    expect(d[1].dVar / d[2].dVar).toBeGreaterThan(2.5);
    expect(d[3].dVar).toBeLessThan(0.012);
    for (const k of [4, 5]) expect(d[k].dVar).toBeLessThan(0.02);
    for (const k of [3, 4, 5]) expect(d[k].dMean).toBeLessThan(1e-6);
    // first order (the DDPM posterior step on the same grid) converges only like 1/N
    const first = distance(predictSde(DATA, planDpmpp2m(vp, { t0, steps: 40, grid: 'logsnr' }).level, m0, v0, 'midpoint', 1), ddpm);
    expect(first.dVar).toBeGreaterThan(5 * d[3].dVar);
    const h = [10, 20].map((n) => dist(n, 'heun'));
    expect(h[1].dVar).toBeLessThan(h[0].dVar);
    // the ODE solvers converge to the probability-flow map x_0 = μ + s·(x_{t0} − √a·μ)/√v instead,
    // whose mean given the guide keeps more of it: far from DDPM at any count
    const a0 = vp.alphaBar(t0);
    const odeLimit: Pred = { mean: new Float64Array(P), variance: new Float64Array(P) };
    for (let i = 0; i < P; i++) {
      const s2 = DATA.s[i] * DATA.s[i];
      const v = a0 * s2 + 1 - a0;
      odeLimit.mean[i] = DATA.mu[i] + (DATA.s[i] * (m0[i] - Math.sqrt(a0) * DATA.mu[i])) / Math.sqrt(v);
      odeLimit.variance[i] = (s2 * (1 - a0)) / v;
    }
    expect(distance(odeLimit, ddpm).dMean).toBeGreaterThan(0.2);
    // and the sampler's own 40-step output matches DDPM's distribution within the statistics
    const x = await run({ t0, steps: 40, grid: 'logsnr', correction: 'midpoint', batch: 4, seed: 5 });
    const m = standardised(x, ddpm);
    expect(Math.abs(m.mean)).toBeLessThan(Z / Math.sqrt(m.n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(Z * Math.sqrt(2 / m.n) + d[3].dVar);
  });

  test('order 1 is the DDPM posterior step: equal to strided ddpm on the same grid with the same noise', async () => {
    // route the solver's 'sde' draws to the stream strided DDPM uses for its step noise
    const base = seededNoise(9);
    const asDdpm: NoiseSource = (req, out, offset, count) => base({ ...req, kind: req.kind === 'sde' ? 'step' : req.kind }, out, offset, count);
    const o: SDEditOptions = { sampler: 'ddpm', t0: 0.6, steps: 6, seed: 9 };
    const a = await sdeditWithNoise(vpEps(DATA, vp), guide, [C, H, W], vp, o, seededNoise(9));
    const b = await sdeditWithNoise(vpEps(DATA, vp), guide, [C, H, W], vp, { ...o, sampler: 'dpmpp2m-sde', grid: 'time', order: 1 }, asDdpm);
    let worst = 0;
    for (let i = 0; i < P; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('dpmpp2m-sde follows the engine: t0 limits, masks, seeds, routing', () => {
  test('t0 = 0 returns the guide with no call; t0 → 0 stays next to it', async () => {
    const den = vpEps(DATA, vp);
    const x = await run({ t0: 0, steps: 5 }, den);
    expect(den.calls).toBe(0);
    expect(same(x, guide)).toBe(true);
    const t0 = 0.002;
    const y = await run({ t0, steps: 2 });
    let maxDiff = 0;
    for (let i = 0; i < y.length; i++) maxDiff = Math.max(maxDiff, Math.abs(y[i] - guide[i]));
    expect(maxDiff).toBeLessThan(6 * Math.sqrt(1 - vp.alphaBar(t0)));
    expect(maxDiff).toBeGreaterThan(0);
  });

  test('kept pixels: re-noised like ddim at every step with the initial draw, the guide bit for bit at the end', async () => {
    await expectKeptLikeDdim(() => vpEps(DATA, vp), 'dpmpp2m-sde', guide, [C, H, W], vp);
  });

  test('seeds reproduce: same seed same bytes, another seed other bytes, batch item b = seed + b', async () => {
    const a = await run({ steps: 5, seed: 20 });
    const b = await run({ steps: 5, seed: 20 });
    const c = await run({ steps: 5, seed: 21 });
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
    const both = await run({ steps: 5, seed: 20, batch: 2 });
    expect(same(both.slice(P), c)).toBe(true);
    // the solver's noise is its own stream: same x_{t0} as the ODE solver, different result
    const ode = await sdedit(vpEps(DATA, vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m', t0: 0.5, steps: 5, seed: 20 });
    expect(same(a, ode)).toBe(false);
  });

  test("its noise is its own stream: one 'init' draw per repeat and one 'sde' draw per step but the last", async () => {
    const seen: string[] = [];
    const base = seededNoise(2);
    const rec: NoiseSource = (req, out, offset, count) => {
      seen.push(`${req.kind} r${req.repeat} s${req.step} i${req.item}`);
      base(req, out, offset, count);
    };
    await sdeditWithNoise(vpEps(DATA, vp), guide, [C, H, W], vp, { sampler: 'dpmpp2m-sde', t0: 0.5, steps: 4, seed: 2, repeats: 2 }, rec);
    const one = (r: number) => [`init r${r} s0 i0`, `sde r${r} s0 i0`, `sde r${r} s1 i0`, `sde r${r} s2 i0`];
    expect(seen).toEqual([...one(0), ...one(1)]);
  });

  test("sdedit routes 'dpmpp2m-sde' (with its grid), networkCalls counts it; VE is refused", async () => {
    const o: SDEditOptions = { sampler: 'dpmpp2m-sde', t0: 0.5, steps: 6, grid: 'logsnr', seed: 4, repeats: 2 };
    const den = vpEps(DATA, vp);
    const a = await sdedit(den, guide, [C, H, W], vp, o);
    const b = await sdedit(vpEps(DATA, vp), guide, [C, H, W], vp, o);
    expect(same(a, b)).toBe(true);
    expect(den.calls).toBe(12);
    expect(networkCalls(vp, o)).toBe(12);
    expect(networkCalls(vp, { ...o, sampler: 'dpmpp2m' })).toBe(12);
    const ve = veGeometric(0.01, 50);
    await expect(sdedit(vpEps(DATA, vp), guide, [C, H, W], ve, { ...o, repeats: 1 })).rejects.toThrow(/'dpmpp2m-sde' needs a VP schedule/);
    await expect(run({ correction: 'euler' as never })).rejects.toThrow(/correction/);
    // the default correction is heun
    expect(same(await run({ steps: 5, seed: 8 }), await run({ steps: 5, seed: 8, correction: 'heun' }))).toBe(true);
    expect(same(await run({ steps: 5, seed: 8 }), await run({ steps: 5, seed: 8, correction: 'midpoint' }))).toBe(false);
  });
});
