// Core's reproduction of each pack scheduler, step by step, against the numpy reference of
// diffusers' img2img: the reference's noise is injected through a NoiseSource, the network is
// replaced by the reference's own recorded predictions (after classifier-free guidance), and every
// network input and every latent after a step must match to the case's tolerance (1e-4).
import type { Denoiser, Shape4 } from '../../src/core';
import { parseSchedulerConfig, planPack, scheduleFromConfig, sdeditPackWithNoise } from '../../src/core';
import { maxDiff, packJson, referenceCases, referenceNoise } from './reference';

const cases = referenceCases();

describe.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
  const cfg = parseSchedulerConfig(packJson(c.pack, 'scheduler/scheduler_config.json'));
  const vp = scheduleFromConfig(cfg);
  const plan = planPack(cfg, vp, { steps: c.num_inference_steps, strength: c.strength });

  test('timesteps', () => {
    expect(cfg.className).toBe(c.scheduler);
    expect(Array.from(plan.timesteps)).toEqual(c.timesteps);
  });

  test('every network input and every latent after a step', async () => {
    const toDiffusers = (x: ArrayLike<number>, level: number): number[] => Array.from(x, (v) => (plan.sigmaSpace ? v / Math.sqrt(level) : v));
    let call = 0;
    const inputDiffs: number[] = [];
    const denoiser: Denoiser = {
      kind: 'eps',
      async predict(x: Float32Array, shape: Shape4, t: Float32Array) {
        const step = c.steps[call];
        expect(Math.round(t[0] * 1000 - 1)).toBe(step.timestep);
        expect(shape).toEqual([1, 4, 8, 8]);
        const fed = step.unet_calls[0].inputs.sample.data.slice(0, x.length); // CFG batches repeat the same sample
        inputDiffs.push(maxDiff(x, fed));
        call++;
        return Float32Array.from(step.noise_pred.data);
      },
    };
    const noise = referenceNoise(c);
    const latentDiffs: number[] = [];
    const result = await sdeditPackWithNoise(denoiser, Float32Array.from(c.encoded_latent.data), [4, 8, 8], vp, plan, {
      onStep: (info) => {
        const j = info.step - 1;
        latentDiffs.push(maxDiff(toDiffusers(info.x, plan.steps[j].levelOut), c.steps[j].latent.data));
      },
    }, noise);
    expect(call).toBe(c.steps.length);
    for (const d of inputDiffs) expect(d).toBeLessThan(c.tolerance);
    for (const d of latentDiffs) expect(d).toBeLessThan(c.tolerance);
    const finalLevel = plan.steps.length === 0 ? 1 : plan.steps[plan.steps.length - 1].levelOut;
    expect(maxDiff(toDiffusers(result, finalLevel), c.final_latent.data)).toBeLessThan(c.tolerance);
  });
});
