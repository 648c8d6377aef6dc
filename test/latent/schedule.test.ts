// diffusers' discrete schedules as core reproduces them: betas, timestep spacings, σ, strength.
import type { SchedulerConfig } from '../../src/core';
import { gridT0, img2imgTimesteps, multistepCoefficients, parseSchedulerConfig, planPack, scheduleFromConfig } from '../../src/core';
import { inferenceTimesteps, lcmTimesteps, roundHalfEven, sigmaAtTimestep, sigmasOf } from '../../src/core/diffusers';

const turbo = (extra: Record<string, unknown> = {}): SchedulerConfig =>
  parseSchedulerConfig({
    _class_name: 'EulerDiscreteScheduler',
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    num_train_timesteps: 1000,
    prediction_type: 'epsilon',
    steps_offset: 1,
    timestep_spacing: 'trailing',
    ...extra,
  });
const list = (a: Float64Array) => Array.from(a);

describe('timestep spacing', () => {
  const cfg = turbo();
  const vp = scheduleFromConfig(cfg);
  test('trailing (SD-Turbo): N = 1…4', () => {
    expect(list(inferenceTimesteps(cfg, vp, 1))).toEqual([999]);
    expect(list(inferenceTimesteps(cfg, vp, 2))).toEqual([999, 499]);
    expect(list(inferenceTimesteps(cfg, vp, 3))).toEqual([999, 666, 332]);
    expect(list(inferenceTimesteps(cfg, vp, 4))).toEqual([999, 749, 499, 249]);
  });
  test('trailing rounds halves to even, as np.round', () => {
    expect(roundHalfEven(937.5)).toBe(938);
    expect(roundHalfEven(812.5)).toBe(812);
    expect(roundHalfEven(2.5)).toBe(2);
    const ts = list(inferenceTimesteps(cfg, vp, 16));
    expect(ts.slice(0, 4)).toEqual([999, 937, 874, 811]); // 1000, 937.5→938, 875, 812.5→812, minus 1
  });
  test('leading with steps_offset (DDIM, 50 steps) and linspace (Euler, fractional)', () => {
    const ddim = parseSchedulerConfig({ _class_name: 'DDIMScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, steps_offset: 1 });
    const ts = list(inferenceTimesteps(ddim, vp, 50));
    expect(ts[0]).toBe(981);
    expect(ts[49]).toBe(1);
    const lin = list(inferenceTimesteps(turbo({ timestep_spacing: 'linspace' }), vp, 5));
    expect(lin).toEqual([999, 749.25, 499.5, 249.75, 0]);
  });
  test('DPMSolverMultistep spaces N + 1 points and drops the last', () => {
    const dpm = parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'linspace' });
    expect(list(inferenceTimesteps(dpm, vp, 4))).toEqual([999, 749, 500, 250]); // linspace(0, 999, 5) = 0, 249.75, 499.5, 749.25
    const lead = parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', timestep_spacing: 'leading', steps_offset: 1 });
    expect(list(inferenceTimesteps(lead, vp, 4))).toEqual([801, 601, 401, 201]);
  });
  test('LCM ladder with strength', () => {
    const lcm = parseSchedulerConfig({ _class_name: 'LCMScheduler' });
    expect(list(lcmTimesteps(lcm, 4, 1))).toEqual([999, 759, 499, 259]);
    expect(list(lcmTimesteps(lcm, 4, 0.5))).toEqual([499, 379, 259, 139]);
    expect(() => lcmTimesteps(lcm, 4, 0.05)).toThrow(/fewer than the 4 steps/);
  });
});

describe('sigmas and strength', () => {
  const cfg = turbo();
  const vp = scheduleFromConfig(cfg);
  const sig = sigmasOf(vp);
  test('σ of SD-Turbo at its trailing grid', () => {
    expect(sigmaAtTimestep(sig, 999)).toBeCloseTo(14.6146, 3);
    expect(sigmaAtTimestep(sig, 749)).toBeCloseTo(4.0817, 3);
    expect(sigmaAtTimestep(sig, 499)).toBeCloseTo(1.6129, 3);
    expect(sigmaAtTimestep(sig, 249)).toBeCloseTo(0.6932, 3);
  });
  test("get_timesteps: init = min(⌊N·strength⌋, N), run timesteps[N − init:]", () => {
    expect(list(img2imgTimesteps(cfg, vp, 2, 0.5))).toEqual([499]);
    expect(list(img2imgTimesteps(cfg, vp, 4, 0.75))).toEqual([749, 499, 249]);
    expect(list(img2imgTimesteps(cfg, vp, 3, 0.3))).toEqual([]);
    expect(list(img2imgTimesteps(cfg, vp, 1, 1))).toEqual([999]);
  });
  test('Euler plan: VP scalars equal the σ-space step x_σ + ε(σ′ − σ)', () => {
    const plan = planPack(cfg, vp, { steps: 4, strength: 0.75 });
    expect(plan.steps.length).toBe(3);
    expect(list(plan.timesteps)).toEqual([749, 499, 249]);
    for (let j = 0; j < plan.steps.length; j++) {
      const s = sigmaAtTimestep(sig, plan.timesteps[j]);
      const s1 = j + 1 < plan.steps.length ? sigmaAtTimestep(sig, plan.timesteps[j + 1]) : 0;
      // x_vp = x_σ/√(σ²+1): x_σ' = x_σ + ε(σ'−σ) ⇒ x_vp' = (x_vp·√(σ²+1) + ε(σ'−σ))/√(σ'²+1)
      expect(plan.steps[j].sample).toBeCloseTo(Math.sqrt(s * s + 1) / Math.sqrt(s1 * s1 + 1), 6);
      expect(plan.steps[j].network).toBeCloseTo((s1 - s) / Math.sqrt(s1 * s1 + 1), 6);
      expect(plan.ts[j] * 1000 - 1).toBeCloseTo(plan.timesteps[j], 9);
    }
    expect(plan.steps[plan.steps.length - 1].levelOut).toBe(1);
  });
  test('gridT0 puts every step of a uniform engine grid on an integer timestep', () => {
    for (const [t0, steps] of [[0.5, 20], [0.5, 3], [0.77, 7], [1, 4]] as const) {
      const g = gridT0(1000, t0, steps);
      for (let j = 0; j < steps; j++) {
        const tau = ((g * (steps - j)) / steps) * 1000;
        expect(Math.abs(tau - Math.round(tau))).toBeLessThan(1e-9);
      }
      expect(Math.abs(g - t0)).toBeLessThanOrEqual(steps / 2000 + 1e-12);
    }
  });
});

describe('scheduler_config.json', () => {
  test('unsupported settings are one message naming the file and the field', () => {
    expect(() => turbo({ use_karras_sigmas: true })).toThrow(/scheduler_config\.json: "use_karras_sigmas"/);
    expect(() => parseSchedulerConfig({ _class_name: 'PNDMScheduler' })).toThrow(/"_class_name"/);
    expect(() => parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', solver_order: 3 })).toThrow(/"solver_order"/);
    expect(() => parseSchedulerConfig('{ nope')).toThrow(/not valid JSON/);
  });
  test("each class takes its own defaults (DDIM clips, LCM's scaled_linear)", () => {
    expect(parseSchedulerConfig({ _class_name: 'DDIMScheduler' }).clipSample).toBe(true);
    const lcm = parseSchedulerConfig({ _class_name: 'LCMScheduler' });
    expect([lcm.betaSchedule, lcm.betaStart, lcm.originalInferenceSteps]).toEqual(['scaled_linear', 0.00085, 50]);
  });
});

describe("DPMSolverMultistep's variants against core's own DPM-Solver++(2M) coefficients", () => {
  // core's multistepCoefficients (src/core/solvers-fast.ts) is an independent implementation of
  // the same family on a list of levels: ODE midpoint, SDE midpoint and SDE heun must agree
  // (the reference fixture covers the ODE midpoint through diffusers' own equations).
  const cases = [
    ['dpmsolver++', 'midpoint', false],
    ['sde-dpmsolver++', 'midpoint', true],
    ['sde-dpmsolver++', 'heun', true],
  ] as const;
  test.each(cases)('%s %s', (algorithm_type, solver_type, sde) => {
    const cfg = parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'leading', steps_offset: 1, algorithm_type, solver_type });
    const vp = scheduleFromConfig(cfg);
    const plan = planPack(cfg, vp, { steps: 20, strength: 0.6 });
    const level = Float64Array.from([plan.steps[0].levelIn, ...plan.steps.map((c) => c.levelOut)]);
    const core = multistepCoefficients(level, { order: 2, correction: solver_type, sde });
    for (let j = 0; j < plan.steps.length - 1; j++) {
      const p = plan.steps[j];
      expect(p.sample).toBeCloseTo(core[j].sample, 6);
      expect(p.x0).toBeCloseTo(core[j].x0, 6);
      expect(p.x0Prev).toBeCloseTo(core[j].x0Prev, 6);
      expect(p.noise).toBeCloseTo(core[j].noise, 6);
      expect(p.network).toBe(0);
    }
    const last = plan.steps[plan.steps.length - 1]; // to σ = 0: x ← x̂0 (core marks it with zeros and sets x = x̂0)
    expect([last.sample, last.x0, last.x0Prev, last.noise]).toEqual([0, 1, 0, 0]);
  });
});

describe("DPMSolverMultistep variants core's engine does not run itself (diffusers' equations written out here)", () => {
  const dpm = (extra: Record<string, unknown>) => {
    const cfg = parseSchedulerConfig({ _class_name: 'DPMSolverMultistepScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, timestep_spacing: 'leading', steps_offset: 1, ...extra });
    return planPack(cfg, scheduleFromConfig(cfg), { steps: 10, strength: 0.8 });
  };
  const lambda = (a: number) => 0.5 * Math.log(a / (1 - a));

  test("ODE heun: x' = (σ_t/σ_s)x − α_t(e^{−h} − 1)·D0 + α_t((e^{−h} − 1)/h + 1)·D1, D1 = (x̂0 − x̂0_prev)/r", () => {
    const plan = dpm({ algorithm_type: 'dpmsolver++', solver_type: 'heun' });
    for (let j = 1; j < plan.steps.length - 1; j++) {
      const { levelIn: at, levelOut: as } = plan.steps[j];
      const h = lambda(as) - lambda(at);
      const r = (lambda(at) - lambda(plan.steps[j - 1].levelIn)) / h;
      const d1 = Math.sqrt(as) * (Math.expm1(-h) / h + 1);
      expect(plan.steps[j].sample).toBeCloseTo(Math.sqrt((1 - as) / (1 - at)), 9);
      expect(plan.steps[j].x0).toBeCloseTo(-Math.sqrt(as) * Math.expm1(-h) + d1 / r, 9);
      expect(plan.steps[j].x0Prev).toBeCloseTo(-d1 / r, 9);
    }
  });

  test('final_sigmas_type sigma_min with lower_order_final (N < 15): the last step is first order and stops at σ_min', () => {
    const plan = dpm({ final_sigmas_type: 'sigma_min', lower_order_final: true });
    const last = plan.steps[plan.steps.length - 1];
    expect(last.levelOut).toBeLessThan(1);
    const h = lambda(last.levelOut) - lambda(last.levelIn);
    expect(last.x0Prev).toBe(0);
    expect(last.x0).toBeCloseTo(-Math.sqrt(last.levelOut) * Math.expm1(-h), 9);
    expect(plan.steps[plan.steps.length - 2].x0Prev).not.toBe(0);
    const second = dpm({ final_sigmas_type: 'sigma_min', lower_order_final: false });
    expect(second.steps[second.steps.length - 1].x0Prev).not.toBe(0);
  });
});
