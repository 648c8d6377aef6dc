// The panel at the size the sandbox opens it (360×600), as a designer meets it: what they need
// to see during and after a run is in the viewport without scrolling, focus never falls to the
// page body, and a screenshot of each state goes to artifacts/screenshots/ (panel-360-*.png).
import type { Frame, Page } from 'playwright-core';
import { DEFAULT_SETTINGS, type Settings } from '../../src/protocol';
import { browserPerFile, inViewport, maskEditJob, openUi, runtimeEvents, screenshotPath, sendToUi, type Harness, type Theme } from './harness';

jest.setTimeout(240_000);

const W = 64;
const { job } = maskEditJob(W);

const browser = browserPerFile();

async function open(theme: Theme, settings: Partial<Settings>, history = true): Promise<Harness> {
  const ui = await openUi(browser(), { theme, width: 360, height: 600 });
  await ui.page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'ready'), null, {
    timeout: 30_000,
  });
  await sendToUi(ui.page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, seedMode: 'fixed', seed: 3, livePreview: false, ...settings } });
  if (history) await sendToUi(ui.page, { type: 'history', runs: [] }); // the sandbox's answer to load-history
  return ui;
}

async function focused(frame: Frame): Promise<string> {
  return frame.evaluate(() => {
    const a = document.activeElement;
    return !a || a === document.body ? 'body' : (a.getAttribute('data-testid') ?? a.tagName);
  });
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: screenshotPath(`panel-360-${name}.png`) });
}

/** Labels and buttons whose text is cut off (scrollWidth past their box). */
async function clipped(frame: Frame): Promise<string[]> {
  return frame.evaluate(() =>
    Array.from(document.querySelectorAll('label, button, summary, select, .sd-t0-scale span, figcaption'))
      .filter((el) => {
        const h = el as HTMLElement;
        if (h.offsetParent === null || h.classList.contains('sd-ellipsis')) return false;
        if (h instanceof HTMLSelectElement) {
          const opt = h.options[h.selectedIndex];
          const probe = document.createElement('span');
          probe.style.cssText = `font:${getComputedStyle(h).font};position:absolute;visibility:hidden;white-space:nowrap`;
          probe.textContent = opt?.text ?? '';
          document.body.appendChild(probe);
          const need = probe.getBoundingClientRect().width + 28; // padding and the arrow
          probe.remove();
          return need > h.getBoundingClientRect().width;
        }
        return h.scrollWidth > h.clientWidth + 1;
      })
      .map((el) => `${el.tagName} “${(el.textContent ?? '').trim().slice(0, 40)}”`),
  );
}

test('light, 360×600: empty state, selection, a run in view with focus kept, results in view, an error', async () => {
  const ui = await open('light', {});
  const { page, frame } = ui;
  await frame.waitForSelector('[data-testid="empty-guide"]', { timeout: 60_000 });
  await shot(page, 'empty');

  await sendToUi(page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 60_000 });
  expect(await clipped(frame)).toEqual([]);
  await shot(page, 'selection');
  await frame.click('[data-testid="settings"] > summary');
  expect(await clipped(frame)).toEqual([]);
  await shot(page, 'settings-open');
  await frame.click('[data-testid="settings"] > summary');

  // live preview on: the preview sits beside the guide and mask, captioned with its t0
  await frame.click('[data-testid="live-preview-toggle"]');
  await frame.waitForSelector('[data-testid="live-preview-img"]', { timeout: 60_000 });
  expect(await frame.textContent('[data-testid="preview-caption"]')).toBe('Preview t0 0.50');
  await shot(page, 'live-preview');
  await frame.click('[data-testid="live-preview-toggle"]');

  // a long run: the progress bar is in view and focus moved from Generate to Cancel
  await sendToUi(page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: 128, seedMode: 'fixed', seed: 3, steps: 400, t0: 0.9, livePreview: false } });
  await page.waitForTimeout(100);
  await frame.focus('[data-testid="generate"]');
  await page.keyboard.press('Enter');
  await frame.waitForSelector('[data-testid="progressbar"]', { timeout: 30_000 });
  await frame.waitForSelector('[data-testid="preview-img"]', { timeout: 60_000 });
  const bar = await inViewport(frame, 'progressbar');
  expect(bar).toMatchObject({ inside: true });
  expect(await frame.getAttribute('[data-testid="progressbar"]', 'aria-valuemax')).toBe('400');
  expect(await focused(frame)).not.toBe('body');
  await shot(page, 'running');

  // two more Generates during the run go to the queue; one is removed again
  await sendToUi(page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, seedMode: 'fixed', seed: 3, steps: 6, t0: 0.6, livePreview: false } });
  await frame.click('[data-testid="enqueue"]');
  await frame.click('[data-testid="enqueue"]');
  await frame.waitForSelector('[data-testid="queue-item-1"]');
  expect(await inViewport(frame, 'queue')).toMatchObject({ inside: true });
  await shot(page, 'queue');
  await frame.click('[data-testid="queue-cancel-0"]');
  expect(await frame.locator('[data-testid="queue"] li').count()).toBe(1);

  // Cancel (by keyboard, focus on it): the long run stops and the queued one starts by itself
  await frame.focus('[data-testid="cancel"]');
  await page.keyboard.press('Enter');
  await frame.waitForSelector('[data-testid="queue"]', { state: 'detached', timeout: 30_000 });
  expect(await focused(frame)).not.toBe('body');

  // the queued short run: its result image is in view and focus is back on Generate
  await frame.waitForSelector('[data-testid="result-img-0"]', { timeout: 120_000 });
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 30_000 });
  const img = await inViewport(frame, 'result-img-0');
  console.log(`result image box at 360×600: ${img.box.join(', ')}`);
  expect(img).toMatchObject({ inside: true });
  expect(await inViewport(frame, 'apply-0')).toMatchObject({ inside: true });
  expect(await focused(frame)).toBe('generate');
  const starts = (await runtimeEvents(frame)).filter((e) => e.type === 'run-start' && e.preview === false);
  expect(starts.map((e) => e.steps)).toEqual([400, 6]); // the removed item never ran
  await shot(page, 'result');

  await sendToUi(page, { type: 'problem', problem: { code: 'apply-failed', message: '“Lake sketch” is no longer on this page.' }, jobId: null });
  await frame.waitForSelector('[data-testid="error"]');
  expect(await inViewport(frame, 'error')).toMatchObject({ inside: true });
  await shot(page, 'error');

  // the run was saved to the lasting history, with a thumbnail: a reopened panel shows it
  const saved = await page.evaluate(() => {
    const msgs = (window as unknown as { __toPlugin: { type: string; runs?: { thumbPng: Uint8Array | null }[] }[] }).__toPlugin;
    const last = msgs.filter((m) => m.type === 'save-history').pop();
    return JSON.stringify(last?.runs ?? [], (_k, v: unknown) => (v instanceof Uint8Array ? { __b64: btoa(String.fromCharCode(...Array.from(v))) } : v));
  });
  await ui.close();
  const runs = JSON.parse(saved, (_k, v: unknown) => (v && typeof v === 'object' && '__b64' in v ? new Uint8Array(Buffer.from((v as { __b64: string }).__b64, 'base64')) : v)) as {
    thumbPng: Uint8Array | null;
    params: { steps: number }[];
  }[];
  expect(runs).toHaveLength(1);
  expect(runs[0].params[0].steps).toBe(6);
  expect(runs[0].thumbPng?.byteLength).toBeGreaterThan(0);
  const again = await open('light', {}, false);
  await again.page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'load-history'));
  await sendToUi(again.page, { type: 'history', runs });
  await again.frame.waitForSelector('[data-testid="earlier"] img');
  await shot(again.page, 'history-after-reload');
  await again.close();
});

test('dark, 360×600: selection and results look right', async () => {
  const ui = await open('dark', { steps: 6, t0: 0.6, variations: 2 });
  const { page, frame } = ui;
  await sendToUi(page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 60_000 });
  await frame.click('[data-testid="generate"]');
  await frame.waitForSelector('[data-testid="result-img-1"]', { timeout: 120_000 });
  expect(await inViewport(frame, 'result-img-1')).toMatchObject({ inside: true });
  expect(await clipped(frame)).toEqual([]);
  await shot(page, 'dark');
  await ui.close();
});

test('no worker allowed (strict CSP): one honest notice that the panel freezes during steps; the longest stall is measured', async () => {
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src data: blob: 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'none'">`;
  const ui = await openUi(browser(), { width: 360, height: 600, transformHtml: (html) => html.replace(/<head>/i, `<head>${csp}`) });
  const { page, frame } = ui;
  await page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'ready'), null, { timeout: 30_000 });
  await sendToUi(page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: 128, seedMode: 'fixed', seed: 3, steps: 4, t0: 0.6, livePreview: false } });
  await sendToUi(page, { type: 'history', runs: [] });
  await sendToUi(page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 60_000 });
  await frame.evaluate(() => {
    const w = window as unknown as { __longest: number };
    w.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await frame.click('[data-testid="generate"]');
  await frame.waitForSelector('[data-testid="result-img-0"]', { timeout: 180_000 });
  const longest = await frame.evaluate(() => (window as unknown as { __longest: number }).__longest);
  const notices = await frame.locator('[data-testid="notice"] li').allTextContents();
  console.log(`strict CSP, 128 px, 4 steps on the panel's thread: longest stall ${Math.round(longest)} ms; notices: ${JSON.stringify(notices)}`);
  const freezes = notices.filter((n) => n.includes('freezes'));
  expect(freezes).toHaveLength(1);
  expect(freezes[0]).toContain('Cancel acts between steps');
  expect((await runtimeEvents(frame)).some((e) => e.type === 'worker-failed')).toBe(true); // the cause, for diagnosis
  // the PNG encoder's worker is refused too: the result was encoded on the panel's thread
  expect((await runtimeEvents(frame)).filter((e) => e.type === 'run-end').pop()).toMatchObject({ status: 'done', pngEncodedOn: 'main-thread' });
  expect((await runtimeEvents(frame)).some((e) => e.type === 'png-worker-failed')).toBe(true); // and why
  await shot(page, 'no-worker');
  await ui.close();
});
