/** @jest-environment ./test/model/ort-node-env.js */
// The update graph (src/ui/runtime/update-graph.ts) and the resident loop (resident.ts) on
// onnxruntime-node's CPU EP, against core's own loops (src/core/sdedit.ts, solvers-fast.ts) with
// the same tiny network and the same seeds: one step of the graph against the equations written
// out here, then whole runs (masks, repeats, η > 0, DDPM, DPM-Solver++(2M), v-prediction,
// previews) against `sdedit`.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as OrtWeb from 'onnxruntime-web';
import { sdedit, gaussian, type SDEditOptions, type StepInfo } from '../../src/core';
import { loadPackFromDir, type LoadedPack } from '../../src/model/node';
import { OnnxDenoiser } from '../../src/model/onnx-denoiser';
import { scheduleFromPack } from '../../src/model/pack';
import { ResidentSampler, toHalf, type ResidentJob, type ResidentStep } from '../../src/ui/runtime/resident';
import { previewDue } from '../../src/ui/runtime/preview-steps';
import { buildInitGraph, buildStepGraph, COEF, COEF_LEN } from '../../src/ui/runtime/update-graph';
import { planResident } from '../../src/ui/runtime/update-graph-plan';

const FIXTURE = path.join(__dirname, '../fixtures/tiny-model');
const asWeb = ort as unknown as typeof OrtWeb;

let loaded: LoadedPack;
beforeAll(async () => {
  loaded = await loadPackFromDir(FIXTURE, { threads: 1 });
});
afterAll(async () => {
  await loaded?.release();
});

const randn = (n: number, seed: number) => {
  const a = new Float32Array(n);
  gaussian(seed, 7, a, 0, n);
  return a;
};

const maxAbs = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('update graph alone', () => {
  const [N, C, H, W] = [2, 3, 4, 5];
  const dims = [N, C, H, W];
  const n = N * C * H * W;
  const x = randn(n, 1);
  const out = randn(n, 2);
  const z = randn(n, 3);
  const d1 = randn(n, 4);
  const g = randn(n, 5);
  const z0 = randn(n, 6);
  const m = Float32Array.from({ length: H * W }, (_, i) => [0, 1, 0.25, 0.5, 0.8][i % 5]);
  const coef = Float32Array.from({ length: COEF_LEN }, (_, i) => [0.9, -0.3, 0.2, -0.1, 0.05, 1.3, 0.6, 0.8, 0.55, 0.4, -0.7][i]);
  const T = (a: Float32Array, d = dims) => new ort.Tensor('float32', a, d);
  const k = (name: keyof typeof COEF) => coef[COEF[name]];

  test('mask, noise, DPM terms and a linear ε map: the equations of core', async () => {
    const s = await ort.InferenceSession.create(buildStepGraph({ mask: true, noise: true, dpm: true, linearEps: true, netType: 'float32' }));
    const r = await s.run({ x: T(x), out: T(out), coef: T(coef, [COEF_LEN]), z: T(z), d1: T(d1), g: T(g), z0: T(z0), m: T(m, [1, 1, H, W]) });
    const wantX = new Float32Array(n);
    const wantX0 = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const eps = k('epsFromSample') * x[i] + k('epsFromOutput') * out[i];
      const x0 = (x[i] - k('sigma') * eps) * k('invAlpha');
      const upd = k('sample') * x[i] + k('network') * eps + k('x0') * x0 + k('x0Prev') * d1[i] + k('noise') * z[i];
      const mv = m[i % (H * W)];
      const y = k('keptSignal') * g[i] + k('keptNoise') * z0[i];
      wantX[i] = mv * upd + (1 - mv) * y;
      wantX0[i] = x0;
    }
    expect(maxAbs(r.x_next.data as Float32Array, wantX)).toBeLessThan(1e-5);
    expect(maxAbs(r.x0.data as Float32Array, wantX0)).toBeLessThan(1e-5);
    // kept (m = 0) and edited (m = 1) pixels are exact, as in core's loop
    const xn = r.x_next.data as Float32Array;
    for (let i = 0; i < n; i++) {
      const mv = m[i % (H * W)];
      if (mv === 0) expect(xn[i]).toBe(Math.fround(Math.fround(k('keptSignal') * g[i]) + Math.fround(k('keptNoise') * z0[i])));
    }
    await s.release();
  });

  test('plain DDIM graph (no mask, no noise) and the float16 I/O variant', async () => {
    const s = await ort.InferenceSession.create(buildStepGraph({ mask: false, noise: false, dpm: false, linearEps: false, netType: 'float32' }));
    const r = await s.run({ x: T(x), out: T(out), coef: T(coef, [COEF_LEN]) });
    const want = Float32Array.from(x, (v, i) => k('sample') * v + k('network') * out[i]);
    expect(maxAbs(r.x_next.data as Float32Array, want)).toBeLessThan(1e-5);
    expect(Object.keys(r).sort()).toEqual(['x0', 'x_next']);
    await s.release();
    const h = await ort.InferenceSession.create(buildStepGraph({ mask: false, noise: false, dpm: false, linearEps: false, netType: 'float16' }));
    const outH = new ort.Tensor('float16', toHalf(out), dims);
    const rh = await h.run({ x: T(x), out: outH, coef: T(coef, [COEF_LEN]) });
    expect(rh.x_net.type).toBe('float16');
    expect(maxAbs(rh.x_next.data as Float32Array, want)).toBeLessThan(2e-3);
    await h.release();
  });

  test('init graph: x = sa·g + sn·z0', async () => {
    const s = await ort.InferenceSession.create(buildInitGraph('float32'));
    const r = await s.run({ g: T(g), z0: T(z0), coef: T(Float32Array.from([0.7, 0.4]), [2]) });
    expect(maxAbs(r.x.data as Float32Array, Float32Array.from(g, (v, i) => 0.7 * v + 0.4 * z0[i]))).toBeLessThan(1e-6);
    await s.release();
  });

  test('toHalf rounds like IEEE binary16', () => {
    expect([...toHalf(Float32Array.from([0, 1, -2, 0.5, 65504, 1e6, 5.960464477539063e-8, 1 / 3]))]).toEqual([
      0, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0001, 0x3555,
    ]);
  });
});

describe('resident loop on CPU tensors vs core sdedit (tiny model)', () => {
  const shape: [number, number, number] = [3, 8, 12];
  const HW = shape[1] * shape[2];
  const guide = Float32Array.from({ length: 3 * HW }, (_, i) => Math.sin(i * 0.37) * 0.8);
  const mask = Float32Array.from({ length: HW }, (_, p) => ((p % shape[2]) < 6 ? 1 : (p % shape[2]) === 6 ? 0.5 : 0));

  async function compare(job: ResidentJob, tol = 5e-5, prediction?: 'v') {
    const pack = prediction ? { ...loaded.pack, prediction } : loaded.pack;
    const schedule = scheduleFromPack(pack);
    const denoiser = prediction ? new OnnxDenoiser(loaded.session, ort.Tensor as never, pack, schedule) : loaded.denoiser;
    const previews: StepInfo['x0'][] = [];
    const every = job.previewEvery ?? 0;
    const P = guide.length;
    const opts: SDEditOptions = {
      sampler: job.sampler,
      t0: job.t0,
      steps: job.steps,
      eta: job.eta,
      repeats: job.repeats,
      mask: job.mask,
      seed: job.seed,
      batch: job.batch,
      grid: job.grid,
      correction: job.correction,
      ddpmVariance: job.ddpmVariance,
      onStep: (i) => {
        if (previewDue(i.step, i.total, every)) previews.push(i.x0.slice(0, P));
      },
    };
    const want = await sdedit(denoiser, guide, shape, schedule, opts);
    const sampler = await ResidentSampler.create(asWeb, null, pack, schedule, { where: 'cpu', unet: loaded.session as unknown as OrtWeb.InferenceSession });
    const steps: ResidentStep[] = [];
    const got = await sampler.run(job, (s) => {
      steps.push(s);
    });
    await sampler.release();
    const d = maxAbs(got.out, want);
    if (process.env.SHOW_DIFF) console.log(job.sampler, job.steps, d);
    expect(d).toBeLessThan(tol);
    const shown = steps.filter((s) => s.x0).map((s) => s.x0 as Float32Array);
    expect(shown.length).toBe(previews.length);
    shown.forEach((p, i) => expect(maxAbs(p, previews[i])).toBeLessThan(tol));
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    return { d, got, steps };
  }

  const base = { guide, shape, seed: 11, t0: 0.5 };

  test('DDIM η=0, mask, 2 repeats, batch 2, previews', async () => {
    const { steps } = await compare({ ...base, mask, sampler: 'ddim', steps: 3, repeats: 2, batch: 2, previewEvery: 2 });
    expect(steps.length).toBe(6);
    expect(steps.filter((s) => s.x0).map((s) => s.step)).toEqual([2, 4]); // none at the last step: the result follows
  });

  test('DDIM η=0.7 (noise uploaded per step), mask', async () => {
    await compare({ ...base, mask, sampler: 'ddim', steps: 4, eta: 0.7, previewEvery: 1 });
  });

  test('DDPM strided and every-step, mask, 2 repeats', async () => {
    await compare({ ...base, mask, sampler: 'ddpm', steps: 3, repeats: 2 });
    await compare({ ...base, t0: 0.012, mask, sampler: 'ddpm', steps: 0 });
    await compare({ ...base, t0: 0.012, mask, sampler: 'ddpm', steps: 0, ddpmVariance: 'fixedlarge' });
  });

  test('DPM-Solver++(2M), mask, 2 repeats, previews', async () => {
    await compare({ ...base, mask, sampler: 'dpmpp2m', steps: 4, repeats: 2, previewEvery: 3 });
    await compare({ ...base, mask, sampler: 'dpmpp2m', steps: 5, grid: 'logsnr' });
  });

  test('SDE-DPM-Solver++(2M) (the panel default): mask, 2 repeats, batch 2, previews, both corrections', async () => {
    await compare({ ...base, mask, sampler: 'dpmpp2m-sde', steps: 4, repeats: 2, batch: 2, previewEvery: 2, grid: 'logsnr' });
    await compare({ ...base, mask, sampler: 'dpmpp2m-sde', steps: 5, grid: 'time', correction: 'midpoint' });
  });

  test('no mask; v-prediction pack (ε map folded into the graph)', async () => {
    await compare({ ...base, mask: null, sampler: 'ddim', steps: 3 });
    await compare({ ...base, mask, sampler: 'ddim', steps: 3, repeats: 2 }, 5e-5, 'v');
  });

  test('kept pixels equal the guide exactly after the last step', async () => {
    const { got } = await compare({ ...base, mask, sampler: 'ddim', steps: 2 });
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < HW; p++) if (mask[p] === 0) expect(got.out[ch * HW + p]).toBe(guide[ch * HW + p]);
  });

  test('a cancel between steps rejects with AbortError', async () => {
    const sampler = await ResidentSampler.create(asWeb, null, loaded.pack, loaded.schedule, { where: 'cpu', unet: loaded.session as unknown as OrtWeb.InferenceSession });
    const ctl = new AbortController();
    const seen: number[] = [];
    const p = sampler.run({ ...base, mask, sampler: 'ddim', steps: 4 }, (s) => {
      seen.push(s.step);
      if (s.step === 2) ctl.abort();
    }, ctl.signal);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2]);
    await sampler.release();
    await expect(sampler.run({ ...base, mask, sampler: 'ddim', steps: 1 }, null)).rejects.toThrow(/released/);
  });

  test('t0 = 0 returns the guide; plan coefficients are float32 of core formulas', async () => {
    const sampler = await ResidentSampler.create(asWeb, null, loaded.pack, loaded.schedule, { where: 'cpu', unet: loaded.session as unknown as OrtWeb.InferenceSession });
    const r = await sampler.run({ ...base, t0: 0, mask, sampler: 'ddim', steps: 3, batch: 2 }, null);
    expect([...r.out]).toEqual([...guide, ...guide]);
    await sampler.release();
    // a t0 whose ᾱ snaps to 1 has nothing to denoise: no step (core returns the guide too)
    for (const sampler of ['ddpm', 'ddim', 'dpmpp2m-sde'] as const) expect(planResident(loaded.schedule, { sampler, t0: 1e-8, steps: 3 }).steps).toBe(0);
    const plan = planResident(loaded.schedule, { sampler: 'ddim', t0: 0.4, steps: 2 });
    expect(plan.coef).toHaveLength(2);
    expect(plan.noisy).toEqual([false, false]);
    // the last DDIM step lands on ᾱ = 1: x = x̂0
    const last = plan.coef[1];
    expect(last[COEF.sample]).toBeCloseTo(last[COEF.invAlpha], 5);
    expect(last[COEF.keptSignal]).toBe(1);
    expect(last[COEF.keptNoise]).toBe(0);
  });
});
