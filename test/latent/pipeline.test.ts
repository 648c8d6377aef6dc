/** @jest-environment ./test/model/ort-node-env.js */
// Every tiny pack layout end to end on onnxruntime-node (tokenizer, text encoder, VAE encoder,
// UNet in the dtype each graph declares, the pack's scheduler through core, VAE decoder) against
// the numpy reference of diffusers' img2img, with the reference's noise injected.
import * as path from 'node:path';
import { loadLatentPackFromDir, nodeRuntime } from '../../src/model/latent/node';
import { latentSDEdit } from '../../src/model/latent/pipeline';
import { PACKS_DIR, maxDiff, referenceCases, referenceEditOptions, referenceGuide } from './reference';

describe.each(referenceCases().map((c) => [c.id, c] as const))('%s', (_id, c) => {
  test('encoded latent, final latent and decoded image match the reference', async () => {
    const dir = path.join(PACKS_DIR, c.pack);
    const info = await loadLatentPackFromDir(dir);
    const rt = nodeRuntime(dir, info, { threads: 1 });
    const calls: number[] = [];
    const res = await latentSDEdit(rt, info, Float32Array.from(referenceGuide(c).data), 64, 64, {
      ...referenceEditOptions(c),
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
