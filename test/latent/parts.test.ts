// float16 conversion, and the VAE encoder's three output conventions (optimum's mean‖logvar,
// a deterministic latent_sample, a latent_sample drawn inside the graph).
import { fromHalf, toHalf } from '../../src/model/latent/fp16';
import type { AnyTensor, AnyTensorCtor, PartSession } from '../../src/model/latent/io';
import { LATENT_MEMORY_MARGIN_BYTES, estimateLatentMemory } from '../../src/model/latent/memory';
import { encodeImage } from '../../src/model/latent/parts';
import { LatentUnet, guidanceEmbedding, timestepOf } from '../../src/model/latent/unet';
import { vpFromBetas } from '../../src/core';

test('float16: exact values, round to nearest even, subnormals, overflow', () => {
  for (const v of [0, 1, -2, 0.5, 999, 2048, 65504, 6.103515625e-5]) expect(fromHalf(toHalf(v))).toBe(v);
  expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway: to even (1.0)
  expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway: to even (1 + 2^-9)
  expect(fromHalf(toHalf(2 ** -24))).toBe(2 ** -24); // smallest subnormal
  expect(fromHalf(toHalf(1e6))).toBe(Infinity);
  expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
  expect(Math.abs(fromHalf(toHalf(0.1)) - 0.1)).toBeLessThan(1e-4);
});

test('timesteps come back exactly from the loop’s float32 times; the LCM embedding is diffusers’', () => {
  for (const tau of [0, 1, 249, 499, 749, 999]) expect(timestepOf(Math.fround((tau + 1) / 1000), 1000)).toBe(tau);
  const e = guidanceEmbedding(6.5, 256);
  expect(e[0]).toBeCloseTo(Math.sin(6500), 6);
  expect(e[128]).toBeCloseTo(Math.cos(6500), 6);
  expect(e[127]).toBeCloseTo(Math.sin(6500 * Math.exp((-127 * Math.log(10000)) / 127)), 6);
});

class FakeTensor implements AnyTensor {
  constructor(readonly type: string, readonly data: unknown, readonly dims: readonly number[]) {}
}

function encoder(outName: string, channels: number, draw: () => number): PartSession {
  return {
    inputNames: ['sample'],
    outputNames: [outName],
    inputMetadata: [{ name: 'sample', isTensor: true, type: 'float32', shape: ['b', 3, 'h', 'w'] }],
    outputMetadata: [{ name: outName, isTensor: true, type: 'float32', shape: ['b', channels, 'h', 'w'] }],
    async run() {
      const noise = draw(); // one draw per call
      const d = new Float32Array(channels * 4).map((_, i) => (i < 16 ? 1 + i : 100) + noise);
      return { [outName]: new FakeTensor('float32', d, [1, channels, 2, 2]) };
    },
    async release() {},
  };
}

const vae = { className: 'AutoencoderKL', scalingFactor: 0.5, latentChannels: 4, factor: 8 };
const T = FakeTensor as unknown as AnyTensorCtor;
const img = new Float32Array(3 * 16 * 16);

test('latent_parameters: the mean half, scaled', async () => {
  const r = await encodeImage(encoder('latent_parameters', 8, () => 0), T, img, 16, 16, vae);
  expect(r.mode).toBe('mean');
  expect(Array.from(r.latent)).toEqual(Array.from({ length: 16 }, (_, i) => (1 + i) * 0.5));
});

test('a deterministic latent_sample is used as it is', async () => {
  const r = await encodeImage(encoder('latent_sample', 4, () => 0), T, img, 16, 16, vae);
  expect(r.mode).toBe('latent_sample');
  expect(r.latent[3]).toBe(2);
});

test('a latent_sample drawn inside the graph is detected and averaged', async () => {
  let k = 0;
  const r = await encodeImage(encoder('latent_sample', 4, () => ((k++ % 2) * 2 - 1) * 0.1), T, img, 16, 16, vae);
  expect(r.mode).toBe('averaged');
  expect(r.latent[0]).toBeCloseTo(0.5, 6); // ±0.1 draws cancel over 8 runs
});

test('memory estimate: the largest part plus the top-level attention (scores and softmax)', () => {
  const bytes = { text_encoder: 681e6, unet: 1.73e9, vae_encoder: 68e6, vae_decoder: 99e6 };
  const e = estimateLatentMemory(bytes, { attentionHeads: 5 }, 64, 64, 2);
  expect(e.part).toBe('unet');
  expect(e.activations).toBe(2 * 2 * 5 * 4096 * 4096 * 4); // SD-Turbo at 512², CFG batch
  expect(e.total).toBeGreaterThan(e.weights + e.activations);
  expect(estimateLatentMemory(bytes, { attentionHeads: null }, 64, 64, 2).activations).toBe(0);
  // the measured peak of a real-sized SD-Turbo UNet edit (bench/RESULTS.md §8: 4.87 GB RSS, one
  // row, 3.46 GB of fp32 weights) stays under the estimate
  const real = estimateLatentMemory({ ...bytes, unet: 3_462_920_960 }, { attentionHeads: 5 }, 64, 64, 1);
  expect(real.total).toBeGreaterThan(4.868e9);
  expect(real.total - LATENT_MEMORY_MARGIN_BYTES).toBeLessThan(4.868e9);
});

describe('LatentUnet with a fake session', () => {
  // out_sample = row index + 10·(ehs[0]) + 0.001·timestep, so rows, conditioning and τ are visible
  function unetSession(batch: number | string, calls: number[][]): PartSession {
    return {
      inputNames: ['sample', 'timestep', 'encoder_hidden_states'],
      outputNames: ['out_sample'],
      inputMetadata: [
        { name: 'sample', isTensor: true, type: 'float32', shape: [batch, 4, 1, 1] },
        { name: 'timestep', isTensor: true, type: 'int64', shape: [1] },
        { name: 'encoder_hidden_states', isTensor: true, type: 'float32', shape: [batch, 2, 1] },
      ],
      outputMetadata: [{ name: 'out_sample', isTensor: true, type: 'float32', shape: [batch, 4, 1, 1] }],
      async run(feeds) {
        const x = feeds.sample as FakeTensor;
        const rows = x.dims[0];
        const tau = Number((feeds.timestep.data as BigInt64Array)[0]);
        const ehs = feeds.encoder_hidden_states.data as Float32Array;
        calls.push([rows, tau]);
        const out = new Float32Array(rows * 4).map((_, i) => (x.data as Float32Array)[i] + 10 * ehs[Math.floor(i / 4) * 2] + 0.001 * tau);
        return { out_sample: new FakeTensor('float32', out, x.dims) };
      },
      async release() {},
    };
  }
  const vp = vpFromBetas(new Float64Array(1000).fill(0.01));
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const t = Float32Array.from([500 / 1000, 500 / 1000]); // τ = 499

  test('CFG: [uncond × n, cond × n] in one call, ε = ε_u + g·(ε_c − ε_u); a static batch of 1 runs row by row', async () => {
    for (const [batch, expectCalls] of [['b', 1], [1, 4]] as const) {
      const calls: number[][] = [];
      const u = new LatentUnet(unetSession(batch, calls), T, vp, 'epsilon', { cond: Float32Array.from([1, 0]), seqLen: 2, cfg: { uncond: Float32Array.from([0, 0]), scale: 3 }, timeCond: null });
      const eps = await u.predict(x, [2, 4, 1, 1], t);
      expect(calls.length).toBe(expectCalls);
      expect(calls.every(([, tau]) => tau === 499)).toBe(true);
      // ε_u = x + 0.499, ε_c = x + 10 + 0.499 → ε = x + 0.499 + 30
      for (let i = 0; i < 8; i++) expect(eps[i]).toBeCloseTo(x[i] + 30.499, 4);
    }
  });

  test('v_prediction and sample outputs become ε at the call’s ᾱ', async () => {
    const a = vp.alphaBars[499];
    for (const pred of ['v_prediction', 'sample'] as const) {
      const u = new LatentUnet(unetSession('b', []), T, vp, pred, { cond: Float32Array.from([0, 0]), seqLen: 2, cfg: null, timeCond: null });
      const eps = await u.predict(x, [2, 4, 1, 1], t);
      for (let i = 0; i < 8; i++) {
        const out = x[i] + 0.499;
        const want = pred === 'v_prediction' ? Math.sqrt(a) * out + Math.sqrt(1 - a) * x[i] : (x[i] - Math.sqrt(a) * out) / Math.sqrt(1 - a);
        expect(eps[i]).toBeCloseTo(want, 4);
      }
    }
  });
});
