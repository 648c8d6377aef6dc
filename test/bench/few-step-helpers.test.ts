// The few-step sweep's helper: the batching denoiser must not change results.
import { BatchingDenoiser } from '../../bench/lib/batching';
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
    const batching = new BatchingDenoiser(elementwise);
    batching.expected = guides.length;
    const together = await Promise.all(guides.map((g, i) => run(batching, g, [3, S, S], vp, { sampler, t0: 0.5, steps: 4, seed: 10 + i, batch: 2 })));
    expect(batching.calls).toBe(4);
    for (let i = 0; i < guides.length; i++) expect(Buffer.from(together[i].buffer).equals(Buffer.from(alone[i].buffer))).toBe(true);
  }
});
