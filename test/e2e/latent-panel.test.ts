// A latent pack from a folder, through the whole panel in the Figma-like iframe: the folder is
// picked with the directory input (Playwright's setInputFiles on a directory), the pack info
// says what runs where, the prompt reaches the text encoder (two prompts → different bytes),
// kept pixels are the guide's own, and the result goes to the "sandbox" on Apply.
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { ROOT, browserPerFile, decode, keptAndChanged, maskEditJob, openUi, screenshotPath, sendToUi, toPlugin, type Harness } from './harness';

jest.setTimeout(180_000);

const W = 64;
const PACK = join(ROOT, 'test', 'fixtures', 'latent-packs', 'ortweb-fp32');
const { job, guideImg, maskImg } = maskEditJob(W);

const browser = browserPerFile();

async function openPanel(): Promise<Harness> {
  const ui = await openUi(browser(), { width: 360, height: 1500 });
  await ui.page.waitForFunction(() => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.some((m) => m.type === 'ready'), null, { timeout: 30_000 });
  await sendToUi(ui.page, { type: 'settings', settings: { ...DEFAULT_SETTINGS, size: W, seedMode: 'fixed', seed: 5, livePreview: false } });
  await sendToUi(ui.page, { type: 'selection', jobs: [job], problems: [], rerun: null });
  await ui.frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 60_000 });
  return ui;
}

/** Generate, Apply the first result, and return the PNG the sandbox received. */
async function generateAndApply(ui: Harness): Promise<{ png: Uint8Array; params: Record<string, unknown> }> {
  const { page, frame } = ui;
  const applied = (await toPlugin(page)).filter((m) => m.type === 'apply').length;
  await frame.click('[data-testid="generate"]');
  await frame.waitForSelector('[data-testid="generate"]:not([disabled])', { timeout: 120_000 });
  await frame.waitForSelector('[data-testid="apply-0"]', { timeout: 30_000 });
  await frame.click('[data-testid="apply-0"]');
  await page.waitForFunction((n) => (window as unknown as { __toPlugin: { type: string }[] }).__toPlugin.filter((m) => m.type === 'apply').length > n, applied, { timeout: 10_000 });
  const apply = (await toPlugin(page)).filter((m) => m.type === 'apply')[applied];
  return { png: new Uint8Array(Buffer.from((apply.png as { base64: string }).base64, 'base64')), params: apply.params as Record<string, unknown> };
}

test('a pack folder: info, prompt, two prompts give different results, kept pixels kept, Apply', async () => {
  const ui = await openPanel();
  const { page, frame } = ui;
  // the embedded pack: no prompt controls
  expect(await frame.$('[data-testid="prompt-card"]')).toBeNull();

  await frame.setInputFiles('[data-testid="pack-folder-input"]', PACK);
  await frame.waitForSelector('[data-testid="prompt-card"]', { timeout: 60_000 });
  const info = (await frame.textContent('[data-testid="pack-info"]')) ?? '';
  expect(info).toContain('ortweb-fp32');
  expect(info).toContain('fp32');
  expect(info).toContain('runs on WASM');
  expect(info).toMatch(/needs about [\d.]+ MB at 64 px/);
  // SD-Turbo's scheduler: the pack's recommended 2 steps at strength 0.5, guidance 0
  expect(await frame.inputValue('[data-testid="guidance-input"]')).toBe('0');
  expect(await frame.inputValue('[data-testid="t0-input"]')).toBe('0.50');
  await page.screenshot({ path: screenshotPath('panel-latent-pack.png') });

  await frame.fill('[data-testid="prompt-input"]', 'a red lake at dawn');
  const a = await generateAndApply(ui);
  await frame.fill('[data-testid="prompt-input"]', 'snowy mountains, oil painting');
  const b = await generateAndApply(ui);
  expect(a.params).toMatchObject({ model: 'ortweb-fp32', seed: 5, steps: 2, mode: 'mask-edit' });
  expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(false);

  for (const png of [a.png, b.png]) {
    const out = decode(png);
    expect([out.width, out.height]).toEqual([W, W]);
    const { keptDiff, changed } = keptAndChanged(out, guideImg, maskImg);
    expect(keptDiff).toBe(0);
    expect(changed).toBeGreaterThan(0);
  }

  // the pack choice and the prompt history went to clientStorage (through the sandbox)
  const saves = (await toPlugin(page)).filter((m) => m.type === 'save-pack-prefs');
  expect(saves.at(-1)).toMatchObject({ prefs: { pack: 'ortweb-fp32', prompts: ['snowy mountains, oil painting', 'a red lake at dawn'] } });

  // back to the embedded pack: the prompt controls go away, a run works as before
  await frame.click('[data-testid="pack-use-default"]');
  await frame.waitForFunction(() => !document.querySelector('[data-testid="prompt-card"]'), null, { timeout: 60_000 });
  expect(await frame.textContent('[data-testid="pack-info"]')).toContain('built in');
  await ui.close();
});

test('a folder that is not a pack is refused in words; the embedded pack stays active', async () => {
  const ui = await openPanel();
  const { frame } = ui;
  await frame.setInputFiles('[data-testid="pack-folder-input"]', join(ROOT, 'test', 'fixtures', 'latent-packs', 'broken'));
  await frame.waitForSelector('[data-testid="pack-error"]', { timeout: 30_000 });
  expect(await frame.textContent('[data-testid="pack-error"]')).toContain('no model_index.json');
  expect(await frame.$('[data-testid="prompt-card"]')).toBeNull();
  expect(await frame.$('[data-testid="generate"]:not([disabled])')).not.toBeNull();
  await ui.close();
});
