// The whole panel in the Figma-like iframe: the harness plays the sandbox (settings, selection,
// records 'apply'), the user drives the panel by data-testid. Screenshots go to
// artifacts/screenshots/ (light and dark, mid-run, results).
import type { Page } from 'playwright-core';
import { DEFAULT_SETTINGS, type Settings } from '../../src/protocol';
import { browserPerFile, decode, keptAndChanged, maskEditJob, openUi, runtimeEvents, screenshotPath, sendToUi, toPlugin, type Harness, type Theme } from './harness';

jest.setTimeout(180_000);

const W = 64;
const { job, guideImg, maskImg } = maskEditJob(W);

const browser = browserPerFile();

async function openPanel(theme: Theme, settings: Partial<Settings>): Promise<Harness> {
  const ui = await openUi(browser(), { theme, width: 360, height: 1500 });
  await ui.page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'ready'), null, {
    timeout: 30_000,
  });
  await sendToUi(ui.page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, seedMode: 'fixed', seed: 3, ...settings } });
  await sendToUi(ui.page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await ui.frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 60_000 });
  return ui;
}

async function runStarts(ui: Harness, preview: boolean) {
  return (await runtimeEvents(ui.frame)).filter((e) => e.type === 'run-start' && e.preview === preview);
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: screenshotPath(name) });
}

test.each(['light', 'dark'] as Theme[])('%s theme: live preview debounces; Generate, Cancel, Generate, Apply', async (theme) => {
  const ui = await openPanel(theme, { livePreview: true, steps: 6, t0: 0.5 });
  const { page, frame } = ui;

  // Live preview: five quick t0 changes → one preview run, ≈0.25 s after the last change.
  // The selection itself starts a preview: let it finish, so that what is counted below is ours.
  await frame.waitForSelector('[data-testid="live-preview-img"]', { timeout: 60_000 });
  const before = (await runStarts(ui, true)).length;
  // Typed inside the page 40 ms apart, so that the spacing is the page's own and not the
  // round trips of the test driver on a loaded machine.
  await frame.evaluate(async (values) => {
    const el = document.querySelector('[data-testid="t0-input"]') as HTMLInputElement;
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    for (const v of values) {
      setValue.call(el, v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => setTimeout(r, 40));
    }
  }, ['0.42', '0.44', '0.46', '0.48', '0.5']);
  // A stale run is aborted within a step; the debounced one starts after it (steps of the real
  // model take seconds on a loaded machine), then nothing else may start.
  for (let waited = 0; waited < 30_000 && (await runStarts(ui, true)).length === before; waited += 250) {
    await page.waitForTimeout(250);
  }
  await page.waitForTimeout(1500);
  const previews = (await runStarts(ui, true)).length - before;
  console.log(`${theme}: 5 t0 changes within ≈0.2 s gave ${previews} preview run(s)`);
  expect(previews).toBe(1);
  await frame.waitForSelector('[data-testid="live-preview-img"]', { timeout: 30_000 });

  // A long run, for the mid-run screenshot and Cancel through the panel.
  await sendToUi(page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, seedMode: 'fixed', seed: 3, size: 128, steps: 990, t0: 0.99, livePreview: false } });
  await page.waitForTimeout(100);
  await frame.click('[data-testid="generate"]');
  await frame.waitForSelector('[data-testid="preview-img"]', { timeout: 60_000 });
  await shot(page, `panel-${theme}-mid-run.png`);
  await frame.click('[data-testid="cancel"]');
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 30_000 });
  const events = await runtimeEvents(ui.frame);
  const longRun = events.filter((e) => e.type === 'run-start' && e.preview === false).pop();
  const end = events.find((e) => e.type === 'run-end' && e.jobId === longRun?.jobId && e.at! > longRun!.at!);
  expect(longRun).toMatchObject({ steps: 990 });
  expect(end).toMatchObject({ status: 'aborted' });

  // A full run, then Apply: the harness (the sandbox) receives the PNG.
  await sendToUi(page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, seedMode: 'fixed', seed: 3, steps: 6, t0: 0.6, variations: 2, livePreview: false } });
  await page.waitForTimeout(100);
  await frame.click('[data-testid="generate"]');
  await frame.waitForSelector('[data-testid="apply-0"]', { timeout: 120_000 });
  await frame.waitForSelector('[data-testid="result-img-1"]', { timeout: 10_000 });
  await page.waitForTimeout(200);
  await shot(page, `panel-${theme}-results.png`);
  await frame.click('[data-testid="apply-0"]');
  await page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'apply'), null, {
    timeout: 10_000,
  });
  const apply = (await toPlugin(page)).find((m) => m.type === 'apply')!;
  expect(apply).toMatchObject({ jobId: 'job-1', sourceNodeId: '1:2', width: W, height: W });
  const out = decode(new Uint8Array(Buffer.from((apply.png as { base64: string }).base64, 'base64')));
  const { keptDiff, changed } = keptAndChanged(out, guideImg, maskImg);
  expect(keptDiff).toBe(0);
  expect(changed).toBeGreaterThan(0);
  expect((apply.params as { seed: number }).seed).toBe(3);
  await ui.close();
});
