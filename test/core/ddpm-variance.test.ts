// Every-step DDPM (steps 0, the paper's Algorithm 2) against the closed form of its output for
// per-pixel Gaussian data N(μ, s²) with the exact ε (moments.ts): its noise has the posterior
// variance β̃_i by default ('fixedsmall', the official SDEdit configs' var_type) and β_i with
// ddpmVariance 'fixedlarge'. Narrow data (s = 0.1, 0.15) makes the two differ by 6–9% in output
// variance, well outside the statistical tolerance (≈ 2.9% at n = 49 152), so the check tells
// them apart.
import { sdedit } from '../../src/core/sdedit';
import { vpLinear } from '../../src/core/schedule';
import type { SDEditOptions } from '../../src/core/types';
import { gaussianData, sampleData, vpEps } from './analytic';
import { expectStandard, predictEveryStepDdpm } from './moments';

jest.setTimeout(60_000);

const C = 3;
const H = 64;
const W = 64;
const P = C * H * W;
const vp = vpLinear();
const DATA = gaussianData(C, H, W, [
  { mu: 0.3, s: 0.1 },
  { mu: -0.2, s: 0.15 },
]);
const guide = sampleData(DATA, 11);
const T0 = 0.1;

/** x_{t0} given the guide: mean √a·x_g, variance 1 − a. */
function fromGuide(): [Float64Array, Float64Array] {
  const a = vp.alphaBar(T0);
  return [Float64Array.from(guide, (g) => Math.sqrt(a) * g), new Float64Array(P).fill(1 - a)];
}

const run = (o: Partial<SDEditOptions> = {}) => sdedit(vpEps(DATA, vp), guide, [C, H, W], vp, { sampler: 'ddpm', t0: T0, seed: 5, batch: 4, ...o });

describe('every-step DDPM: output mean and variance in closed form', () => {
  const small = predictEveryStepDdpm(DATA, vp, T0, ...fromGuide(), 'fixedsmall');
  const large = predictEveryStepDdpm(DATA, vp, T0, ...fromGuide(), 'fixedlarge');

  test('the two closed forms differ where the test can see it (narrow data)', () => {
    let minRatio = Infinity;
    let maxMeanDiff = 0;
    for (let i = 0; i < P; i++) {
      minRatio = Math.min(minRatio, large.variance[i] / small.variance[i]);
      maxMeanDiff = Math.max(maxMeanDiff, Math.abs(large.mean[i] - small.mean[i]));
    }
    expect(minRatio).toBeGreaterThan(1.06); // 6.3% (s = 0.15) and 9.4% (s = 0.1)
    expect(maxMeanDiff).toBeLessThan(1e-12); // the noise changes the spread, not the mean
    // the output std of the s = 0.1 group: 0.0960 with β̃, 0.1004 with β
    const g0 = DATA.group.indexOf(0);
    expect(Math.sqrt(small.variance[g0])).toBeCloseTo(0.096, 3);
    expect(Math.sqrt(large.variance[g0])).toBeCloseTo(0.1004, 3);
  });

  test("default ('fixedsmall'): the output has the posterior-variance chain's mean and std, not the β chain's", async () => {
    const x = await run();
    expectStandard(x, small, 'fixedsmall');
    for (let g = 0; g < DATA.groups; g++) expectStandard(x, small, `fixedsmall, group ${g}`, (i) => DATA.group[i] === g);
    expect(() => expectStandard(x, large, 'fixedsmall output vs the fixedlarge closed form')).toThrow(/variance/);
  });

  test("ddpmVariance 'fixedlarge': the β chain's mean and std", async () => {
    const x = await run({ ddpmVariance: 'fixedlarge' });
    expectStandard(x, large, 'fixedlarge');
    expect(() => expectStandard(x, small, 'fixedlarge output vs the fixedsmall closed form')).toThrow(/variance/);
  });

  test('every-step and strided DDPM with one step per grid index agree (both use the posterior variance)', async () => {
    const steps = Math.round(T0 * vp.n);
    const every = await run({ seed: 8 });
    const strided = await run({ seed: 8, steps });
    let worst = 0;
    for (let i = 0; i < every.length; i++) worst = Math.max(worst, Math.abs(every[i] - strided[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});
