/** @jest-environment ./test/model/ort-node-env.js */
// Closed-form checks on the gaussian-exact pack: its UNet returns the exact E[ε | x] for i.i.d.
// latents x0 ~ N(μ, s²) (μ = 0.3, s = 0.5), ε̂ = a_τ·x + b_τ with a_τ = √(1−ᾱ)/(ᾱs² + 1 − ᾱ) and
// b_τ = −a_τ·√ᾱ·μ, and its VAE is linear with an exact left inverse. Every step of the pack's
// Euler is then affine, so each output latent is exactly P·g + Q·z + R in the guide latent g and
// the initial noise z, with P, Q, R from a scalar recursion over the steps (checked through the
// whole pipeline, VAE included). For guide latents drawn from N(μ, s²) (straight into core's loop
// with the pack's UNet session: the VAE reaches only a 3-dimensional subspace of the 4 latent
// channels) a run from strength 1 starts at the exact noised marginal, so the probability-flow ODE
// gives mean P·μ + R → μ and variance P²s² + Q² → s² as its steps grow (first order), and the
// outputs' sample moments must match those within sampling error; every-step DDPM, the
// stochastic sampler, must return the data's μ and s themselves.
import * as path from 'node:path';
import type { NoiseSource } from '../../src/core';
import { gaussian, planPack, scheduleFromConfig, sdedit, sdeditPack, seededNoise } from '../../src/core';
import { loadLatentPackFromDir, nodeRuntime } from '../../src/model/latent/node';
import { latentSDEdit } from '../../src/model/latent/pipeline';
import { LatentUnet } from '../../src/model/latent/unet';
import { PACKS_DIR, maxDiff } from './reference';

const MU = 0.3;
const S = 0.5;
const dir = path.join(PACKS_DIR, 'gaussian-exact');

async function setup() {
  const info = await loadLatentPackFromDir(dir);
  if (!info.scheduler) throw new Error(`gaussian-exact's scheduler should be reproduced: ${info.schedulerNote}`);
  return { info, sched: info.scheduler, rt: nodeRuntime(dir, info, { threads: 1 }), vp: scheduleFromConfig(info.betas) };
}

/** P, Q, R of out = P·g + Q·z + R for the pack's Euler at (steps, strength). */
function affine(sched: Awaited<ReturnType<typeof setup>>['sched'], vp: ReturnType<typeof scheduleFromConfig>, steps: number, strength: number) {
  const plan = planPack(sched, vp, { steps, strength });
  const a0 = plan.steps[0].levelIn;
  let P = Math.sqrt(a0);
  let Q = Math.sqrt(1 - a0);
  let R = 0;
  for (let j = 0; j < plan.steps.length; j++) {
    const ab = vp.alphaBars[plan.timesteps[j]];
    const a = Math.sqrt(1 - ab) / (ab * S * S + 1 - ab);
    const b = -a * Math.sqrt(ab) * MU;
    const { sample, network } = plan.steps[j];
    const k = sample + network * a;
    P *= k;
    Q *= k;
    R = k * R + network * b;
  }
  return { P, Q, R };
}

/** core's loop with the pack's real UNet session on guide latents drawn from N(μ, s²) (the VAE
 *  maps only a 3-dimensional subspace of the 4 latent channels, so the draws skip it). */
async function runLatents(sampler: 'pack' | 'ddpm', steps: number, guides: number, variations: number): Promise<number[]> {
  const { sched, rt, vp } = await setup();
  const s = await rt.open('unet');
  const vals: number[] = [];
  try {
    const unet = new LatentUnet(s, rt.Tensor, vp, 'epsilon', { cond: new Float32Array(77 * 32), seqLen: 77, cfg: null, timeCond: null });
    for (let k = 0; k < guides; k++) {
      const g = gaussian(1000 + k, 1, new Float32Array(256)).map((v) => MU + S * v);
      const out =
        sampler === 'pack'
          ? await sdeditPack(unet, g, [4, 8, 8], vp, planPack(sched, vp, { steps, strength: 1 }), { seed: 100 * k, batch: variations })
          : await sdedit(unet, g, [4, 8, 8], vp, { sampler: 'ddpm', t0: 1, steps: 0, seed: 100 * k, batch: variations });
      vals.push(...out);
    }
  } finally {
    await s.release();
  }
  return vals;
}

function moments(vals: number[]): { mean: number; std: number } {
  const n = vals.length;
  const mean = vals.reduce((a, b) => a + b, 0) / n;
  return { mean, std: Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) };
}

test('every output latent is exactly P·g + Q·z + R (the scalar recursion of the Euler steps), through the VAE too', async () => {
  const { info, sched, rt, vp } = await setup();
  const z = new Float32Array(256);
  const seeded = seededNoise(7);
  const noise: NoiseSource = (req, out, offset, count) => {
    seeded(req, out, offset, count);
    if (req.kind === 'init') z.set(out.subarray(offset, offset + count));
  };
  const guide = new Float32Array(3 * 64 * 64).map((_, i) => Math.sin(i * 0.001) * 0.8);
  const res = await latentSDEdit(rt, info, guide, 64, 64, { prompt: 'a cat', t0: 0.75, steps: 4, sampler: 'pack', seed: 7, noise });
  const { P, Q, R } = affine(sched, vp, 4, 0.75);
  const want = Array.from(res.encoded, (g, i) => P * g + Q * z[i] + R);
  expect(maxDiff(res.latents, want)).toBeLessThan(1e-4);
});

test("from strength 1 the exact moments approach the data's μ and s as the steps grow", async () => {
  const { sched, vp } = await setup();
  const gap = (steps: number) => {
    const { P, Q, R } = affine(sched, vp, steps, 1);
    return { mean: Math.abs(P * MU + R - MU), std: Math.abs(Math.sqrt(P * P * S * S + Q * Q) - S) };
  };
  const [g4, g50, g500] = [gap(4), gap(50), gap(500)];
  // Euler is first order: the variance gap shrinks with the steps
  expect(g50.std).toBeLessThan(g4.std);
  expect(g500.std).toBeLessThan(g50.std / 5);
  for (const g of [g4, g50, g500]) expect(g.mean).toBeLessThan(1e-3);
  expect(g500.std).toBeLessThan(0.01);
});

test("the pack's Euler: sample moments of many outputs match the exact moments", async () => {
  const { sched, vp } = await setup();
  const { P, Q, R } = affine(sched, vp, 50, 1);
  const { mean, std } = moments(await runLatents('pack', 50, 8, 8));
  const n = 8 * 8 * 256;
  const eMean = P * MU + R;
  const eStd = Math.sqrt(P * P * S * S + Q * Q);
  // 4 standard errors: mean s/√n; std s/√(2n) (Gaussian)
  expect(Math.abs(mean - eMean)).toBeLessThan((4 * eStd) / Math.sqrt(n));
  expect(Math.abs(std - eStd)).toBeLessThan((4 * eStd) / Math.sqrt(2 * n));
});

test("every-step DDPM (stochastic, 1000 steps) on the pack's schedule returns the data's μ and s", async () => {
  const { mean, std } = moments(await runLatents('ddpm', 0, 4, 8));
  const n = 4 * 8 * 256;
  expect(Math.abs(mean - MU)).toBeLessThan((4 * S) / Math.sqrt(n));
  expect(Math.abs(std - S)).toBeLessThan((4 * S) / Math.sqrt(2 * n) + 0.005);
}, 30_000); // 1000 sequential steps: ≈1.6 s alone, over jest's 5 s default on a loaded 2-core machine

// The conditional limits given the guide latent x_g (test/fixtures/latent-packs/README.md), with
// a = ᾱ at the first timestep run and D = a·s² + 1 − a: the probability-flow ODE gives
// μ + s·(x_t − √a·μ)/√D, the reverse SDE N(μ + s²√a·(x_t − √a·μ)/D, s²(1−a)/D).
describe('conditional limits given the guide latent (SDEdit from t0 = 0.75)', () => {
  test("the pack's Euler approaches the exact ODE map at first order", async () => {
    const { sched, vp } = await setup();
    const gapAt = (steps: number) => {
      const a = planPack(sched, vp, { steps, strength: 0.75 }).steps[0].levelIn;
      const D = a * S * S + 1 - a;
      const { P, Q, R } = affine(sched, vp, steps, 0.75);
      const lim = [(S * Math.sqrt(a)) / Math.sqrt(D), (S * Math.sqrt(1 - a)) / Math.sqrt(D), MU - (S * Math.sqrt(a) * MU) / Math.sqrt(D)];
      return Math.max(...[P, Q, R].map((v, i) => Math.abs(v - lim[i]) / Math.abs(lim[i])));
    };
    const g100 = gapAt(100);
    const g1000 = gapAt(1000);
    expect(g1000).toBeLessThan(g100 / 5); // first order: ×10 steps, ≈ ÷10 error
    expect(g1000).toBeLessThan(0.01);
  });

  test('every-step DDPM samples the exact posterior: standardized residuals are N(0, 1)', async () => {
    const { rt, vp } = await setup();
    const s = await rt.open('unet');
    const t0 = 0.75;
    const a = vp.alphaBars[Math.round(t0 * vp.n) - 1];
    const D = a * S * S + 1 - a;
    const g = gaussian(7, 1, new Float32Array(256)).map((v) => MU + 0.8 * v); // any guide
    const N = 16;
    let out: Float32Array;
    try {
      const unet = new LatentUnet(s, rt.Tensor, vp, 'epsilon', { cond: new Float32Array(77 * 32), seqLen: 77, cfg: null, timeCond: null });
      out = await sdedit(unet, g, [4, 8, 8], vp, { sampler: 'ddpm', t0, steps: 0, seed: 3, batch: N });
    } finally {
      await s.release();
    }
    const mean = (xg: number) => MU + (a * S * S * (xg - MU)) / D;
    const sd = Math.sqrt(((S * S * (1 - a)) / D) * (1 + (a * S * S) / D));
    const r = Array.from(out, (v, i) => (v - mean(g[i % 256])) / sd);
    const n = r.length;
    const m = r.reduce((x, y) => x + y, 0) / n;
    const v = r.reduce((x, y) => x + (y - m) ** 2, 0) / (n - 1);
    expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(n) + 0.01);
    expect(Math.abs(Math.sqrt(v) - 1)).toBeLessThan(4 / Math.sqrt(2 * n) + 0.01);
  });
});
