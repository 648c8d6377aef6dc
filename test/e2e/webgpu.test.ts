// WebGPU in headless Chromium: with --enable-unsafe-webgpu it exposes SwiftShader (a CPU
// fallback adapter, 3–20 s per network call), so only a tiny edit runs here, and it is compared
// with the same edit on WASM. Registered as skipped, with the reason in the test's name, when no
// adapter is exposed (webgpu-probe.ts).
import type { Browser } from 'playwright-core';
import { decode, encode, launch, openUi, runEngine, runtimeEvents, strokeGuide, type EngineRunOutcome } from './harness';
import { probeWebGPU } from './webgpu-probe';

jest.setTimeout(240_000);

/** Tolerance, in 8-bit levels, between the WebGPU and WASM results of the same edit. */
const MAX_LEVELS = 3;
const MEAN_LEVELS = 0.5;

const spec = {
  guide: encode(strokeGuide(16, 16)),
  mask: null,
  mode: 'synthesis' as const,
  settings: { size: 16, steps: 2, t0: 0.4, sampler: 'ddim' },
  seed: 5,
};

interface Outcome {
  adapter: string | null;
  backend: string;
  out: EngineRunOutcome;
  notices: Record<string, unknown>[];
  /** the same edit again after a simulated WebGPU device loss on its first step */
  fallback?: EngineRunOutcome;
  fallbackNotices?: Record<string, unknown>[];
}

async function runOn(args: string[], simulateLoss = false): Promise<Outcome> {
  const browser: Browser = await launch(args);
  try {
    const ui = await openUi(browser);
    const adapter = await ui.frame.evaluate(async () => {
      type Info = { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Info; isFallbackAdapter?: boolean } | null> } }).gpu;
      if (!gpu) return null;
      const a = await gpu.requestAdapter();
      if (!a) return null;
      const i = a.info ?? {};
      return `${i.vendor || '?'} ${i.architecture || ''} ${i.description || ''}, fallback ${String(i.isFallbackAdapter ?? a.isFallbackAdapter)}`.replace(/\s+/g, ' ');
    });
    const loaded = await ui.frame.evaluate(() =>
      (globalThis as unknown as { __sdeditRuntime: { engine: { load(): Promise<{ backend: string }> } } }).__sdeditRuntime.engine.load(),
    );
    const out = await runEngine(ui.frame, spec);
    const notices = (await runtimeEvents(ui.frame)).filter((e) => e.type === 'notice');
    if (!simulateLoss || loaded.backend !== 'webgpu') return { adapter, backend: loaded.backend, out, notices };
    // A device lost mid-run, injected into this engine's WebGPU runner from here (the runtime has
    // no switch for it): its next run fails after the first step, as a lost device would.
    await ui.frame.evaluate(async () => {
      type Run = (job: unknown, onStep: (s: unknown) => void, signal: AbortSignal) => Promise<unknown>;
      const engine = (globalThis as unknown as { __sdeditRuntime: { engine: { loading: Promise<{ runner: { run: Run } }> } } }).__sdeditRuntime.engine;
      const { runner } = await engine.loading;
      const run = runner.run.bind(runner);
      runner.run = (job, onStep, signal) => {
        runner.run = run;
        return run(
          job,
          (s) => {
            onStep(s);
            throw new Error('simulated: GPU device was lost');
          },
          signal,
        );
      };
    });
    const fallback = await runEngine(ui.frame, spec);
    const fallbackNotices = (await runtimeEvents(ui.frame)).filter((e) => e.type === 'notice').slice(notices.length);
    return { adapter, backend: loaded.backend, out, notices, fallback, fallbackNotices };
  } finally {
    await browser.close();
  }
}

const probe = probeWebGPU();
const gpuTest = probe.available ? test : test.skip;
if (!probe.available) console.log(`WebGPU comparison skipped: ${probe.detail}`);

gpuTest(`the same tiny edit on WebGPU (SwiftShader) matches WASM${probe.available ? '' : ` (skipped: ${probe.detail})`}`, async () => {
  const gpu = await runOn(['--enable-unsafe-webgpu'], true);
  // the probe found an adapter: a session on anything else is a failure here
  if (!gpu.adapter || gpu.backend !== 'webgpu') {
    throw new Error(
      `headless Chromium exposed ${gpu.adapter ? `an adapter (${gpu.adapter}) but the session ran on ${gpu.backend}` : 'no WebGPU adapter to the UI'}, although the probe found ${probe.detail}` +
        (gpu.notices.length ? `; notices: ${JSON.stringify(gpu.notices)}` : ''),
    );
  }
  expect(gpu.out.errorMessage).toBeUndefined();
  expect(gpu.out.backend).toBe('webgpu');
  const wasm = await runOn([]);
  expect(wasm.out.backend).toBe('wasm');
  const a = decode(gpu.out.pngs[0]);
  const b = decode(wasm.out.pngs[0]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    max = Math.max(max, d);
    sum += d;
  }
  const mean = sum / a.data.length;
  console.log(
    `WebGPU (${gpu.adapter}) vs WASM, 16² edit, 2 steps: max |Δ| ${max} levels, mean ${mean.toFixed(3)} ` +
      `(tolerance ${MAX_LEVELS} / ${MEAN_LEVELS}); WebGPU ${Math.round(gpu.out.timings!.totalMs)} ms, WASM ${Math.round(wasm.out.timings!.totalMs)} ms`,
  );
  expect(max).toBeLessThanOrEqual(MAX_LEVELS);
  expect(mean).toBeLessThanOrEqual(MEAN_LEVELS);

  // A device lost mid-run: a visible notice, and the run is retried on WASM, not lost.
  expect(gpu.fallback?.ok).toBe(true);
  expect(gpu.fallback?.backend).toBe('wasm');
  expect(gpu.fallbackNotices?.some((n) => n.level === 'warning' && /WebGPU failed.*WASM/i.test(String(n.message)))).toBe(true);
  expect(Buffer.from(gpu.fallback!.pngs[0]).equals(Buffer.from(wasm.out.pngs[0]))).toBe(true);
});
