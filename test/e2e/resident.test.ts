// The GPU-resident SDEdit loop (src/ui/runtime/resident.ts) in headless Chromium on WebGPU
// (SwiftShader), through the runtime's SDEditSession (compute.ts) exactly as the panel's main-thread
// runner calls it, against the CPU-update loop (core's sdedit, eps read back every step) on the
// same session: DDIM with a mask, 2 repeats and previews, then DDPM, DPM-Solver++(2M) and the
// panel's default SDE-DPM-Solver++(2M), on the tiny fixture model at 16×12.
// Then the fallbacks: a resident failure reruns on the CPU-update loop with the same result; a
// lost device is a clear error (the engine then continues on WASM, see webgpu.test.ts).
// Registered as skipped, with the reason in the test's name, when Chromium exposes no WebGPU
// adapter (webgpu-probe.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { launch, ROOT } from './harness';
import { probeWebGPU } from './webgpu-probe';

jest.setTimeout(240_000);

const BASE = 'http://localhost:47631/';
const FIXTURE = join(ROOT, 'test/fixtures/tiny-model');

const ENTRY = `
import * as ort from 'onnxruntime-web/webgpu';
import { SDEditSession } from './src/ui/runtime/compute.ts';
import { trace } from './src/ui/runtime/trace.ts';
let compute = null;
const bytes = async (name) => new Uint8Array(await (await fetch(name)).arrayBuffer());
globalThis.__resident = {
  async load() {
    const manifestText = await (await fetch('model.json')).text();
    const name = JSON.parse(manifestText).files[0].name;
    const pack = { name: 'tiny', manifestText, files: new Map([[name, await bytes(name)]]) };
    compute = await SDEditSession.load(ort, pack, { preferWebGPU: true, wasmBinary: await bytes('ort.wasm'), numThreads: 1 });
    return { backend: compute.backend, residentReason: compute.residentReason ?? null };
  },
  async run(plain, loop, sabotage) {
    const job = { ...plain, guide: Float32Array.from(plain.guide), mask: plain.mask ? Float32Array.from(plain.mask) : null };
    if (sabotage) compute.resident.run = async () => { throw new Error(sabotage); };
    const steps = [];
    const before = trace().events.length;
    try {
      const r = await compute.run(job, (s) => steps.push({ step: s.step, total: s.total, x0: s.x0 ? Array.from(s.x0) : null }), new AbortController().signal, { webgpuLoop: loop || 'auto' });
      return { ok: true, out: Array.from(r.out), steps, events: trace().events.slice(before) };
    } catch (e) {
      return { ok: false, name: e.name, message: e.message, cause: String(e.cause?.message ?? e.cause ?? ''), steps, events: trace().events.slice(before) };
    }
  },
};
`;

interface RunOut {
  ok: boolean;
  name?: string;
  message?: string;
  cause?: string;
  out: number[];
  steps: { step: number; total: number; x0: number[] | null }[];
  events: Record<string, unknown>[];
}

async function openPage(browser: Browser): Promise<Page> {
  const bundle = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: 'resident-e2e.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    define: { 'import.meta.url': '"https://sdedit.invalid/embedded/"' },
    logLevel: 'error',
  });
  const manifest = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8')) as { files: { name: string }[] };
  const files: Record<string, { type: string; body: string | Buffer }> = {
    'index.html': { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>resident</title>' },
    'bundle.js': { type: 'text/javascript', body: bundle.outputFiles[0].text },
    'ort.wasm': { type: 'application/wasm', body: readFileSync(join(ROOT, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm')) },
    'model.json': { type: 'application/json', body: readFileSync(join(FIXTURE, 'model.json')) },
    [manifest.files[0].name]: { type: 'application/octet-stream', body: readFileSync(join(FIXTURE, manifest.files[0].name)) },
  };
  const page = await browser.newPage();
  await page.route(`${BASE}**`, (route) => {
    const f = files[route.request().url().slice(BASE.length)];
    return f ? route.fulfill({ status: 200, contentType: f.type, body: f.body }) : route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${BASE}index.html`);
  await page.addScriptTag({ url: `${BASE}bundle.js` });
  return page;
}

const W = 16;
const H = 12;
const guide = Array.from({ length: 3 * H * W }, (_, i) => Math.sin(i * 0.37) * 0.8);
// edit the left 9 columns, keep the rest (one column half-blended)
const mask = Array.from({ length: H * W }, (_, p) => (p % W < 9 ? 1 : p % W === 9 ? 0.5 : 0));
const job = { guide, channels: 3, height: H, width: W, mask, t0: 0.5, steps: 2, sampler: 'ddim', repeats: 2, seed: 3, variations: 1, previewEvery: 3 };

const maxAbs = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const gpu = probeWebGPU();
const gpuTest = gpu.available ? test : test.skip;
const needs = gpu.available ? '' : ` (skipped: ${gpu.detail})`;
if (!gpu.available) console.log(`resident WebGPU tests skipped: ${gpu.detail}`);

async function loadOnWebGPU(page: Page): Promise<{ backend: string; residentReason: string | null }> {
  const loaded = await page.evaluate(() => (globalThis as unknown as { __resident: { load(): Promise<{ backend: string; residentReason: string | null }> } }).__resident.load());
  // the probe found an adapter: a session on anything else is a failure here
  expect(loaded.backend).toBe('webgpu');
  return loaded;
}

gpuTest(`resident WebGPU loop matches the CPU-update loop; failures fall back or report a lost device${needs}`, async () => {
  const browser = await launch(['--enable-unsafe-webgpu']);
  try {
    const page = await openPage(browser);
    const runJob = (j: typeof job, loop: string, sabotage?: string): Promise<RunOut> =>
      page.evaluate(
        ([j, l, s]) =>
          (globalThis as unknown as { __resident: { run(j: unknown, l: string, s?: string): Promise<RunOut> } }).__resident.run(j, l as string, s as string | undefined),
        [j, loop, sabotage] as const,
      );
    const run = (loop: string, sabotage?: string) => runJob(job, loop, sabotage);
    const loaded = await loadOnWebGPU(page);
    expect(loaded.residentReason).toBeNull();

    const t1 = Date.now();
    const res = await run('resident');
    const t2 = Date.now();
    const cpu = await run('cpu-update');
    const t3 = Date.now();
    if (!res.ok) console.log(`resident run failed: ${res.message}\n${res.cause}`);
    expect(res.message).toBeUndefined();
    expect(cpu.message).toBeUndefined();
    expect(res.events.filter((e) => e.type === 'webgpu-loop').map((e) => e.loop)).toEqual(['resident']);
    expect(cpu.events.filter((e) => e.type === 'webgpu-loop').map((e) => e.loop)).toEqual(['cpu-update']);
    // read back: the x̂0 preview at step 3 (none at the last step, 4: the result follows), and the result
    const P = 3 * H * W;
    expect(res.events.find((e) => e.type === 'webgpu-loop')?.readbackBytes).toBe(4 * (P + P));

    const d = maxAbs(res.out, cpu.out);
    expect(res.steps.map((s) => [s.step, s.total, !!s.x0])).toEqual(cpu.steps.map((s) => [s.step, s.total, !!s.x0]));
    expect(res.steps.filter((s) => s.x0).map((s) => s.step)).toEqual([3]);
    const dp = Math.max(...res.steps.filter((s) => s.x0).map((s, i) => maxAbs(s.x0 as number[], cpu.steps.filter((c) => c.x0)[i].x0 as number[])));
    console.log(`resident vs CPU-update on WebGPU (SwiftShader), 16×12, DDIM 2 steps × 2 repeats, mask: max |Δ| ${d.toExponential(2)}, previews ${dp.toExponential(2)}; ${t2 - t1} ms vs ${t3 - t2} ms`);
    expect(d).toBeLessThan(1e-4);
    expect(dp).toBeLessThan(1e-4);
    // kept pixels are the guide bit for bit on both loops
    for (let c = 0; c < 3; c++) for (let p = 0; p < H * W; p++) if (mask[p] === 0) expect(res.out[c * H * W + p]).toBe(Math.fround(guide[c * H * W + p]));

    // DDPM (noise drawn by core's RNG, uploaded every step), DPM-Solver++(2M) (x̂0 of the previous
    // step kept on the GPU) and the panel's default, SDE-DPM-Solver++(2M) (both), same mask, one repeat
    expect(DEFAULT_SETTINGS.sampler).toBe('dpmpp2m-sde');
    for (const sampler of ['ddpm', 'dpmpp2m', DEFAULT_SETTINGS.sampler]) {
      const j = { ...job, sampler, steps: 3, repeats: 1 };
      const [a, b] = [await runJob(j, 'resident'), await runJob(j, 'cpu-update')];
      expect(a.message).toBeUndefined();
      expect(a.events.filter((e) => e.type === 'webgpu-loop').map((e) => e.loop)).toEqual(['resident']);
      const ds = maxAbs(a.out, b.out);
      console.log(`resident vs CPU-update, ${sampler} 3 steps, mask: max |Δ| ${ds.toExponential(2)}`);
      expect(ds).toBeLessThan(1e-4);
    }

    // a resident failure: the same job reruns on the CPU-update loop, same result
    const fb = await run('', 'resident: something unexpected');
    expect(fb.ok).toBe(true);
    expect(fb.out).toEqual(cpu.out);
    const ev = fb.events.filter((e) => e.type === 'webgpu-loop');
    expect(ev.map((e) => e.loop)).toEqual(['cpu-update']);
    expect(String(ev[0].reason)).toMatch(/GPU-resident loop failed: resident: something unexpected/);
  } finally {
    await browser.close();
  }
});

gpuTest(`a lost device on the resident loop is a clear error, not a silent rerun${needs}`, async () => {
  const browser = await launch(['--enable-unsafe-webgpu']);
  try {
    const page = await openPage(browser);
    await loadOnWebGPU(page);
    const r = await page.evaluate(
      (j) => (globalThis as unknown as { __resident: { run(j: unknown, l: string, s?: string): Promise<RunOut> } }).__resident.run(j, '', 'GPU device was lost'),
      job,
    );
    expect(r.ok).toBe(false);
    expect(r.name).toBe('WebRuntimeError');
    expect(r.message).toMatch(/WebGPU device lost/);
    expect(r.events.filter((e) => e.type === 'webgpu-loop')).toEqual([]);
  } finally {
    await browser.close();
  }
});
