// The samplers against closed-form Gaussian data: started from the true p(t0) (a guide drawn
// from the data, noised by SDEdit), every sampler must return the data distribution.
//
// Statistics: pixels are independent, so over n values of the standardised residual
// r = (x − μ)/s the sample mean has standard error 1/√n and the sample variance √(2/n). Each check
// allows Z = 4.5 standard errors (a false alarm about once in 10⁵ checks) plus the sampler's own
// discretisation bias for Gaussian data, computed in float64 by moment_bias.py (same folder as
// the fixture) and listed per case below. The means have no discretisation bias (every step is
// linear and exact in the mean for this data).
import { networkCalls, sdedit } from '../../src/core/sdedit';
import { veGeometric, vpLinear } from '../../src/core/schedule';
import type { SDEditOptions } from '../../src/core/types';
import { gaussianData, residualMoments, sampleData, veScore, vpEps } from './analytic';

jest.setTimeout(120_000);

const Z = 4.5;
const C = 3;
const H = 128;
const W = 128;
const DATA = gaussianData(C, H, W, [
  { mu: -0.4, s: 0.15 },
  { mu: 0.2, s: 0.25 },
  { mu: 0.45, s: 0.35 },
  { mu: -0.05, s: 0.5 },
]);
const vp = vpLinear();

function expectDataMoments(x: Float32Array, bias: number, label: string): void {
  const ms = residualMoments(x, DATA);
  for (const [g, m] of ms.entries()) {
    const meanTol = Z / Math.sqrt(m.count);
    const varTol = Z * Math.sqrt(2 / m.count) + bias;
    const where = `${label}, ${g === DATA.groups ? 'all groups' : `group ${g}`} (n = ${m.count})`;
    if (Math.abs(m.mean) > meanTol) throw new Error(`${where}: mean of (x−μ)/s is ${m.mean.toFixed(4)}, allowed ±${meanTol.toFixed(4)}`);
    if (Math.abs(m.variance - 1) > varTol) throw new Error(`${where}: variance of (x−μ)/s is ${m.variance.toFixed(4)}, allowed 1 ± ${varTol.toFixed(4)}`);
  }
}

const guide = sampleData(DATA, 1);

describe('VP samplers return the data distribution from p(t0)', () => {
  // bias: largest |Var/s² − 1| over the groups from moment_bias.py, rounded up
  const cases: [string, Partial<SDEditOptions>, number][] = [
    ['ddpm every step (official, posterior variance β̃), t0 0.25', { sampler: 'ddpm', t0: 0.25 }, 0.049],
    ["ddpm every step, ddpmVariance 'fixedlarge' (β), t0 0.25", { sampler: 'ddpm', t0: 0.25, ddpmVariance: 'fixedlarge' }, 0.012],
    ['ddpm strided 500 steps, t0 0.25', { sampler: 'ddpm', t0: 0.25, steps: 500 }, 0.027],
    ['ddim η=0, 250 steps, t0 0.25', { sampler: 'ddim', t0: 0.25, steps: 250 }, 0.021],
    ['ddim η=1, 500 steps, t0 0.25', { sampler: 'ddim', t0: 0.25, steps: 500, eta: 1 }, 0.027],
  ];
  test.each(cases)('%s', async (label, o, bias) => {
    const den = vpEps(DATA, vp);
    const x = await sdedit(den, guide, [C, H, W], vp, { sampler: 'ddpm', t0: 0.25, seed: 7, ...o });
    expectDataMoments(x, bias, label);
  });

  test('the check has power: a denoiser for data 15% wider fails it', async () => {
    const wrong = gaussianData(C, H, W, [
      { mu: -0.4, s: 0.15 * 1.15 },
      { mu: 0.2, s: 0.25 * 1.15 },
      { mu: 0.45, s: 0.35 * 1.15 },
      { mu: -0.05, s: 0.5 * 1.15 },
    ]);
    const x = await sdedit(vpEps(wrong, vp), guide, [C, H, W], vp, { sampler: 'ddpm', t0: 0.25, seed: 7 });
    expect(() => expectDataMoments(x, 0.049, 'wrong data')).toThrow(/variance/);
  });
});

describe('VE sampler (Euler–Maruyama) returns the data distribution from p(t0)', () => {
  const ve = veGeometric(0.01, 100);
  test('predictor only, 500 steps, t0 0.5', async () => {
    const x = await sdedit(veScore(DATA, ve), guide, [C, H, W], ve, { sampler: 've', t0: 0.5, steps: 500, seed: 3 });
    expectDataMoments(x, 0.014, 've');
  });
  test('with one Langevin corrector step (snr 0.075), 250 steps, t0 0.5', async () => {
    const den = veScore(DATA, ve);
    const x = await sdedit(den, guide, [C, H, W], ve, { sampler: 've', t0: 0.5, steps: 250, correctorSteps: 1, snr: 0.075, seed: 3 });
    expect(den.calls).toBe(500);
    // predictor bias 2.3% (moment_bias.py); the corrector's step size ε = 2·snr²·‖z‖²/‖s‖²
    // over-disperses by about snr² ≈ 0.6% at a level: allow both
    expectDataMoments(x, 0.023 + 0.006, 've+corrector');
  });
});

describe('t0 limits', () => {
  test('t0 = 0 returns the guide exactly, with no network call', async () => {
    for (const sampler of ['ddpm', 'ddim'] as const) {
      const den = vpEps(DATA, vp);
      const x = await sdedit(den, guide, [C, H, W], vp, { sampler, t0: 0, seed: 1, steps: sampler === 'ddim' ? 10 : undefined });
      expect(den.calls).toBe(0);
      expect(Buffer.from(x.buffer).equals(Buffer.from(guide.buffer))).toBe(true);
    }
  });

  test('a t0 whose noise level rounds to zero (1e-8) returns the guide, never NaN, with no network call', async () => {
    // ᾱ(1e-8) snaps to exactly 1 on the grid: a step from there would divide 0 by 0
    expect(vp.alphaBar(1e-8)).toBe(1);
    const opts: Partial<SDEditOptions>[] = [
      { sampler: 'ddpm' },
      { sampler: 'ddpm', steps: 5 },
      { sampler: 'ddim' },
      { sampler: 'ddim', steps: 3, eta: 1 },
      { sampler: 'dpmpp2m', steps: 4 },
      { sampler: 'dpmpp2m-sde', steps: 4, grid: 'logsnr' },
    ];
    for (const o of opts) {
      const den = vpEps(DATA, vp);
      const x = await sdedit(den, guide, [C, H, W], vp, { sampler: 'ddim', t0: 1e-8, seed: 3, batch: 2, ...o });
      expect([o, den.calls]).toEqual([o, 0]);
      expect([o, Buffer.from(x.buffer).equals(Buffer.from(new Float32Array([...guide, ...guide]).buffer))]).toEqual([o, true]);
      expect(networkCalls(vp, { sampler: 'ddim', t0: 1e-8, seed: 3, ...o })).toBe(0);
    }
  });

  test('t0 → 0 stays next to the guide (within the noise level at t0)', async () => {
    const t0 = 0.002; // two grid steps; √(1−ᾱ) ≈ 0.017
    const bound = 6 * Math.sqrt(1 - vp.alphaBar(t0));
    for (const o of [{ sampler: 'ddpm' as const }, { sampler: 'ddim' as const, steps: 2 }, { sampler: 'ddpm' as const, steps: 3 }]) {
      const x = await sdedit(vpEps(DATA, vp), guide, [C, H, W], vp, { ...o, t0, seed: 2 });
      let maxDiff = 0;
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - guide[i]));
      expect(maxDiff).toBeLessThan(bound);
      expect(maxDiff).toBeGreaterThan(0);
    }
  });

  test('t0 = 1 forgets the guide: two opposite guides give the data distribution and nearly the same image', async () => {
    const dark = new Float32Array(C * H * W).fill(-0.9);
    const light = new Float32Array(C * H * W).fill(0.9);
    const opts: SDEditOptions = { sampler: 'ddim', t0: 1, steps: 400, seed: 11 };
    const a = await sdedit(vpEps(DATA, vp), dark, [C, H, W], vp, opts);
    const b = await sdedit(vpEps(DATA, vp), light, [C, H, W], vp, opts);
    // the guide survives only with weight √ᾱ(1) ≈ 0.0064 (times a contraction ≤ 1)
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1.8 * Math.sqrt(vp.alphaBar(1)) * 1.01);
    // bias of ddim η=0 with 400 steps from t0 = 1 (moment_bias.py)
    expectDataMoments(a, 0.05, 'dark guide, t0 1');
    expectDataMoments(b, 0.05, 'light guide, t0 1');
  });

  test('t0 = 1 for VE: the guide weighs nothing next to σ_max', async () => {
    const ve = veGeometric(0.01, 100);
    const dark = new Float32Array(C * H * W).fill(-0.9);
    const x = await sdedit(veScore(DATA, ve), dark, [C, H, W], ve, { sampler: 've', t0: 1, steps: 400, seed: 5 });
    expectDataMoments(x, 0.028, 've t0 1, dark guide');
  });
});
