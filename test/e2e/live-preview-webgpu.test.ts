// The pixel pack's live preview on WebGPU at the size the sandbox opens the panel (360×600): on
// WebGPU the engine makes the preview at the job's working size (not shrunk to PREVIEW_SIZE), so
// the panel offers to apply it as it is, and the applied image is that preview at the guide's
// size. Needs a WebGPU adapter in headless Chromium (SwiftShader with --enable-unsafe-webgpu, 3–20
// s per network call: one step at 96 px); registered as skipped, with the reason, where there is
// none (webgpu-probe.ts).
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { PREVIEW_SIZE } from '../../src/ui/runtime/engine';
import { browserPerFile, decode, inViewport, maskEditJob, openUi, runtimeEvents, screenshotPath, sendToUi, toPlugin } from './harness';
import { probeWebGPU } from './webgpu-probe';

jest.setTimeout(300_000);

/** Larger than PREVIEW_SIZE, so a preview at the working size and a shrunk one differ. */
const W = 96;

const probe = probeWebGPU();
const gpuTest = probe.available ? test : test.skip;
if (!probe.available) console.log(`live preview on WebGPU skipped: ${probe.detail}`);

const browser = browserPerFile(['--enable-unsafe-webgpu']);

const { job } = maskEditJob(W);

gpuTest(`360×600 on WebGPU: the live preview runs at the working size, is in view, and Apply sends it as it is${probe.available ? '' : ` (skipped: ${probe.detail})`}`, async () => {
  expect(W).toBeGreaterThan(PREVIEW_SIZE);
  const ui = await openUi(browser(), { width: 360, height: 600 });
  const { page, frame } = ui;
  await page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'ready'), null, { timeout: 30_000 });
  await sendToUi(page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, steps: 1, t0: 0.5, seedMode: 'fixed', seed: 3, livePreview: false } });
  await sendToUi(page, { type: 'history', runs: [] });
  await sendToUi(page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 120_000 });
  // Generate is enabled as soon as there is a job (a run waits for the model); wait for the load
  await frame.waitForFunction(() => (globalThis as unknown as { __sdeditRuntime?: { events: { type: string }[] } }).__sdeditRuntime?.events.some((e) => e.type === 'load'), null, { timeout: 120_000 });
  const load = (await runtimeEvents(frame)).find((e) => e.type === 'load');
  // the probe found an adapter: the engine must have taken it
  expect(load).toMatchObject({ backend: 'webgpu' });

  await frame.click('[data-testid="live-preview-toggle"]');
  await frame.waitForSelector('[data-testid="live-preview-apply"]', { timeout: 240_000 });
  const events = await runtimeEvents(frame);
  const starts = events.filter((e) => e.type === 'run-start' && e.preview === true);
  expect(starts.length).toBeGreaterThanOrEqual(1);
  expect(starts.at(-1)).toMatchObject({ width: W, height: W, steps: 1 });
  expect(events.filter((e) => e.type === 'run-end').at(-1)).toMatchObject({ status: 'done', backend: 'webgpu' });
  expect(await inViewport(frame, 'live-preview-img')).toMatchObject({ inside: true });
  expect(await inViewport(frame, 'live-preview-apply')).toMatchObject({ inside: true });
  expect(await frame.textContent('[data-testid="preview-caption"]')).toBe('Preview t0 0.50');
  await page.screenshot({ path: screenshotPath('panel-360-live-preview-webgpu.png') });

  // Apply: the preview itself goes to the sandbox, no new run
  const before = (await runtimeEvents(frame)).filter((e) => e.type === 'run-start').length;
  await frame.click('[data-testid="live-preview-apply"]');
  await page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'apply'), null, { timeout: 10_000 });
  const apply = (await toPlugin(page)).find((m) => m.type === 'apply') as Record<string, unknown>;
  expect(apply).toMatchObject({ jobId: 'job-1', width: W, height: W });
  expect(apply.params).toMatchObject({ t0: 0.5, steps: 1, seed: 3, size: W });
  const png = decode(new Uint8Array(Buffer.from((apply.png as { base64: string }).base64, 'base64')));
  expect([png.width, png.height]).toEqual([W, W]);
  expect((await runtimeEvents(frame)).filter((e) => e.type === 'run-start').length).toBe(before);
  await ui.close();
});
