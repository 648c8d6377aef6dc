// Shared check for the few-step solvers' masks: kept pixels follow DDIM's (the engine's shared
// re-noising with the repeat's initial draw) at every step, end equal to the guide bit for bit,
// and a good part of the edited pixels change.
import { sdedit } from '../../src/core/sdedit';
import type { Schedule } from '../../src/core/schedule';
import type { Denoiser, SamplerName, SDEditOptions } from '../../src/core/types';

export async function expectKeptLikeDdim(makeDenoiser: () => Denoiser, sampler: SamplerName, guide: Float32Array, shape: [number, number, number], schedule: Schedule): Promise<void> {
  const [C, H, W] = shape;
  const mask = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) mask[p] = p % W < W / 2 ? 1 : p % W < (3 * W) / 4 ? 0 : 0.25;
  const trajectory = async (s: SamplerName): Promise<Float32Array[]> => {
    const seen: Float32Array[] = [];
    const opts: SDEditOptions = { sampler: s, t0: 0.6, steps: 4, seed: 3, mask, onStep: (i) => void seen.push(i.x.slice()) };
    seen.push(await sdedit(makeDenoiser(), guide, shape, schedule, opts));
    return seen;
  };
  const d = await trajectory('ddim');
  const f = await trajectory(sampler);
  expect(f).toHaveLength(5);
  for (let s = 0; s < f.length; s++) {
    for (let ch = 0; ch < C; ch++) {
      for (let p = 0; p < H * W; p++) {
        if (mask[p] !== 0) continue;
        const k = ch * H * W + p;
        if (f[s][k] !== d[s][k]) throw new Error(`step ${s}: kept value ${k} is ${f[s][k]}, ddim has ${d[s][k]}`);
      }
    }
  }
  const out = f[f.length - 1];
  let changed = 0;
  for (let ch = 0; ch < C; ch++) {
    for (let p = 0; p < H * W; p++) {
      const k = ch * H * W + p;
      if (mask[p] === 0) expect(out[k]).toBe(guide[k]);
      else if (mask[p] === 1 && out[k] !== guide[k]) changed++;
    }
  }
  expect(changed).toBeGreaterThan((C * H * W) / 4);
}
