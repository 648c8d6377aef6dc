// float16 conversion, and the VAE encoder's three output conventions (optimum's mean‖logvar,
// a deterministic latent_sample, a latent_sample drawn inside the graph).
import { fromHalf, toHalf } from '../../src/model/latent/fp16';
import type { AnyTensor, AnyTensorCtor, PartSession } from '../../src/model/latent/io';
import { estimateLatentMemory } from '../../src/model/latent/memory';
import { encodeImage } from '../../src/model/latent/parts';
import { guidanceEmbedding, timestepOf } from '../../src/model/latent/unet';

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
});
