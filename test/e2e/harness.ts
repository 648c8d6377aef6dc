// Browser end-to-end harness: Debian's Chromium (playwright-core) loads dist/ui.html exactly as
// Figma does — an iframe with `srcdoc` and `sandbox="allow-scripts"` (opaque origin) — and the
// harness page plays the sandbox's part over postMessage: UI→plugin messages arrive wrapped as
// {pluginMessage}, plugin→UI messages are sent as {pluginMessage}.
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { type JobInput, workingSize } from '../../src/protocol';

export const ROOT = join(__dirname, '..', '..');
export const UI_HTML = join(ROOT, 'dist', 'ui.html');
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');
export const HARNESS_URL = 'http://localhost:47615/harness.html';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export type Theme = 'light' | 'dark';

// A subset of the CSS variables Figma injects into plugin iframes with `themeColors: true`.
const THEME_VARS: Record<Theme, Record<string, string>> = {
  light: {
    '--figma-color-bg': '#ffffff',
    '--figma-color-bg-secondary': '#f5f5f5',
    '--figma-color-bg-tertiary': '#e6e6e6',
    '--figma-color-bg-hover': '#f5f5f5',
    '--figma-color-bg-brand': '#0d99ff',
    '--figma-color-bg-brand-hover': '#007be5',
    '--figma-color-bg-danger': '#f24822',
    '--figma-color-bg-disabled': '#d9d9d9',
    '--figma-color-text': '#000000e5',
    '--figma-color-text-secondary': '#00000080',
    '--figma-color-text-tertiary': '#0000004d',
    '--figma-color-text-onbrand': '#ffffff',
    '--figma-color-text-brand': '#007be5',
    '--figma-color-text-danger': '#dc3412',
    '--figma-color-text-warning': '#b86200',
    '--figma-color-text-disabled': '#0000004d',
    '--figma-color-border': '#e6e6e6',
    '--figma-color-border-strong': '#2c2c2c',
    '--figma-color-border-selected': '#0d99ff',
    '--figma-color-icon': '#000000e5',
  },
  dark: {
    '--figma-color-bg': '#2c2c2c',
    '--figma-color-bg-secondary': '#383838',
    '--figma-color-bg-tertiary': '#444444',
    '--figma-color-bg-hover': '#383838',
    '--figma-color-bg-brand': '#0c8ce9',
    '--figma-color-bg-brand-hover': '#0a6dc2',
    '--figma-color-bg-danger': '#e03e1a',
    '--figma-color-bg-disabled': '#757575',
    '--figma-color-text': '#ffffff',
    '--figma-color-text-secondary': '#ffffffb2',
    '--figma-color-text-tertiary': '#ffffff66',
    '--figma-color-text-onbrand': '#ffffff',
    '--figma-color-text-brand': '#7cc4f8',
    '--figma-color-text-danger': '#fca397',
    '--figma-color-text-warning': '#f7d15f',
    '--figma-color-text-disabled': '#ffffff66',
    '--figma-color-border': '#444444',
    '--figma-color-border-strong': '#ffffff',
    '--figma-color-border-selected': '#0c8ce9',
    '--figma-color-icon': '#ffffff',
  },
};

let uiHtmlCache: string | null = null;
function uiHtml(): string {
  uiHtmlCache ??= readFileSync(UI_HTML, 'utf8');
  return uiHtmlCache;
}

/** ui.html as Figma serves it with themeColors: theme class on <html> and its CSS variables. */
function themedUiHtml(theme: Theme): string {
  const vars = Object.entries(THEME_VARS[theme])
    .map(([k, v]) => `${k}:${v};`)
    .join('');
  return uiHtml()
    .replace(/<html([^>]*)>/i, `<html$1 class="figma-${theme}">`)
    .replace(/<head>/i, `<head><style id="figma-style">:root{${vars}}</style>`);
}

const HARNESS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>SDEdit harness</title>
<style>html,body{margin:0;background:#888}iframe{border:0;display:block;background:#fff}</style></head>
<body><script>
  window.__toPlugin = [];
  window.addEventListener('message', (ev) => {
    const f = document.getElementById('plugin-ui');
    if (!f || ev.source !== f.contentWindow) return;
    const m = ev.data && ev.data.pluginMessage;
    if (m && typeof m === 'object') window.__toPlugin.push(m);
  });
  window.__toUi = (msg) => document.getElementById('plugin-ui').contentWindow.postMessage({ pluginMessage: msg }, '*');
</script></body></html>`;

/** The iframe's srcdoc: asks the harness for ui.html and replaces itself with it. */
const SRCDOC_LOADER = `<!doctype html><meta charset="utf-8"><script>
  addEventListener('message', function load(ev) {
    if (ev.source !== parent || !ev.data || typeof ev.data.sdeditHarnessHtml !== 'string') return;
    removeEventListener('message', load);
    document.open();
    document.write(ev.data.sdeditHarnessHtml);
    document.close();
  });
  parent.postMessage({ sdeditHarnessLoader: true }, '*');
</script>`;

export interface Harness {
  page: Page;
  frame: Frame;
  close(): Promise<void>;
}

/** Open the harness page and load ui.html into its sandboxed srcdoc iframe (see SRCDOC_LOADER). */
export async function openUi(
  browser: Browser,
  opts: { theme?: Theme; width?: number; height?: number; /** e.g. to add a CSP meta tag */ transformHtml?: (html: string) => string } = {},
): Promise<Harness> {
  const width = opts.width ?? 360;
  const height = opts.height ?? 640;
  const page = await browser.newPage({ viewport: { width, height } });
  await page.route(HARNESS_URL, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: HARNESS_PAGE }));
  await page.goto(HARNESS_URL);
  const themed = themedUiHtml(opts.theme ?? 'light');
  const html = opts.transformHtml ? opts.transformHtml(themed) : themed;
  // The srcdoc is a small loader that writes ui.html into its own document: the same sandboxed
  // about:srcdoc document with an opaque origin, but the iframe element does not carry ui.html
  // (tens of MB with the default pack) as an attribute, which playwright reads back on every
  // action inside the frame (seconds each at 34 MB).
  await page.evaluate(
    ({ html, width, height, loader }) =>
      new Promise<void>((resolve) => {
        const f = document.createElement('iframe');
        f.id = 'plugin-ui';
        f.setAttribute('sandbox', 'allow-scripts');
        f.width = String(width);
        f.height = String(height);
        const onBoot = (ev: MessageEvent) => {
          if (ev.source !== f.contentWindow || !(ev.data && ev.data.sdeditHarnessLoader)) return;
          window.removeEventListener('message', onBoot);
          f.contentWindow!.postMessage({ sdeditHarnessHtml: html }, '*');
          resolve();
        };
        window.addEventListener('message', onBoot);
        f.srcdoc = loader;
        document.body.appendChild(f);
      }),
    { html, width, height, loader: SRCDOC_LOADER },
  );
  const handle = await page.waitForSelector('#plugin-ui', { state: 'attached' });
  let frame: Frame | null = null;
  for (let i = 0; i < 200 && !frame; i++) {
    frame = await handle.contentFrame();
    if (!frame) await page.waitForTimeout(50);
  }
  if (!frame) throw new Error('the plugin iframe did not load');
  await frame.waitForFunction(() => (globalThis as unknown as { __sdeditRuntime?: { engine?: unknown } }).__sdeditRuntime?.engine, null, {
    timeout: 60_000,
  });
  return { page, frame, close: () => page.close() };
}

/** Messages the UI posted to the "sandbox" so far (unwrapped pluginMessage objects). */
export async function toPlugin(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() =>
    (window as unknown as { __toPlugin: Record<string, unknown>[] }).__toPlugin.map((m) => {
      const copy: Record<string, unknown> = { ...m };
      if (m.png instanceof Uint8Array) copy.png = { base64: btoa(String.fromCharCode(...Array.from(m.png as Uint8Array))) };
      return copy;
    }),
  );
}

/** Send a plugin→UI message, wrapped as Figma does. Uint8Array fields are passed as base64. */
export async function sendToUi(page: Page, msg: unknown): Promise<void> {
  await page.evaluate((json) => {
    const revive = (v: unknown): unknown => {
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.__b64 === 'string') {
          const bin = atob(o.__b64);
          const u = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
          return u;
        }
        if (Array.isArray(v)) return v.map(revive);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
      }
      return v;
    };
    (window as unknown as { __toUi: (m: unknown) => void }).__toUi(revive(JSON.parse(json)));
  }, JSON.stringify(msg, (_k, v: unknown) => (v instanceof Uint8Array ? { __b64: Buffer.from(v).toString('base64') } : v)));
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}

// ---- images ------------------------------------------------------------------------------------

export interface Image {
  width: number;
  height: number;
  data: Uint8Array;
}

export function encode(img: Image): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return new Uint8Array(PNG.sync.write(png));
}

export function decode(bytes: Uint8Array): Image {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** A stroke-painting guide: sky, hills, a sun and a dark tree trunk, opaque. */
export function strokeGuide(width: number, height: number): Image {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      const u = x / width;
      const v = y / height;
      let rgb = [110, 170, 235];
      if (v > 0.55 + 0.08 * Math.sin(u * 6)) rgb = [70, 150, 60];
      if ((u - 0.75) ** 2 + (v - 0.22) ** 2 < 0.01) rgb = [250, 220, 80];
      if (Math.abs(u - 0.3) < 0.04 && v > 0.4 && v < 0.8) rgb = [90, 60, 30];
      data[o] = rgb[0];
      data[o + 1] = rgb[1];
      data[o + 2] = rgb[2];
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/** White (edit) inside the rectangle, black (keep) outside. */
export function rectMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Image {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      const on = x >= x0 && x < x1 && y >= y0 && y < y1 ? 255 : 0;
      data[o] = data[o + 1] = data[o + 2] = on;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

// ---- running the engine directly inside the iframe ----------------------------------------------

export interface EngineRunSpec {
  guide: Uint8Array;
  mask: Uint8Array | null;
  mode: 'synthesis' | 'mask-edit' | 'composite';
  settings: Record<string, unknown>;
  seed: number;
  preview?: boolean;
  /** abort after this many progress callbacks */
  abortAfterSteps?: number;
}

export interface EngineRunOutcome {
  ok: boolean;
  errorName?: string;
  errorMessage?: string;
  pngs: Uint8Array[];
  width?: number;
  height?: number;
  backend?: string;
  timings?: { totalMs: number; networkMs: number };
  progress: { step: number; total: number; msPerStep: number; preview: boolean; at: number }[];
  abortedAt?: number;
  settledAt: number;
  previewPngs: Uint8Array[];
}

/** Run one job through window.__sdeditRuntime.engine in the plugin iframe. The job carries what
 *  the sandbox decides: the working size (protocol's workingSize of the guide at settings.size)
 *  and whether the mask is a silhouette (composite mode). */
export async function runEngine(frame: Frame, spec: EngineRunSpec): Promise<EngineRunOutcome> {
  const b64 = (u: Uint8Array | null) => (u ? Buffer.from(u).toString('base64') : null);
  const g = decode(spec.guide);
  const work = workingSize(g.width, g.height, typeof spec.settings.size === 'number' ? spec.settings.size : 64);
  if (!work.ok) throw new Error(`runEngine: the guide has no working size (${work.reason})`);
  const job = { maskIsSilhouette: spec.mode === 'composite', workWidth: work.width, workHeight: work.height };
  const raw = await frame.evaluate(
    async ({ guide, mask, mode, settings, seed, preview, abortAfterSteps, job }) => {
      const fromB64 = (s: string) => {
        const bin = atob(s);
        const u = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
        return u;
      };
      const toB64 = (u: Uint8Array) => {
        let s = '';
        for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...Array.from(u.subarray(i, i + 0x8000)));
        return btoa(s);
      };
      type Eng = {
        run(req: unknown, onProgress: (p: { step: number; total: number; msPerStep: number; previewPng?: Uint8Array }) => void, signal: AbortSignal): Promise<{
          pngs: Uint8Array[];
          width: number;
          height: number;
          backend: string;
          timings: { totalMs: number; networkMs: number };
        }>;
      };
      const engine = (globalThis as unknown as { __sdeditRuntime: { engine: Eng } }).__sdeditRuntime.engine;
      const ctl = new AbortController();
      const progress: { step: number; total: number; msPerStep: number; preview: boolean; at: number }[] = [];
      const previews: string[] = [];
      let abortedAt: number | undefined;
      const defaults = {
        t0: 0.5, steps: 10, sampler: 'ddim', repeats: 1, seedMode: 'fixed', seed: 1, size: 64, dilation: 4, feather: 6,
        variations: 1, model: 'default', livePreview: false,
      };
      try {
        const r = await engine.run(
          {
            jobId: 'e2e-' + Math.random().toString(36).slice(2),
            mode,
            guidePng: fromB64(guide),
            maskPng: mask ? fromB64(mask) : null,
            ...job,
            settings: { ...defaults, ...settings },
            seed,
            preview: !!preview,
          },
          (p) => {
            progress.push({ step: p.step, total: p.total, msPerStep: p.msPerStep, preview: !!p.previewPng, at: performance.now() });
            if (p.previewPng) previews.push(toB64(p.previewPng));
            if (abortAfterSteps !== undefined && progress.length === abortAfterSteps) {
              abortedAt = performance.now();
              ctl.abort();
            }
          },
          ctl.signal,
        );
        return { ok: true, pngs: r.pngs.map(toB64), width: r.width, height: r.height, backend: r.backend, timings: r.timings, progress, previews, abortedAt, settledAt: performance.now() };
      } catch (e) {
        const err = e as Error;
        return { ok: false, errorName: err.name, errorMessage: err.message, pngs: [] as string[], progress, previews, abortedAt, settledAt: performance.now() };
      }
    },
    { guide: b64(spec.guide)!, mask: b64(spec.mask), mode: spec.mode, settings: spec.settings, seed: spec.seed, preview: spec.preview, abortAfterSteps: spec.abortAfterSteps, job },
  );
  const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
  return { ...raw, pngs: raw.pngs.map(fromB64), previewPngs: raw.previews.map(fromB64) } as EngineRunOutcome;
}

export async function runtimeEvents(frame: Frame): Promise<Record<string, unknown>[]> {
  return frame.evaluate(() => (globalThis as unknown as { __sdeditRuntime: { events: Record<string, unknown>[] } }).__sdeditRuntime.events);
}

/** Whether the element's box lies inside the iframe's viewport (and the box, for the log). */
export async function inViewport(frame: Frame, testid: string): Promise<{ inside: boolean; box: number[] }> {
  return frame.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    if (!el) return { inside: false, box: [] };
    const r = el.getBoundingClientRect();
    return {
      inside: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth,
      box: [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight],
    };
  }, testid);
}

/** The panel tests' job: a stroke guide of w×w px with a rectangular Mask, as the sandbox sends it. */
export function maskEditJob(w: number): { job: JobInput; guideImg: Image; maskImg: Image } {
  const guideImg = strokeGuide(w, w);
  const maskImg = rectMask(w, w, w / 8, (3 * w) / 8, (5 * w) / 8, (7 * w) / 8);
  const job: JobInput = {
    jobId: 'job-1',
    mode: 'mask-edit',
    sourceNodeId: '1:2',
    sourceName: 'Lake sketch',
    guidePng: encode(guideImg),
    maskPng: encode(maskImg),
    maskIsSilhouette: false,
    workWidth: w,
    workHeight: w,
    width: w,
    height: w,
    nodeWidth: w,
    nodeHeight: w,
  };
  return { job, guideImg, maskImg };
}

/** One Chromium for a whole test file: launched before its tests, closed after them. */
export function browserPerFile(extraArgs: string[] = []): () => Browser {
  let browser: Browser | null = null;
  beforeAll(async () => {
    browser = await launch(extraArgs);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('browserPerFile: the browser is used before beforeAll ran');
    return browser;
  };
}

/** One Chromium and one opened panel for a whole test file (closed after its tests). */
export function panelPerFile(): () => Harness {
  const browser = browserPerFile();
  let ui: Harness | null = null;
  beforeAll(async () => {
    ui = await openUi(browser());
  });
  afterAll(async () => {
    await ui?.close();
  });
  return () => {
    if (!ui) throw new Error('panelPerFile: the panel is used before beforeAll ran');
    return ui;
  };
}

/** Against the guide: how many pixels outside the mask differ (should be 0) and how many inside
 *  it changed (should be > 0). */
export function keptAndChanged(out: Image, guide: Image, mask: Image): { keptDiff: number; changed: number } {
  let keptDiff = 0;
  let changed = 0;
  for (let i = 0; i < guide.width * guide.height; i++) {
    const same = [0, 1, 2, 3].every((c) => out.data[4 * i + c] === guide.data[4 * i + c]);
    if (mask.data[4 * i] === 0) keptDiff += same ? 0 : 1;
    else changed += same ? 0 : 1;
  }
  return { keptDiff, changed };
}
