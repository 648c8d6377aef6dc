/** @jest-environment ./test/model/ort-node-env.js */
// Latent SDEdit on the tiny packs: masks (kept pixels byte-identical, every latent touching an
// edited pixel edited), prompts, variations, the engine's own samplers on a pack's schedule,
// classifier-free guidance on a static batch-1 UNet.
import * as path from 'node:path';
import { chwToRgba } from '../../src/core';
import { loadLatentPackFromDir, nodeRuntime } from '../../src/model/latent/node';
import type { LatentEditOptions } from '../../src/model/latent/pipeline';
import { latentMask, latentSDEdit } from '../../src/model/latent/pipeline';
import { PACKS_DIR, maxDiff, referenceCases, referenceGuide } from './reference';

const guide = Float32Array.from(referenceGuide(referenceCases()[0]).data);

async function edit(pack: string, opts: Partial<LatentEditOptions>) {
  const dir = path.join(PACKS_DIR, pack);
  const info = await loadLatentPackFromDir(dir);
  return latentSDEdit(nodeRuntime(dir, info, { threads: 1 }), info, guide, 64, 64, {
    prompt: 'a photo of a cat',
    t0: 0.75,
    steps: 4,
    sampler: 'pack',
    seed: 3,
    ...opts,
  });
}

test('latentMask: a latent is edited when any pixel of its block is', () => {
  const H = 16;
  const W = 16;
  const m = new Float32Array(H * W);
  m[5 * W + 9] = 1; // pixel (9, 5) → latent (1, 0) with f = 8
  m[12 * W + 2] = 0.25;
  const l = Array.from(latentMask(m, H, W, 8));
  expect(l).toEqual([0, 1, 0.25, 0]);
});

describe('masks', () => {
  const mask = new Float32Array(64 * 64);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) mask[y * 64 + x] = x < 20 ? 1 : x < 24 ? 0.5 : 0;
  test('kept pixels are byte-identical to the guide; edited ones change', async () => {
    const res = await edit('ortweb-fp32', { mask, variations: 2 });
    const g = chwToRgba(guide, 64, 64);
    for (let b = 0; b < 2; b++) {
      const out = chwToRgba(res.images.subarray(b * 3 * 4096, (b + 1) * 3 * 4096), 64, 64);
      let keptSame = true;
      let editedChanged = 0;
      for (let p = 0; p < 4096; p++) {
        const same = out[4 * p] === g[4 * p] && out[4 * p + 1] === g[4 * p + 1] && out[4 * p + 2] === g[4 * p + 2];
        if (mask[p] === 0 && !same) keptSame = false;
        if (mask[p] === 1 && !same) editedChanged++;
      }
      expect(keptSame).toBe(true);
      expect(editedChanged).toBeGreaterThan(1000);
    }
  });
  test('latents of wholly kept blocks end at the guide latent (their final level is clean)', async () => {
    const res = await edit('ortweb-fp32', { mask });
    const lm = latentMask(mask, 64, 64, 8);
    for (let c = 0; c < 4; c++) {
      for (let k = 0; k < 64; k++) {
        const i = c * 64 + k;
        if (lm[k] === 0) expect(res.latents[i]).toBe(res.encoded[i]);
        else expect(Math.abs(res.latents[i] - res.encoded[i])).toBeGreaterThan(0);
      }
    }
  });
});

test('different prompts give different results; the same prompt and seed the same bytes', async () => {
  const a = await edit('ortweb-fp32', { prompt: 'a photo of a cat' });
  const b = await edit('ortweb-fp32', { prompt: 'a painting of a red dog' });
  const a2 = await edit('ortweb-fp32', { prompt: 'a photo of a cat' });
  expect(maxDiff(a.images, b.images)).toBeGreaterThan(1e-2);
  expect(Array.from(a2.images)).toEqual(Array.from(a.images));
});

test('variation b of a batch equals a single run with seed + b (stochastic scheduler)', async () => {
  const batch = await edit('taesd', { variations: 2, seed: 5 });
  const single = await edit('taesd', { seed: 6 });
  expect(maxDiff(batch.images.subarray(3 * 4096), single.images)).toBeLessThan(1e-5);
  expect(maxDiff(batch.images.subarray(0, 3 * 4096), single.images)).toBeGreaterThan(1e-3);
});

describe.each(['ddpm', 'ddim', 'dpmpp2m', 'dpmpp2m-sde'] as const)("the engine's %s on the pack's schedule", (sampler) => {
  test('runs on integer timesteps and the same number of UNet calls', async () => {
    const steps = sampler === 'ddpm' ? 0 : 5;
    const res = await edit('ortweb-fp32', { sampler, steps, t0: sampler === 'ddpm' ? 0.03 : 0.5, repeats: 2 });
    expect(res.timesteps.length).toBe(sampler === 'ddpm' ? 30 : 5);
    for (const t of res.timesteps) expect(Number.isInteger(t) && t >= 0 && t <= 999).toBe(true);
    expect(res.unetCalls).toBe(2 * res.timesteps.length);
    expect(res.t0 * 1000).toBeCloseTo(res.timesteps[0] + 1, 6);
    expect(res.images.every(Number.isFinite)).toBe(true);
  });
});

test("K repeats with the pack's scheduler: K × the steps, each repeat starting from the last one's result", async () => {
  const one = await edit('lcm', { repeats: 1, guidance: 7.5 });
  const two = await edit('lcm', { repeats: 2, guidance: 7.5 });
  expect(two.unetCalls).toBe(2 * one.unetCalls);
  expect(two.timesteps).toEqual(one.timesteps);
  expect(maxDiff(two.images, one.images)).toBeGreaterThan(1e-3);
});

test('classifier-free guidance on a static batch-1 fp16 UNet runs uncond and cond as two calls', async () => {
  const on = await edit('webnn-fp16', { guidance: 7.5, negative: 'a dog' });
  const off = await edit('webnn-fp16', {});
  expect(on.cfg).toBe(true);
  expect(off.cfg).toBe(false); // distilled (trailing Euler): guidance off by default
  expect(on.unetCalls).toBe(2 * off.unetCalls);
  expect(maxDiff(on.images, off.images)).toBeGreaterThan(1e-3);
});
