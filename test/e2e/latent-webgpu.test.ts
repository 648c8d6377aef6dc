// Latent packs and the device check in the panel, in the Figma-like iframe: a tiny fp32 pack runs
// on WebGPU where headless Chromium exposes an adapter (SwiftShader with --enable-unsafe-webgpu;
// registered as skipped, with the reason, where it does not: webgpu-probe.ts), matches the same
// edit on WASM, and says where it runs; a float16 pack on an adapter without shader-f16 runs on
// WASM and says why; a GPU failure mid-run continues on WASM; a pack the device cannot hold is
// refused with what would make it run. The
// refusal fakes the browser, not the plugin: navigator.deviceMemory is redefined by a script put
// before the panel's own (a computer that reports 0.25 GB of memory).
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { ROOT, browserPerFile, decode, keptAndChanged, launch, maskEditJob, openUi, runtimeEvents, screenshotPath, sendToUi, toPlugin, type Harness } from './harness';
import { probeWebGPU } from './webgpu-probe';

jest.setTimeout(300_000);

const W = 64;
const PACKS = join(ROOT, 'test', 'fixtures', 'latent-packs');
const { job, guideImg, maskImg } = maskEditJob(W);
/** Tolerance, in 8-bit levels, between the WebGPU and WASM results of the same edit. */
const MAX_LEVELS = 3;

const probe = probeWebGPU();
const gpuTest = probe.available ? test : test.skip;
if (!probe.available) console.log(`latent packs on WebGPU skipped: ${probe.detail}`);

const browser = browserPerFile(['--enable-unsafe-webgpu']);

async function openPanel(b: Browser, transformHtml?: (html: string) => string): Promise<Harness> {
  const ui = await openUi(b, { width: 360, height: 1500, ...(transformHtml ? { transformHtml } : {}) });
  await ui.page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'ready'), null, { timeout: 30_000 });
  await sendToUi(ui.page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, seedMode: 'fixed', seed: 5, livePreview: false } });
  await sendToUi(ui.page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await ui.frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 60_000 });
  return ui;
}

async function pickPack(ui: Harness, pack: string): Promise<string> {
  await ui.frame.setInputFiles('[data-testid="pack-folder-input"]', join(PACKS, pack));
  await ui.frame.waitForSelector('[data-testid="prompt-card"]', { timeout: 120_000 });
  // a pack picked after another: wait for its own info, not the previous pack's
  await ui.frame.waitForFunction((name) => (document.querySelector('[data-testid="pack-info"]')?.textContent ?? '').startsWith(`${name} ·`), pack, { timeout: 120_000 });
  return (await ui.frame.textContent('[data-testid="pack-info"]')) ?? '';
}

/** Generate with a prompt, Apply the first result, and return the PNG the sandbox received. */
async function generate(ui: Harness): Promise<Uint8Array> {
  const { page, frame } = ui;
  await frame.fill('[data-testid="prompt-input"]', 'a red lake at dawn');
  const applied = (await toPlugin(page)).filter((m) => m.type === 'apply').length;
  await frame.click('[data-testid="generate"]');
  await frame.waitForSelector('[data-testid="apply-0"]', { timeout: 240_000 });
  await frame.click('[data-testid="apply-0"]');
  await page.waitForFunction((n) => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.filter((m) => m.type === 'apply').length > n, applied, { timeout: 10_000 });
  const apply = (await toPlugin(page)).filter((m) => m.type === 'apply')[applied];
  return new Uint8Array(Buffer.from((apply.png as { base64: string }).base64, 'base64'));
}

gpuTest(`a tiny fp32 pack runs on WebGPU and matches WASM; a float16 pack without shader-f16 runs on WASM and says why${probe.available ? '' : ` (skipped: ${probe.detail})`}`, async () => {
  const ui = await openPanel(browser());
  const shaderF16 = await ui.frame.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: { has(f: string): boolean } } | null> } }).gpu;
    const a = gpu ? await gpu.requestAdapter() : null;
    return a ? a.features.has('shader-f16') : null;
  });
  // the probe found an adapter: the panel's own request must find one too
  expect(shaderF16).not.toBeNull();
  const info = await pickPack(ui, 'ortweb-fp32');
  expect(info).toContain('runs on WebGPU fp32');
  await ui.page.screenshot({ path: screenshotPath('panel-latent-webgpu.png') });
  const gpuPng = await generate(ui);
  const events = await runtimeEvents(ui.frame);
  expect(events.filter((e) => e.type === 'load' && e.latent).at(-1)).toMatchObject({ backend: 'webgpu' });
  expect(events.filter((e) => e.type === 'run-end').at(-1)).toMatchObject({ status: 'done', backend: 'webgpu' });
  const out = decode(gpuPng);
  const { keptDiff, changed } = keptAndChanged(out, guideImg, maskImg);
  expect(keptDiff).toBe(0);
  expect(changed).toBeGreaterThan(0);
  // the t0 line uses the pack's scheduler (SD-Turbo's: strength 0.5 with 2 steps noises to
  // timestep 499, σ 1.6129, √ᾱ 0.53), and there is no Auto t0 for a latent pack
  expect(await ui.frame.textContent('[data-testid="signal-kept"]')).toBe("t0 0.50 keeps 53% of the guide's signal");
  expect(await ui.frame.getAttribute('[data-testid="t0-auto"]', 'aria-disabled')).toBe('true');

  // A GPU lost at the next session, injected into this panel's latent session from here (the
  // runtime has no switch for it): the run continues on WASM with a notice, and the pack stays there.
  await ui.frame.evaluate(() => {
    type Rt = { open(part: string): Promise<unknown> };
    const engine = (globalThis as unknown as { __sdeditRuntime: { engine: { latent: { rt: Rt } } } }).__sdeditRuntime.engine;
    const rt = engine.latent.rt;
    rt.open = () => Promise.reject(new Error('simulated: GPU device was lost'));
  });
  const fallbackPng = await generate(ui);
  const after = await runtimeEvents(ui.frame);
  expect(after.filter((e) => e.type === 'run-end').at(-1)).toMatchObject({ status: 'done', backend: 'wasm' });
  expect(after.some((e) => e.type === 'notice' && /WebGPU failed.*continues on WASM/.test(String(e.message)))).toBe(true);

  // float16 tensors on WebGPU need shader-f16 (SwiftShader has none)
  const f16 = await pickPack(ui, 'webnn-fp16');
  if (shaderF16) expect(f16).toContain('runs on WebGPU fp16');
  else {
    expect(f16).toContain('runs on WASM fp16');
    expect(await ui.frame.textContent('[data-testid="pack-device"]')).toContain('Not on WebGPU: this graphics card has no shader-f16');
  }
  await ui.close();

  // the same edit on WASM (a browser without WebGPU)
  const plain = await launch([]);
  try {
    const wasm = await openPanel(plain);
    const wasmInfo = await pickPack(wasm, 'ortweb-fp32');
    expect(wasmInfo).toContain('runs on WASM fp32');
    expect(await wasm.frame.textContent('[data-testid="pack-device"]')).toMatch(/Not on WebGPU: (this Figma window has no WebGPU|no graphics card)/);
    const wasmPng = await generate(wasm);
    // the fallback ran the same edit on the same backend: the same bytes
    expect(Buffer.from(fallbackPng).equals(Buffer.from(wasmPng))).toBe(true);
    const a = decode(wasmPng);
    let max = 0;
    for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - out.data[i]));
    console.log(`latent pack ortweb-fp32, 64² mask edit: WebGPU (${probe.detail}) vs WASM max |Δ| ${max} levels (tolerance ${MAX_LEVELS})`);
    expect(max).toBeLessThanOrEqual(MAX_LEVELS);
  } finally {
    await plain.close();
  }
});

test('a pack this computer cannot hold is refused in words that say what would make it run', async () => {
  const lowMemory = (html: string) =>
    html.replace('<head>', "<head><script>Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 0.25, configurable: true });</script>");
  const ui = await openPanel(browser(), lowMemory);
  const { frame } = ui;
  expect(await frame.evaluate(() => (navigator as unknown as { deviceMemory: number }).deviceMemory)).toBe(0.25);
  await frame.setInputFiles('[data-testid="pack-folder-input"]', join(PACKS, 'ortweb-fp32'));
  await frame.waitForSelector('[data-testid="pack-error"]', { timeout: 60_000 });
  const text = (await frame.textContent('[data-testid="pack-error"]')) ?? '';
  expect(text).toMatch(/“ortweb-fp32” cannot load here: it needs at least 0\.\d+ GB of memory and this computer reports about 0\.25 GB/);
  expect(text).toContain('What would make it run: a smaller pack, a computer with more memory, or the sdedit command');
  expect(text).toContain('The model in use stays as it was');
  await ui.page.screenshot({ path: screenshotPath('panel-latent-refused.png') });
  // the embedded pack stays active and runs
  expect(await frame.$('[data-testid="prompt-card"]')).toBeNull();
  expect(await frame.textContent('[data-testid="pack-info"]')).toContain('built in');
  expect(await frame.$('[data-testid="generate"]:not([disabled])')).not.toBeNull();
  await ui.close();
});
