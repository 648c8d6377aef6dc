// Golden outputs: the sha256 of the float32 bytes that `sdedit` returns (and of the x̂0 previews it
// reports) for a fixed set of configurations, with deterministic analytic denoisers: every
// sampler and grid, binary and fractional masks, K > 1 repeats, batches of variations, and
// v-/x0-prediction networks through src/model/adapter.ts. A refactor of the sampler maths must
// leave every hash unchanged; a deliberate change of the numerics updates the hashes it moves in
// the same commit, saying why.
//
// Regenerate: GOLDEN_WRITE=1 npx jest test/core/golden-outputs.test.ts (then review the diff).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sdedit } from '../../src/core/sdedit';
import { veGeometric, vpCosine, vpLinear, type Schedule, type VPSchedule } from '../../src/core/schedule';
import type { Denoiser, SDEditOptions, Shape4 } from '../../src/core/types';
import { adaptOutput } from '../../src/model/adapter';
import type { Prediction } from '../../src/model/pack';
import { CountingDenoiser, gaussianData, sampleData, veScore, vpEps, type GaussianData } from './analytic';

const GOLDEN = path.join(__dirname, 'golden-outputs.json');
const C = 3;
const H = 8;
const W = 10;
const HW = H * W;
const DATA = gaussianData(C, H, W, [
  { mu: -0.3, s: 0.2 },
  { mu: 0.25, s: 0.35 },
  { mu: 0.5, s: 0.1 },
]);
const guide = sampleData(DATA, 5);
const binary = Float32Array.from({ length: HW }, (_, p) => (p % W < 4 ? 0 : 1));
const fractional = Float32Array.from({ length: HW }, (_, p) => [0, 1, 0.25, 1, 0.6, 0][p % 6]);

const linear = vpLinear();
const cosine = vpCosine();
const ve = veGeometric(0.01, 50);

/** A network that predicts v or x0, built from the exact ε of the data, seen through the adapter. */
function throughAdapter(schedule: VPSchedule, prediction: Prediction): Denoiser {
  const exact = vpEps(DATA, schedule);
  return {
    kind: 'eps',
    async predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
      const eps = await exact.predict(x, shape, t);
      const per = x.length / shape[0];
      const out = new Float32Array(x.length);
      for (let b = 0; b < shape[0]; b++) {
        const a = schedule.alphaBar(t[b]);
        const sa = Math.sqrt(a);
        const sn = Math.sqrt(1 - a);
        for (let i = b * per; i < (b + 1) * per; i++) {
          const x0 = (x[i] - sn * eps[i]) / sa;
          out[i] = prediction === 'v' ? sa * eps[i] - sn * x0 : x0;
        }
      }
      return adaptOutput(schedule, prediction, x, out, t);
    },
  };
}

/** A VE network that predicts x0 (the exact posterior mean), seen through the adapter. */
function veThroughAdapter(d: GaussianData): Denoiser {
  return new CountingDenoiser('score', (x, [n], t) => {
    const per = x.length / n;
    const out = new Float32Array(x.length);
    for (let b = 0; b < n; b++) {
      const s2 = ve.sigma(t[b]) ** 2;
      for (let i = b * per; i < (b + 1) * per; i++) {
        const k = i % per;
        const v = d.s[k] * d.s[k];
        out[i] = x[i] - (s2 * (x[i] - d.mu[k])) / (v + s2);
      }
    }
    return adaptOutput(ve, 'x0', x, out, t);
  });
}

type Net = 'eps' | 'v' | 'x0' | 'score' | 've-x0';
interface Case {
  name: string;
  schedule: Schedule;
  net: Net;
  opts: SDEditOptions;
}

const cases: Case[] = [
  { name: 'ddpm every step, t0 0.3', schedule: linear, net: 'eps', opts: { sampler: 'ddpm', t0: 0.3, seed: 1 } },
  { name: "ddpm every step, t0 0.3, ddpmVariance 'fixedlarge'", schedule: linear, net: 'eps', opts: { sampler: 'ddpm', t0: 0.3, seed: 1, ddpmVariance: 'fixedlarge' } },
  { name: 'ddpm every step, binary mask, 2 repeats', schedule: linear, net: 'eps', opts: { sampler: 'ddpm', t0: 0.2, seed: 2, mask: binary, repeats: 2 } },
  { name: 'ddpm every step, cosine, fractional mask, batch 2', schedule: cosine, net: 'eps', opts: { sampler: 'ddpm', t0: 0.1, seed: 3, mask: fractional, batch: 2 } },
  { name: 'ddpm strided 7, fractional mask, batch 3', schedule: linear, net: 'eps', opts: { sampler: 'ddpm', t0: 0.5, steps: 7, seed: 4, mask: fractional, batch: 3 } },
  { name: 'ddpm strided 5, cosine, t0 1', schedule: cosine, net: 'eps', opts: { sampler: 'ddpm', t0: 1, steps: 5, seed: 5 } },
  { name: 'ddim η=0, 10 steps', schedule: linear, net: 'eps', opts: { sampler: 'ddim', t0: 0.6, steps: 10, seed: 6 } },
  { name: 'ddim η=0, default steps, binary mask', schedule: linear, net: 'eps', opts: { sampler: 'ddim', t0: 0.05, seed: 7, mask: binary } },
  { name: 'ddim η=0.5, fractional mask, 2 repeats, batch 2', schedule: linear, net: 'eps', opts: { sampler: 'ddim', t0: 0.4, steps: 6, eta: 0.5, seed: 8, mask: fractional, repeats: 2, batch: 2 } },
  { name: 'ddim η=1, 5 steps, t0 1', schedule: linear, net: 'eps', opts: { sampler: 'ddim', t0: 1, steps: 5, eta: 1, seed: 9 } },
  { name: 've predictor, binary mask', schedule: ve, net: 'score', opts: { sampler: 've', t0: 0.5, steps: 12, seed: 10, mask: binary } },
  { name: 've with 2 corrector steps, fractional mask, 2 repeats, batch 2', schedule: ve, net: 'score', opts: { sampler: 've', t0: 0.6, steps: 6, correctorSteps: 2, snr: 0.16, seed: 11, mask: fractional, repeats: 2, batch: 2 } },
  { name: 've default steps, t0 0.02', schedule: ve, net: 'score', opts: { sampler: 've', t0: 0.02, seed: 12 } },
  { name: 'dpmpp2m time grid', schedule: linear, net: 'eps', opts: { sampler: 'dpmpp2m', t0: 0.5, steps: 6, seed: 13 } },
  { name: 'dpmpp2m logsnr grid, fractional mask, 2 repeats', schedule: linear, net: 'eps', opts: { sampler: 'dpmpp2m', t0: 0.7, steps: 8, grid: 'logsnr', seed: 14, mask: fractional, repeats: 2 } },
  { name: 'dpmpp2m quadratic grid, order 1, batch 2', schedule: cosine, net: 'eps', opts: { sampler: 'dpmpp2m', t0: 0.5, steps: 5, grid: 'quadratic', order: 1, seed: 15, batch: 2 } },
  { name: 'dpmpp2m-sde heun logsnr, binary mask, batch 2', schedule: linear, net: 'eps', opts: { sampler: 'dpmpp2m-sde', t0: 0.5, steps: 6, grid: 'logsnr', correction: 'heun', seed: 16, mask: binary, batch: 2 } },
  { name: 'dpmpp2m-sde midpoint time, fractional mask, 2 repeats', schedule: linear, net: 'eps', opts: { sampler: 'dpmpp2m-sde', t0: 0.6, steps: 5, correction: 'midpoint', seed: 17, mask: fractional, repeats: 2 } },
  { name: 'dpmpp2m-sde order 1, quadratic', schedule: linear, net: 'eps', opts: { sampler: 'dpmpp2m-sde', t0: 0.4, steps: 4, grid: 'quadratic', order: 1, seed: 18 } },
  { name: 'v-prediction: ddim, fractional mask', schedule: linear, net: 'v', opts: { sampler: 'ddim', t0: 0.5, steps: 5, seed: 19, mask: fractional } },
  { name: 'v-prediction: ddpm every step, 2 repeats', schedule: linear, net: 'v', opts: { sampler: 'ddpm', t0: 0.04, seed: 20, repeats: 2 } },
  { name: 'v-prediction: dpmpp2m-sde, batch 2', schedule: cosine, net: 'v', opts: { sampler: 'dpmpp2m-sde', t0: 0.5, steps: 6, grid: 'logsnr', seed: 21, batch: 2 } },
  { name: 'x0-prediction: ddpm strided, binary mask', schedule: linear, net: 'x0', opts: { sampler: 'ddpm', t0: 0.5, steps: 6, seed: 22, mask: binary } },
  { name: 'x0-prediction: dpmpp2m, 2 repeats', schedule: linear, net: 'x0', opts: { sampler: 'dpmpp2m', t0: 0.6, steps: 6, seed: 23, repeats: 2 } },
  { name: 'x0-prediction on VE', schedule: ve, net: 've-x0', opts: { sampler: 've', t0: 0.5, steps: 8, seed: 24, mask: fractional } },
];

function denoiser(c: Case): Denoiser {
  if (c.net === 'score') return veScore(DATA, c.schedule as never);
  if (c.net === 've-x0') return veThroughAdapter(DATA);
  if (c.net === 'eps') return vpEps(DATA, c.schedule as VPSchedule);
  return throughAdapter(c.schedule as VPSchedule, c.net);
}

const sha = (chunks: Float32Array[]): string => {
  const h = createHash('sha256');
  for (const a of chunks) h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
};

async function hashes(c: Case): Promise<{ out: string; previews: string }> {
  const shape: [number, number, number] = [C, H, W];
  const plain = await sdedit(denoiser(c), guide, shape, c.schedule, c.opts);
  const previews: Float32Array[] = [];
  const withPreviews = await sdedit(denoiser(c), guide, shape, c.schedule, { ...c.opts, onStep: (s) => void previews.push(s.x0.slice()) });
  expect(plain.every((v) => Number.isFinite(v))).toBe(true);
  // asking for previews must not change the result
  expect(sha([withPreviews])).toBe(sha([plain]));
  return { out: sha([plain]), previews: sha(previews) };
}

const writing = process.env.GOLDEN_WRITE === '1';
const golden: Record<string, { out: string; previews: string }> = writing ? {} : (JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Record<string, { out: string; previews: string }>);

describe('golden outputs of sdedit (bit for bit)', () => {
  test('every case has a stored hash and no stored hash is stale', () => {
    if (writing) return;
    expect(Object.keys(golden).sort()).toEqual(cases.map((c) => c.name).sort());
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const got = await hashes(c);
    if (writing) golden[name] = got;
    else expect(got).toEqual(golden[name]);
  });

  afterAll(() => {
    if (!writing) return;
    const tmp = `${GOLDEN}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(golden, null, 2) + '\n');
    fs.renameSync(tmp, GOLDEN);
  });
});
