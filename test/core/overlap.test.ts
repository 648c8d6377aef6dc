// A step's noise is drawn while its network call is pending (LoopState.predict's whilePending), so
// that it costs no wall time when the network runs off the JS thread. Checked with a denoiser whose
// promises the test resolves by hand and a NoiseSource that records, for every draw, how many
// calls had started and how many had been answered. The bytes must not depend on when the
// denoiser answers (the golden outputs, test/core/golden-outputs.test.ts, are unchanged).
import { parseSchedulerConfig, planPack, scheduleFromConfig, sdeditPackWithNoise } from '../../src/core';
import { seededNoise, type NoiseRequest, type NoiseSource } from '../../src/core/loop';
import { veGeometric, vpLinear, type Schedule } from '../../src/core/schedule';
import { sdeditWithNoise } from '../../src/core/sdedit';
import type { Denoiser, SDEditOptions, Shape4, StepInfo } from '../../src/core/types';
import { gaussianData, sampleData, veScore, vpEps, type CountingDenoiser } from './analytic';

const C = 3;
const H = 4;
const W = 6;
const HW = H * W;
const DATA = gaussianData(C, H, W, [
  { mu: -0.3, s: 0.2 },
  { mu: 0.4, s: 0.3 },
]);
const guide = sampleData(DATA, 3);
const mask = Float32Array.from({ length: HW }, (_, p) => [0, 1, 0.5][p % 3]);
const vp = vpLinear();
const ve = veGeometric(0.01, 50);

/** Wraps an analytic denoiser: each call's answer is computed at once but handed back only when
 *  the test calls answerNext(). */
class HeldDenoiser implements Denoiser {
  readonly kind: 'eps' | 'score';
  started = 0;
  answered = 0;
  private held: (() => void)[] = [];
  constructor(private readonly inner: CountingDenoiser) {
    this.kind = inner.kind;
  }
  predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
    this.started++;
    const out = this.inner.predict(x, shape, t);
    return new Promise((resolve, reject) => {
      this.held.push(() => {
        this.answered++;
        out.then(resolve, reject);
      });
    });
  }
  /** Answers the oldest pending call; false when none is pending. */
  answerNext(): boolean {
    const next = this.held.shift();
    if (!next) return false;
    next();
    return true;
  }
}

interface DrawSeen {
  req: NoiseRequest;
  started: number;
  answered: number;
}

function recording(den: HeldDenoiser, seed: number, seen: DrawSeen[]): NoiseSource {
  const inner = seededNoise(seed);
  return (req, out, offset, count) => {
    seen.push({ req: { ...req }, started: den.started, answered: den.answered });
    inner(req, out, offset, count);
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs `start` to completion, answering one pending call per macrotask. */
async function drive(den: HeldDenoiser, start: () => Promise<Float32Array>): Promise<Float32Array> {
  let result: Float32Array | null = null;
  let error: unknown = null;
  const run = start().then(
    (v) => {
      result = v;
    },
    (e: unknown) => {
      error = e;
    },
  );
  while (result === null && error === null) {
    await tick();
    den.answerNext();
  }
  await run;
  if (error !== null) throw error;
  return result as unknown as Float32Array;
}

/** Every per-step draw (not 'init') happens while exactly one call is pending. */
function expectDrawsWhilePending(seen: DrawSeen[], callsPerStep: number, callsPerRepeat: number): void {
  const stepDraws = seen.filter((d) => d.req.kind !== 'init');
  expect(stepDraws.length).toBeGreaterThan(0);
  for (const d of stepDraws) {
    expect(d.started - d.answered).toBe(1);
    // the call made for this draw's step (and sub-step) is the one pending
    const within = d.req.kind === 'corrector' ? d.req.step * callsPerStep + d.req.sub : (d.req.step + 1) * callsPerStep - 1;
    const call = d.req.repeat * callsPerRepeat + within;
    expect(d.started).toBe(call + 1);
  }
  for (const d of seen.filter((s) => s.req.kind === 'init')) expect(d.started - d.answered).toBe(0);
}

const cases: { name: string; schedule: Schedule; net: () => CountingDenoiser; opts: SDEditOptions; callsPerStep: number }[] = [
  { name: 'ddpm every step', schedule: vp, net: () => vpEps(DATA, vp), opts: { sampler: 'ddpm', t0: 0.01, seed: 4, mask }, callsPerStep: 1 },
  { name: 'ddpm strided, batch 2', schedule: vp, net: () => vpEps(DATA, vp), opts: { sampler: 'ddpm', t0: 0.5, steps: 5, seed: 4, batch: 2 }, callsPerStep: 1 },
  { name: 'ddim η 1, 2 repeats', schedule: vp, net: () => vpEps(DATA, vp), opts: { sampler: 'ddim', t0: 0.5, steps: 4, eta: 1, seed: 4, repeats: 2, mask }, callsPerStep: 1 },
  { name: 'dpmpp2m-sde', schedule: vp, net: () => vpEps(DATA, vp), opts: { sampler: 'dpmpp2m-sde', t0: 0.6, steps: 6, seed: 4, mask }, callsPerStep: 1 },
  { name: 've with 2 corrector steps', schedule: ve, net: () => veScore(DATA, ve), opts: { sampler: 've', t0: 0.5, steps: 4, correctorSteps: 2, seed: 4, mask }, callsPerStep: 3 },
];

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  test("draws each step's noise while the step's network call is pending", async () => {
    const den = new HeldDenoiser(c.net());
    const seen: DrawSeen[] = [];
    await drive(den, () => sdeditWithNoise(den, guide, [C, H, W], c.schedule, c.opts, recording(den, c.opts.seed, seen)));
    expectDrawsWhilePending(seen, c.callsPerStep, den.started / (c.opts.repeats ?? 1));
  });

  test('the bytes do not depend on when the network answers', async () => {
    const held = new HeldDenoiser(c.net());
    const late = await drive(held, () => sdeditWithNoise(held, guide, [C, H, W], c.schedule, c.opts, seededNoise(c.opts.seed)));
    const now = await sdeditWithNoise(c.net(), guide, [C, H, W], c.schedule, c.opts, seededNoise(c.opts.seed));
    expect(Buffer.from(late.buffer).equals(Buffer.from(now.buffer))).toBe(true);
  });
});

test("a latent pack's scheduler draws its step noise while the call is pending too", async () => {
  const cfg = parseSchedulerConfig({ _class_name: 'EulerAncestralDiscreteScheduler', num_train_timesteps: 1000, beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
  const schedule = scheduleFromConfig(cfg);
  const plan = planPack(cfg, schedule, { steps: 5, strength: 0.6 });
  const den = new HeldDenoiser(vpEps(DATA, schedule));
  const seen: DrawSeen[] = [];
  await drive(den, () => sdeditPackWithNoise(den, guide, [C, H, W], schedule, plan, {}, recording(den, 2, seen)));
  expectDrawsWhilePending(seen, 1, den.started);
});

test("a draw's error is the run's error, and the pending call's rejection is not left unhandled", async () => {
  const den = new HeldDenoiser(vpEps(DATA, vp));
  const failing: NoiseSource = (req, out, offset, count) => {
    if (req.kind === 'sde') throw new Error('no noise for this step');
    seededNoise(1)(req, out, offset, count);
  };
  const ctl = new AbortController();
  ctl.abort(); // the first call rejects at once (AbortError) while its draw fails
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    const run = sdeditWithNoise(den, guide, [C, H, W], vp, { sampler: 'dpmpp2m-sde', t0: 0.5, steps: 3, seed: 1, signal: ctl.signal }, failing);
    await expect(run).rejects.toThrow('no noise for this step');
    await tick();
    await tick();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  expect(unhandled).toEqual([]);
  expect(den.started).toBe(0); // aborted before the network was asked
});

describe('a step\'s noise is drawn only where the mask edits', () => {
  // 2 items, 2 repeats where the sampler allows; a mask with kept runs, fractional and edited pixels
  const wide = { C, H: 8, W: 12 };
  const P = wide.H * wide.W;
  const wideGuide = sampleData(gaussianData(C, wide.H, wide.W, [{ mu: 0.1, s: 0.4 }]), 5);
  const wideMask = Float32Array.from({ length: P }, (_, p) => {
    const y = Math.floor(p / wide.W);
    const x = p % wide.W;
    return y < 2 || x < 3 ? 0 : x === 3 ? 0.5 : 1;
  });
  const kept = Array.from(wideMask).filter((m) => m === 0).length;
  const samplers: [string, Schedule, () => CountingDenoiser, SDEditOptions][] = [
    ['dpmpp2m-sde', vp, () => vpEps(DATA, vp), { sampler: 'dpmpp2m-sde', t0: 0.6, steps: 5, seed: 3, batch: 2, repeats: 2, mask: wideMask }],
    ['ddpm strided', vp, () => vpEps(DATA, vp), { sampler: 'ddpm', t0: 0.5, steps: 4, seed: 3, batch: 2, mask: wideMask }],
    ['ddim η 1', vp, () => vpEps(DATA, vp), { sampler: 'ddim', t0: 0.5, steps: 4, eta: 1, seed: 3, repeats: 2, mask: wideMask }],
    ['ve with a corrector step', ve, () => veScore(DATA, ve), { sampler: 've', t0: 0.5, steps: 4, correctorSteps: 1, seed: 3, batch: 2, mask: wideMask }],
  ];
  /** seededNoise without its `ranges`: every draw whole, counting the values asked for per kind */
  const whole = (seed: number, asked: Map<string, number>): NoiseSource => {
    const inner = seededNoise(seed);
    return (req, out, offset, count) => {
      asked.set(req.kind, (asked.get(req.kind) ?? 0) + count);
      inner(req, out, offset, count);
    };
  };
  const ranged = (seed: number, asked: Map<string, number>): NoiseSource => {
    const inner = seededNoise(seed);
    return Object.assign(whole(seed, asked), {
      ranges(req: NoiseRequest, out: Float32Array, offset: number, r: Int32Array) {
        let n = 0;
        for (let k = 0; k < r.length; k += 2) n += r[k + 1] - r[k];
        asked.set(req.kind, (asked.get(req.kind) ?? 0) + n);
        inner.ranges?.(req, out, offset, r);
      },
    });
  };

  test.each(samplers)('%s: the same bytes as with every draw made, and only the edited pixels drawn', async (_n, schedule, net, opts) => {
    const askedWhole = new Map<string, number>();
    const askedRanged = new Map<string, number>();
    const a = await sdeditWithNoise(net(), wideGuide, [C, wide.H, wide.W], schedule, opts, whole(opts.seed, askedWhole));
    const b = await sdeditWithNoise(net(), wideGuide, [C, wide.H, wide.W], schedule, opts, ranged(opts.seed, askedRanged));
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // and the engine's own source gives these bytes too
    const c = await sdeditWithNoise(net(), wideGuide, [C, wide.H, wide.W], schedule, opts, seededNoise(opts.seed));
    expect(Buffer.from(c.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    const stepKind = opts.sampler === 'dpmpp2m-sde' ? 'sde' : 'step';
    const wholeStep = askedWhole.get(stepKind) ?? 0;
    expect(wholeStep).toBeGreaterThan(0);
    expect(askedRanged.get(stepKind)).toBe((wholeStep * (P - kept)) / P);
    // the repeat's first draw (it noises every pixel) and a corrector's (its step size reads
    // the whole draw) stay whole
    expect(askedRanged.get('init')).toBe(askedWhole.get('init'));
    expect(askedRanged.get('corrector')).toBe(askedWhole.get('corrector'));
  });

  test.each(samplers)('%s: the x̂0 previews show the guide the run started from at kept pixels, the model\'s estimate where it edits', async (_n, schedule, net, opts) => {
    const seen: { repeat: number; x0: Float32Array }[] = [];
    const onStep = (s: StepInfo) => {
      seen.push({ repeat: s.repeat, x0: s.x0.slice() });
    };
    await sdeditWithNoise(net(), wideGuide, [C, wide.H, wide.W], schedule, { ...opts, onStep }, seededNoise(opts.seed));
    expect(seen.length).toBeGreaterThan(0);
    const items = opts.batch ?? 1;
    let editedDiffers = 0;
    for (const { x0 } of seen) {
      for (let b = 0; b < items; b++) {
        for (let c = 0; c < C; c++) {
          for (let p = 0; p < P; p++) {
            const k = b * C * P + c * P + p;
            const g = Math.max(-1, Math.min(1, wideGuide[c * P + p]));
            if (wideMask[p] === 0) expect(x0[k]).toBe(Math.fround(g));
            else if (wideMask[p] === 1 && Math.abs(x0[k] - g) > 1e-3) editedDiffers++;
          }
        }
      }
    }
    // (every repeat, the second one included, shows the original guide there)
    expect(new Set(seen.map((s) => s.repeat)).size).toBe(opts.repeats ?? 1);
    expect(editedDiffers).toBeGreaterThan(0);
  });

  test("a latent pack's ancestral scheduler: the same bytes with fewer draws", async () => {
    const cfg = parseSchedulerConfig({ _class_name: 'EulerAncestralDiscreteScheduler', num_train_timesteps: 1000, beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
    const schedule = scheduleFromConfig(cfg);
    const plan = planPack(cfg, schedule, { steps: 4, strength: 0.6 });
    const askedWhole = new Map<string, number>();
    const askedRanged = new Map<string, number>();
    const run = (noise: NoiseSource) => sdeditPackWithNoise(vpEps(DATA, schedule), wideGuide, [C, wide.H, wide.W], schedule, plan, { mask: wideMask }, noise);
    const a = await run(whole(8, askedWhole));
    const b = await run(ranged(8, askedRanged));
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    const kind = plan.noiseKind;
    expect(askedWhole.get(kind)).toBeGreaterThan(0);
    expect(askedRanged.get(kind)).toBe(((askedWhole.get(kind) ?? 0) * (P - kept)) / P);
  });
});
