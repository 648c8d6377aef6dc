// The few-step sweep's (and the evaluation's) batching of concurrent runs (src/model/batching.ts)
// must not change results.
import { runBatched } from '../../src/model/batching';
import { sdedit, vpLinear } from '../../src/core';
import type { Denoiser, Shape4 } from '../../src/core';

const S = 16;
const P = 3 * S * S;
const vp = vpLinear();

/** An elementwise ε̂ (items independent), like a network over a batch. */
const elementwise: Denoiser = {
  kind: 'eps',
  predict: async (x: Float32Array, [n]: Shape4, t: Float32Array) => {
    const out = new Float32Array(x.length);
    const per = x.length / n;
    for (let b = 0; b < n; b++) {
      const a = vp.alphaBar(t[b]);
      for (let i = 0; i < per; i++) out[b * per + i] = Math.sqrt(1 - a) * Math.tanh(x[b * per + i]);
    }
    return out;
  },
};

function image(seed: number, shift = 0): Float32Array {
  const x = new Float32Array(P);
  let st = seed;
  for (let i = 0; i < P; i++) {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    x[i] = Math.max(-1, Math.min(1, Math.sin(i * 0.05 + seed) * 0.5 + (st / 4294967296 - 0.5) * 0.3 + shift));
  }
  return x;
}

test('batched concurrent runs equal separate runs, bit for bit', async () => {
  const guides = [image(1), image(2), image(3)];
  for (const sampler of ['ddim', 'dpmpp2m'] as const) {
    const run = sdedit;
    const alone = [];
    for (const [i, g] of guides.entries()) alone.push(await run(elementwise, g, [3, S, S], vp, { sampler, t0: 0.5, steps: 4, seed: 10 + i, batch: 2 }));
    const { results: together, calls } = await runBatched(elementwise, guides.length, (d, i) => run(d, guides[i], [3, S, S], vp, { sampler, t0: 0.5, steps: 4, seed: 10 + i, batch: 2 }));
    expect(calls).toBe(4);
    for (let i = 0; i < guides.length; i++) expect(Buffer.from(together[i].buffer).equals(Buffer.from(alone[i].buffer))).toBe(true);
  }
});

test('runs of different lengths: a run that ends is no longer waited for', async () => {
  const guides = [image(4), image(5)];
  const steps = [2, 5];
  const alone = [];
  for (const [i, g] of guides.entries()) alone.push(await sdedit(elementwise, g, [3, S, S], vp, { sampler: 'ddim', t0: 0.5, steps: steps[i], seed: 3 + i }));
  const sizes: number[] = [];
  const counting: Denoiser = { kind: 'eps', predict: (x, shape, t) => (sizes.push(shape[0]), elementwise.predict(x, shape, t)) };
  const { results, calls } = await runBatched(counting, 2, (d, i) => sdedit(d, guides[i], [3, S, S], vp, { sampler: 'ddim', t0: 0.5, steps: steps[i], seed: 3 + i }));
  expect(sizes).toEqual([2, 2, 1, 1, 1]);
  expect(calls).toBe(5);
  for (let i = 0; i < 2; i++) expect(Buffer.from(results[i].buffer).equals(Buffer.from(alone[i].buffer))).toBe(true);
});

test('a failing network rejects every run of the batch', async () => {
  const failing: Denoiser = { kind: 'eps', predict: async () => Promise.reject(new Error('network down')) };
  await expect(runBatched(failing, 3, (d, i) => sdedit(d, image(i), [3, S, S], vp, { sampler: 'ddim', t0: 0.5, steps: 2, seed: i }))).rejects.toThrow('network down');
});
