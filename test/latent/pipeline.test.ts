/** @jest-environment ./test/model/ort-node-env.js */
// Every tiny pack layout end to end on onnxruntime-node (tokenizer, text encoder, VAE encoder,
// UNet in the dtype each graph declares, the pack's scheduler through core, VAE decoder) against
// the numpy reference of diffusers' img2img, with the reference's noise injected.
import * as path from 'node:path';
import type { NoiseSource } from '../../src/core';
import { loadLatentPackFromDir, nodeRuntime } from '../../src/model/latent/node';
import { latentSDEdit } from '../../src/model/latent/pipeline';
import type { RefCase } from './reference';
import { PACKS_DIR, maxDiff, referenceCases, referenceGuide } from './reference';

function refNoise(c: RefCase): NoiseSource {
  return (req, out, offset, count) => {
    const src = req.kind === 'init' ? c.init_noise : c.steps[req.step]?.step_noise;
    if (!src) throw new Error(`the reference drew no noise for ${req.kind} step ${req.step}`);
    for (let i = 0; i < count; i++) out[offset + i] = src.data[i];
  };
}

describe.each(referenceCases().map((c) => [c.id, c] as const))('%s', (_id, c) => {
  test('encoded latent, final latent and decoded image match the reference', async () => {
    const dir = path.join(PACKS_DIR, c.pack);
    const info = await loadLatentPackFromDir(dir);
    const rt = nodeRuntime(dir, info, { threads: 1 });
    const calls: number[] = [];
    const res = await latentSDEdit(rt, info, Float32Array.from(referenceGuide(c).data), 64, 64, {
      prompt: c.prompt,
      negative: c.negative_prompt ?? undefined,
      guidance: c.guidance_scale,
      t0: c.strength,
      steps: c.num_inference_steps,
      sampler: 'pack',
      seed: c.seed,
      noise: refNoise(c),
      onStep: (s) => {
        calls.push(s.step);
      },
    });
    expect(res.cfg).toBe(c.do_classifier_free_guidance);
    expect(res.timesteps).toEqual(c.timesteps);
    expect(calls).toHaveLength(c.steps.length);
    // one session run per step: the CFG cases' UNets take the uncond + cond batch in one call
    expect(res.unetCalls).toBe(c.steps.length);
    // every scheduler's last latent is in VP coordinates at the final level, as diffusers holds it
    const d = [maxDiff(res.encoded, c.encoded_latent.data), maxDiff(res.latents, c.final_latent.data), maxDiff(res.images, c.decoded_image.data)];
    for (const v of d) expect(v).toBeLessThan(c.tolerance);
  });
});
