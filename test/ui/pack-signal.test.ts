// The signal kept at t0 for latent packs, from the pack's own scheduler: SD-Turbo's numbers are
// the ones computed independently in LATENT-PACKS.md (σ at the trailing timesteps), √ᾱ = 1/√(1+σ²).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBetaConfig, parseSchedulerConfig } from '../../src/core';
import type { LatentSchedule } from '../../src/ui/runtime/engine-api';
import { describePackSignalKept, packSignalKept, packSignalKeptTerm } from '../../src/ui/panel/pack-signal';

const PACKS = join(__dirname, '..', 'fixtures', 'latent-packs');
function schedule(pack: string, reproduced = true): LatentSchedule {
  const file = join(PACKS, pack, 'scheduler', 'scheduler_config.json');
  const text = readFileSync(file, 'utf8');
  return { betas: parseBetaConfig(text, file), scheduler: reproduced ? parseSchedulerConfig(text, file) : null };
}
const fromSigma = (s: number) => 1 / Math.sqrt(1 + s * s);

describe('packSignalKept', () => {
  const turbo = schedule('ortweb-fp32'); // SD-Turbo's: Euler, scaled_linear 0.00085→0.012, trailing
  it("SD-Turbo: diffusers' img2img at strength 0.5 with 2 steps noises to timestep 499 (σ 1.6129)", () => {
    const s = packSignalKept(turbo, 0.5, 2);
    expect(s.timestep).toBe(499);
    expect(s.kept).toBeCloseTo(fromSigma(1.6129), 4);
    expect(describePackSignalKept(turbo, 0.5, 2)).toBe("keeps 53% of the guide's signal");
  });
  it('the level depends on the step count, not only on t0 (trailing timesteps of N = 4)', () => {
    expect(packSignalKept(turbo, 0.5, 4)).toMatchObject({ timestep: 499 });
    expect(packSignalKept(turbo, 0.75, 4).timestep).toBe(749);
    expect(packSignalKept(turbo, 0.75, 4).kept).toBeCloseTo(fromSigma(4.0817), 4);
    expect(packSignalKept(turbo, 1, 4).kept).toBeCloseTo(fromSigma(14.6146), 4);
    // more strength keeps less
    expect(packSignalKept(turbo, 0.75, 4).kept).toBeLessThan(packSignalKept(turbo, 0.5, 4).kept);
  });
  it('N·strength < 1: no step runs, the guide is kept whole, and the tooltip says so', () => {
    expect(packSignalKept(turbo, 0.3, 2)).toEqual({ kept: 1, timestep: null });
    expect(describePackSignalKept(turbo, 0.3, 2)).toBe("keeps 100% of the guide's signal");
    expect(packSignalKeptTerm(turbo, 0.3, 2)).toMatch(/^No step runs at strength 0.3 with 2 steps/);
  });
  it('the tooltip names the timestep and the scheduler', () => {
    expect(packSignalKeptTerm(turbo, 0.5, 2)).toBe(
      "√ᾱ = 0.53 at timestep 499 of 1000 (EulerDiscreteScheduler, 2 steps): the share of the guide's latent left after noising. t0 is this pack's strength (diffusers' img2img).",
    );
  });
  it('other schedulers: DDIM (leading) and LCM use ᾱ of their first img2img timestep', () => {
    const ddim = schedule('ddim');
    const d = packSignalKept(ddim, 0.5, 10);
    expect(d.timestep).not.toBeNull();
    expect(d.kept).toBeGreaterThan(0);
    expect(d.kept).toBeLessThan(1);
    const lcm = packSignalKept(schedule('lcm'), 0.5, 4);
    expect(lcm.timestep).not.toBeNull();
    expect(lcm.kept).toBeLessThan(1);
  });
  it("a scheduler that is not reproduced: √ᾱ of the pack's betas at t0", () => {
    const s = packSignalKept(schedule('ortweb-fp32', false), 0.5, 2);
    expect(s.timestep).toBeNull();
    expect(s.kept).toBeGreaterThan(0);
    expect(s.kept).toBeLessThan(1);
  });
});
