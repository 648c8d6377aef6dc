// SDEdit behaviour: forward marginal, masks, repeats, batch/seed reproducibility, abort, errors,
// and the VP every-step loop against an independent numpy run of the official equations.
import * as fs from 'fs';
import * as path from 'path';
import { networkCalls, planSDEdit, sdedit, sdeditWithNoise } from '../../src/core/sdedit';
import type { NoiseSource } from '../../src/core/sdedit';
import { veGeometric, vpLinear } from '../../src/core/schedule';
import type { SDEditOptions, StepInfo } from '../../src/core/types';
import { CountingDenoiser, gaussianData, sampleData, veScore, vpEps } from './analytic';

const vp = vpLinear();
const ve = veGeometric(0.01, 50);

const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('forward marginal at t0 (the first network input)', () => {
  const D = gaussianData(3, 64, 64, [{ mu: 0.1, s: 0.3 }]);
  const guide = sampleData(D, 4);
  const n = guide.length * 2; // batch of 2
  test.each([0.1, 0.4, 0.8])('VP: (x − √ᾱ·x_g)/√(1−ᾱ) ~ N(0, 1) at t0 %p', async (t0) => {
    const den = vpEps(D, vp, true);
    await sdedit(den, guide, [3, 64, 64], vp, { sampler: 'ddim', t0, steps: 1, seed: 9, batch: 2 });
    const x = den.inputs[0];
    const a = vp.alphaBar(t0);
    expect(den.ts[0]).toBeCloseTo(t0, 6);
    let s = 0;
    let s2 = 0;
    for (let k = 0; k < n; k++) {
      const r = (x[k] - Math.sqrt(a) * guide[k % guide.length]) / Math.sqrt(1 - a);
      s += r;
      s2 += r * r;
    }
    const mean = s / n;
    const v = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(4.5 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(4.5 * Math.sqrt(2 / n));
  });

  test('VE: (x − x_g)/σ(t0) ~ N(0, 1)', async () => {
    const den = veScore(D, ve, true);
    await sdedit(den, guide, [3, 64, 64], ve, { sampler: 've', t0: 0.7, steps: 1, seed: 9, batch: 2 });
    const x = den.inputs[0];
    const sig = ve.sigma(0.7);
    let s = 0;
    let s2 = 0;
    for (let k = 0; k < n; k++) {
      const r = (x[k] - guide[k % guide.length]) / sig;
      s += r;
      s2 += r * r;
    }
    const mean = s / n;
    expect(Math.abs(mean)).toBeLessThan(4.5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - mean * mean - 1)).toBeLessThan(4.5 * Math.sqrt(2 / n));
  });

  test('every-step DDPM snaps t0 to the grid and asks the network at each index (i+1)/n', async () => {
    const den = vpEps(D, vp);
    await sdedit(den, guide, [3, 64, 64], vp, { sampler: 'ddpm', t0: 0.0304, seed: 1 });
    expect(den.calls).toBe(30);
    expect(den.ts.map((t) => Math.round(vp.netTime(t) * 1e4) / 1e4)).toEqual(Array.from({ length: 30 }, (_, j) => 29 - j));
  });
});

describe('masked editing', () => {
  const C = 3;
  const H = 16;
  const W = 16;
  const D = gaussianData(C, H, W, [
    { mu: -0.3, s: 0.2 },
    { mu: 0.4, s: 0.3 },
  ]);
  const guide = new Float32Array(C * H * W).map((_, i) => Math.sin(i) * 0.9);
  const mask = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) mask[p] = p % W < 6 ? 0 : p % W < 8 ? 0.5 : 1;
  const cases: [string, SDEditOptions, 'vp' | 've'][] = [
    ['ddpm every step', { sampler: 'ddpm', t0: 0.3, seed: 1 }, 'vp'],
    ['ddpm strided', { sampler: 'ddpm', t0: 0.6, steps: 17, seed: 2 }, 'vp'],
    ['ddim η=0.5, 2 repeats, batch 2', { sampler: 'ddim', t0: 0.5, steps: 9, eta: 0.5, seed: 3, repeats: 2, batch: 2 }, 'vp'],
    ['ve with corrector', { sampler: 've', t0: 0.5, steps: 12, correctorSteps: 2, seed: 4 }, 've'],
  ];
  test.each(cases)('%s: kept pixels equal the guide bit for bit, edited ones change', async (_label, opts, kind) => {
    const steps: StepInfo[] = [];
    const den = kind === 'vp' ? vpEps(D, vp) : veScore(D, ve);
    const x = await sdedit(den, guide, [C, H, W], kind === 'vp' ? vp : ve, {
      ...opts,
      mask,
      onStep: (s) => {
        steps.push({ ...s, x: s.x.slice(), x0: s.x0.slice() });
      },
    });
    const N = opts.batch ?? 1;
    let changed = 0;
    let edited = 0;
    let keptDiffer = 0;
    for (let b = 0; b < N; b++) {
      for (let ch = 0; ch < C; ch++) {
        for (let p = 0; p < H * W; p++) {
          const k = b * C * H * W + ch * H * W + p;
          const g = guide[ch * H * W + p];
          if (mask[p] === 0 && !Object.is(x[k], g)) keptDiffer++;
          if (mask[p] === 1) {
            edited++;
            if (Math.abs(x[k] - g) > 1e-3) changed++;
          }
        }
      }
    }
    expect(keptDiffer).toBe(0);
    expect(changed / edited).toBeGreaterThan(0.95);
    // the kept pixels follow the guide at the sample's current level: the last reported step
    // is clean (t = 0), and the one before it is still noisy
    expect(steps[steps.length - 1].t).toBe(0);
    const before = steps[steps.length - 2];
    let noisy = 0;
    for (let p = 0; p < H * W; p++) if (mask[p] === 0 && before.x[p] !== guide[p]) noisy++;
    expect(noisy).toBeGreaterThan(0);
    // x̂0 previews are clipped
    let maxAbs = 0;
    for (const s of steps) for (let i = 0; i < s.x0.length; i++) maxAbs = Math.max(maxAbs, Math.abs(s.x0[i]));
    expect(maxAbs).toBeLessThanOrEqual(1);
  });

  test('the level of kept pixels after each step is the sample\'s level after that step (not the one before)', async () => {
    // With an ε model that returns the exact noise of a known clean image, every-step DDPM with
    // η-free deterministic parts would land on the same level; here we read the kept pixels back:
    // after step j they must equal √ᾱ(t_{j+1})·x_g + √(1−ᾱ(t_{j+1}))·z0, with z0 from the first input.
    const den = vpEps(D, vp, true);
    const seen: Float32Array[] = [];
    const ts: number[] = [];
    await sdedit(den, guide, [C, H, W], vp, { sampler: 'ddpm', t0: 0.05, seed: 8, mask, onStep: (s) => { seen.push(s.x.slice()); ts.push(s.t); } });
    const a0 = vp.alphaBar(0.05);
    const x0 = den.inputs[0];
    for (let j = 0; j < seen.length; j++) {
      const a = vp.alphaBar(ts[j]);
      for (let p = 0; p < H * W; p++) {
        if (mask[p] !== 0) continue;
        const z = (x0[p] - Math.sqrt(a0) * guide[p]) / Math.sqrt(1 - a0);
        expect(seen[j][p]).toBeCloseTo(Math.sqrt(a) * guide[p] + Math.sqrt(1 - a) * z, 5);
      }
    }
  });

  test('a mask of all zeros returns the guide exactly for every item', async () => {
    const x = await sdedit(vpEps(D, vp), guide, [C, H, W], vp, { sampler: 'ddpm', t0: 0.2, steps: 5, seed: 1, batch: 3, mask: new Float32Array(H * W) });
    for (let b = 0; b < 3; b++) expect(same(x.subarray(b * guide.length, (b + 1) * guide.length), guide)).toBe(true);
  });
});

describe('seeds, batches, repeats, abort', () => {
  const C = 3;
  const H = 8;
  const W = 12;
  const D = gaussianData(C, H, W, [{ mu: 0, s: 0.3 }]);
  const guide = sampleData(D, 2);
  const mask = new Float32Array(H * W).map((_, p) => (p % 3 === 0 ? 0 : p % 3 === 1 ? 0.3 : 1));
  const configs: [string, SDEditOptions, 'vp' | 've'][] = [
    ['ddpm every step', { sampler: 'ddpm', t0: 0.08, seed: 5 }, 'vp'],
    ['ddpm strided + mask + 2 repeats', { sampler: 'ddpm', t0: 0.4, steps: 6, seed: 5, repeats: 2, mask }, 'vp'],
    ['ddim η=1', { sampler: 'ddim', t0: 0.4, steps: 6, eta: 1, seed: 5 }, 'vp'],
    ['ve + corrector + mask', { sampler: 've', t0: 0.5, steps: 6, correctorSteps: 2, seed: 5, mask }, 've'],
  ];
  const run = (o: SDEditOptions, kind: 'vp' | 've') => sdedit(kind === 'vp' ? vpEps(D, vp) : veScore(D, ve), guide, [C, H, W], kind === 'vp' ? vp : ve, o);

  test.each(configs)('%s: same seed → same bytes; batch item b = single run with seed + b', async (_l, o, kind) => {
    const a = await run(o, kind);
    const b = await run(o, kind);
    expect(same(a, b)).toBe(true);
    const other = await run({ ...o, seed: o.seed + 100 }, kind);
    expect(same(a, other)).toBe(false);
    const batch = await run({ ...o, batch: 3 }, kind);
    const P = C * H * W;
    expect(batch.length).toBe(3 * P);
    for (let i = 0; i < 3; i++) {
      const single = i === 0 ? a : await run({ ...o, seed: o.seed + i }, kind);
      expect(same(batch.subarray(i * P, (i + 1) * P), single)).toBe(true);
    }
  });

  test('negative and large seeds are valid and distinct', async () => {
    const o: SDEditOptions = { sampler: 'ddim', t0: 0.3, steps: 3, eta: 1, seed: -1 };
    const a = await run(o, 'vp');
    const b = await run({ ...o, seed: 2 ** 32 - 1 }, 'vp');
    const c = await run({ ...o, seed: 2 ** 40 + 7 }, 'vp');
    expect(same(a, b)).toBe(false);
    expect(same(b, c)).toBe(false);
    expect(() => sdedit(vpEps(D, vp), guide, [C, H, W], vp, { ...o, seed: 0.5 })).toThrow(/seed/);
  });

  test('K repeats make K × steps network calls and report K × steps steps', async () => {
    for (const [o, kind, perStep] of [
      [{ sampler: 'ddpm', t0: 0.05, seed: 1, repeats: 3 }, 'vp', 1],
      [{ sampler: 'ddim', t0: 0.5, steps: 7, seed: 1, repeats: 4, batch: 2 }, 'vp', 1],
      [{ sampler: 've', t0: 0.5, steps: 5, seed: 1, repeats: 2, correctorSteps: 2 }, 've', 3],
    ] as [SDEditOptions, 'vp' | 've', number][]) {
      const den = kind === 'vp' ? vpEps(D, vp) : veScore(D, ve);
      const sched = kind === 'vp' ? vp : ve;
      const infos: StepInfo[] = [];
      await sdedit(den, guide, [C, H, W], sched, { ...o, onStep: (s) => void infos.push(s) });
      const S = planSDEdit(sched, o).steps;
      const K = o.repeats ?? 1;
      expect(den.calls).toBe(K * S * perStep);
      expect(networkCalls(sched, o)).toBe(den.calls);
      expect(infos.length).toBe(K * S);
      expect(infos.map((i) => i.step)).toEqual(Array.from({ length: K * S }, (_, i) => i + 1));
      expect(infos.every((i) => i.total === K * S)).toBe(true);
      expect(infos.map((i) => i.repeat)).toEqual(Array.from({ length: K * S }, (_, i) => Math.floor(i / S)));
    }
  });

  test('repeat r+1 starts from the result of repeat r, noised again with fresh noise', async () => {
    const den = vpEps(D, vp, true);
    let afterFirst: Float32Array | null = null;
    const S = 4;
    await sdedit(den, guide, [C, H, W], vp, {
      sampler: 'ddim', t0: 0.3, steps: S, seed: 3, repeats: 2,
      onStep: (s) => { if (s.step === S) afterFirst = s.x.slice(); },
    });
    const first = den.inputs[0];
    const second = den.inputs[S];
    const a = vp.alphaBar(0.3);
    const P = C * H * W;
    const z1 = new Float32Array(P);
    const z2 = new Float32Array(P);
    const r = afterFirst as unknown as Float32Array;
    let corr = 0;
    let n1 = 0;
    let n2 = 0;
    for (let k = 0; k < P; k++) {
      z1[k] = (first[k] - Math.sqrt(a) * guide[k]) / Math.sqrt(1 - a);
      z2[k] = (second[k] - Math.sqrt(a) * r[k]) / Math.sqrt(1 - a);
      corr += z1[k] * z2[k];
      n1 += z1[k] * z1[k];
      n2 += z2[k] * z2[k];
    }
    // z2 is a standard normal draw (so the second start is the first result, noised) ...
    expect(Math.abs(n2 / P - 1)).toBeLessThan(4.5 * Math.sqrt(2 / P));
    // ... independent of z1
    expect(Math.abs(corr / Math.sqrt(n1 * n2))).toBeLessThan(4.5 / Math.sqrt(P));
  });

  test('abort: rejects with AbortError and asks the network no more', async () => {
    const ac = new AbortController();
    const den = vpEps(D, vp);
    const p = sdedit(den, guide, [C, H, W], vp, {
      sampler: 'ddpm', t0: 0.1, seed: 1, signal: ac.signal,
      onStep: (s) => { if (s.step === 3) ac.abort(); },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(den.calls).toBe(3);
    const pre = new AbortController();
    pre.abort();
    const den2 = veScore(D, ve);
    await expect(sdedit(den2, guide, [C, H, W], ve, { sampler: 've', t0: 0.5, steps: 4, seed: 1, signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(den2.calls).toBe(0);
  });

  test('the corrector checks the signal before its own network calls', async () => {
    const ac = new AbortController();
    const den = new CountingDenoiser('score', (x) => {
      if (den.calls === 2) ac.abort();
      return new Float32Array(x.length);
    });
    await expect(sdedit(den, guide, [C, H, W], ve, { sampler: 've', t0: 0.5, steps: 4, correctorSteps: 3, seed: 1, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(den.calls).toBe(2);
  });

  test('clear errors for a wrong denoiser kind, sampler/schedule mismatch and bad shapes', async () => {
    const base: SDEditOptions = { sampler: 'ddpm', t0: 0.3, seed: 1 };
    await expect(sdedit(veScore(D, ve), guide, [C, H, W], vp, base)).rejects.toThrow(/VP schedule needs a denoiser that predicts 'eps'/);
    await expect(sdedit(vpEps(D, vp), guide, [C, H, W], ve, { ...base, sampler: 've' })).rejects.toThrow(/VE schedule needs a denoiser that predicts 'score'/);
    await expect(sdedit(vpEps(D, vp), guide, [C, H, W], vp, { ...base, sampler: 've' })).rejects.toThrow(/needs a VE schedule/);
    await expect(sdedit(veScore(D, ve), guide, [C, H, W], ve, { ...base, sampler: 'ddim' })).rejects.toThrow(/needs a VP schedule/);
    await expect(sdedit(vpEps(D, vp), guide, [C, H, W + 1], vp, base)).rejects.toThrow(/guide has/);
    await expect(sdedit(vpEps(D, vp), guide, [C, H, W], vp, { ...base, mask: new Float32Array(3) })).rejects.toThrow(/mask has/);
    await expect(sdedit(vpEps(D, vp), guide, [C, H, W], vp, { ...base, t0: 1.5 })).rejects.toThrow(/t0/);
    await expect(sdedit(vpEps(D, vp), guide, [C, H, W], vp, { ...base, batch: 0 })).rejects.toThrow(/batch/);
    const bad = new CountingDenoiser('eps', () => new Float32Array(5));
    await expect(sdedit(bad, guide, [C, H, W], vp, base)).rejects.toThrow(/returned 5 values/);
  });
});

interface Fixture {
  n: number;
  betaMin: number;
  betaMax: number;
  t0: number;
  steps: number;
  shape: [number, number, number];
  mu: number[];
  s: number[];
  guide: number[];
  zInit: number[];
  stepNoise: number[][];
  mask: number[];
  trajectory: number[][];
  trajectoryMasked: number[][];
  trajectoryFixedLarge: number[][];
}

describe('VP every-step loop = independent numpy run of the official runner (fixture)', () => {
  const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/official-ddpm/official-ddpm.json'), 'utf8')) as Fixture;
  const [c, h, w] = fx.shape;
  const sched = vpLinear(fx.n, fx.betaMin, fx.betaMax);
  const D = { c, h, w, mu: Float32Array.from(fx.mu), s: Float32Array.from(fx.s), group: new Int32Array(c * h * w), groups: 1 };
  const noise: NoiseSource = (req, out, offset, count) => {
    expect(req.item).toBe(0);
    expect(req.repeat).toBe(0);
    const src = req.kind === 'init' ? fx.zInit : fx.stepNoise[req.step];
    expect(src.length).toBe(count);
    for (let i = 0; i < count; i++) out[offset + i] = src[i];
  };
  test.each([
    ['no mask (default variance: fixedsmall)', null, 'trajectory', undefined],
    ['with mask (levels after each step)', Float32Array.from(fx.mask), 'trajectoryMasked', undefined],
    ["no mask, ddpmVariance 'fixedlarge'", null, 'trajectoryFixedLarge', 'fixedlarge'],
  ] as const)('%s: every step matches to 1e-5', async (_label, mask, key, ddpmVariance) => {
    const traj: Float32Array[] = [];
    const x = await sdeditWithNoise(vpEps(D, sched), Float32Array.from(fx.guide), [c, h, w], sched, { sampler: 'ddpm', t0: fx.t0, seed: 0, mask, ddpmVariance }, noise);
    void x;
    const again = await sdeditWithNoise(vpEps(D, sched), Float32Array.from(fx.guide), [c, h, w], sched, {
      sampler: 'ddpm', t0: fx.t0, seed: 0, mask, ddpmVariance,
      onStep: (s) => void traj.push(s.x.slice()),
    }, noise);
    expect(traj.length).toBe(fx.steps);
    let maxErr = 0;
    for (let j = 0; j < fx.steps; j++) {
      const want = fx[key][j];
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(traj[j][i] - want[i]));
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(same(again, x)).toBe(true);
  });

  test('the two variances are different runs (the fixture tells them apart), and a wrong name is refused', async () => {
    let maxDiff = 0;
    for (let i = 0; i < fx.trajectory[fx.steps - 1].length; i++) maxDiff = Math.max(maxDiff, Math.abs(fx.trajectory[fx.steps - 1][i] - fx.trajectoryFixedLarge[fx.steps - 1][i]));
    expect(maxDiff).toBeGreaterThan(1e-3);
    await expect(sdeditWithNoise(vpEps(D, sched), Float32Array.from(fx.guide), [c, h, w], sched, { sampler: 'ddpm', t0: fx.t0, seed: 0, ddpmVariance: 'large' as never }, noise)).rejects.toThrow(/ddpmVariance/);
  });
});
