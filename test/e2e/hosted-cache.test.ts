// Hosted mode in Chromium: dist/web served by a static server on a localhost origin, inside an
// iframe of a Figma-like parent on another origin (as Figma shows a hosted panel). The panel
// loads its model from its own origin and posts {pluginMessage, pluginId}; the sandbox's
// redirect page, loaded as a data: document in a sandboxed iframe, lands there with its origin;
// a pack file fetched and checked through downloadFile goes into the page's pack cache
// (openPackStorage) and a second load of the page takes it from there: the server sees no second
// request for it. The pack route answers `Cache-Control: no-store`, so Chromium's HTTP cache
// cannot stand in for ours: every fetch of it reaches the server and is counted. Also: the
// IndexedDB store, pages without storage (blocked, opaque) and a data: page's secure-context notice.
// And the real panel end to end: a tiny pack typed in as its address, downloaded, kept, and taken
// from the cache in the next plugin session with no request for any of its files.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import * as esbuild from 'esbuild';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { hostedPageUrl, redirectHtml } from '../../src/plugin/ui-html';
import { ROOT, browserPerFile, launch, openUi, runtimeEvents } from './harness';
import { TINY_PACK_FILES, TINY_PACK_NAME, sha256Hex, tinyPackSidecar } from './tiny-pack';

jest.setTimeout(180_000);

const WEB = join(ROOT, 'dist', 'web');
const PACK_BYTES = TINY_PACK_FILES.get('unet/model.onnx')!;
const PACK_SHA = sha256Hex(PACK_BYTES);
const PACK_PATH = '/packs/ortweb-fp32/unet/model.onnx';
/** where the whole tiny pack is served, model.json first, for the panel's URL download */
const TINY_PACK_BASE = '/tiny-pack/';
const PLUGIN_ID = '1234567890';

// Test-only bundle of the real modules the URL loader uses: nothing of it is in dist/web.
const PROBE = `
import { openPackStorage, describePackStorage } from './src/ui/runtime/pack-cache-open.ts';
import { openIdbPackCache } from './src/ui/runtime/pack-cache-idb.ts';
import { downloadFile } from './src/ui/runtime/download.ts';
import { pageContext, secureContextNotice } from './src/ui/panel/secure-context.ts';
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
globalThis.__hostedCacheProbe = {
  contextNotice() {
    return { context: pageContext(), notice: secureContextNotice(pageContext()) };
  },
  async loadPackFile(url, sha256) {
    const opening = await openPackStorage();
    const described = describePackStorage(opening);
    if (!opening.cache) return { cache: null, described };
    let bytes = await opening.cache.get(sha256);
    const fromCache = bytes !== undefined;
    if (!bytes) {
      bytes = await downloadFile(url, { expected: { sha256 } });
      await opening.cache.put(sha256, bytes);
    }
    return { cache: opening.cache.kind, fromCache, bytes: bytes.length, sha256: hex(await crypto.subtle.digest('SHA-256', bytes)), described };
  },
  async idbRoundTrip(sha256, write) {
    const cache = await openIdbPackCache(indexedDB);
    if (write) await cache.put(sha256, new Uint8Array([1, 2, 3, 250]));
    const got = await cache.get(sha256);
    return got ? Array.from(got) : null;
  },
};
`;

function probeBundle(): string {
  const out = esbuild.buildSync({
    stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'hosted-cache-probe.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/** dist/web on one port; the Figma-like parent page is reached as 127.0.0.1 (another origin).
 *  Every request is counted by its path. */
function startServer(probe: string): Promise<{ server: Server; port: number; requests: Map<string, number> }> {
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    if (path === PACK_PATH) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': PACK_BYTES.length, 'cache-control': 'no-store' });
      return res.end(PACK_BYTES);
    }
    if (path.startsWith(TINY_PACK_BASE)) {
      const name = path.slice(TINY_PACK_BASE.length);
      const body = name === 'model.json' ? tinyPackSidecar() : TINY_PACK_FILES.get(name);
      if (!body) {
        res.writeHead(404);
        return res.end('not found');
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' });
      return res.end(body);
    }
    if (path === '/test/hosted-cache-probe.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return res.end(probe);
    }
    if (path === '/figma.html') {
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      const src = (q.get('src') ?? '').replace(/"/g, '&quot;');
      const sandbox = q.has('sandbox') ? ` sandbox="${q.get('sandbox')}"` : '';
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<!doctype html><html><body><script>
        window.__fromUi = [];
        window.addEventListener('message', (e) => window.__fromUi.push({ data: e.data, origin: e.origin }));
      </script><iframe id="plugin-ui" width="360" height="600"${sandbox} src="${src}"></iframe></body></html>`);
    }
    const file = normalize(join(WEB, path === '/' ? 'index.html' : path));
    if (!file.startsWith(WEB) || !existsSync(file)) {
      res.writeHead(404);
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, () => resolve({ server, port: (server.address() as AddressInfo).port, requests })));
}

// Playwright turns Chromium's third-party storage partitioning off (its issue 32230); Chrome
// itself has it on, and with it a third-party iframe (the hosted panel inside figma.com) gets
// storage of its own, keyed by the top-level site. The last --disable-features on the command
// line wins, so this one replaces Playwright's list with the part of it that matters here.
const PARTITIONED = ['--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,MediaRouter,PaintHolding'];
const browser = browserPerFile(PARTITIONED);
let server: Server;
let port = 0;
let requests: Map<string, number>;
let probe = '';

beforeAll(async () => {
  if (!existsSync(join(WEB, 'index.html'))) throw new Error('dist/web/index.html is missing: run npm run build first');
  probe = probeBundle();
  ({ server, port, requests } = await startServer(probe));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

const panelUrl = () => `http://localhost:${port}/index.html?pluginId=${PLUGIN_ID}`;

/** The Figma-like parent (127.0.0.1) with the hosted panel (localhost) in its iframe: loaded
 *  directly, or (`via`) through a first document that navigates there, in a sandboxed iframe. */
async function openHostedPanel(context: BrowserContext, via?: { src: string; sandbox: string }): Promise<{ page: Page; frame: Frame }> {
  const page = await context.newPage();
  const query = via ? `src=${encodeURIComponent(via.src)}&sandbox=${encodeURIComponent(via.sandbox)}` : `src=${encodeURIComponent(panelUrl())}`;
  await page.goto(`http://127.0.0.1:${port}/figma.html?${query}`);
  const handle = await page.waitForSelector('#plugin-ui');
  let frame: Frame | null = null;
  for (let i = 0; i < 200 && !frame?.url().startsWith('http://localhost'); i++) {
    frame = await handle.contentFrame();
    if (!frame?.url().startsWith('http://localhost')) await page.waitForTimeout(50);
  }
  if (!frame) throw new Error('the hosted panel did not load in the iframe');
  await frame.waitForFunction(() => (globalThis as unknown as { __sdeditRuntime?: { engine?: unknown } }).__sdeditRuntime?.engine, null, { timeout: 60_000 });
  return { page, frame };
}

/** The hosted panel with the test-only probe bundle added to its page. */
async function openHosted(context: BrowserContext, via?: { src: string; sandbox: string }): Promise<{ page: Page; frame: Frame }> {
  const opened = await openHostedPanel(context, via);
  await opened.frame.addScriptTag({ url: `http://localhost:${port}/test/hosted-cache-probe.js` });
  return opened;
}

interface LoadResult {
  cache: string | null;
  fromCache?: boolean;
  bytes?: number;
  sha256?: string;
  described: string;
}

const loadPackFile = (frame: Frame): Promise<LoadResult> =>
  frame.evaluate(
    ({ url, sha }) => (globalThis as unknown as { __hostedCacheProbe: { loadPackFile(u: string, s: string): Promise<LoadResult> } }).__hostedCacheProbe.loadPackFile(url, sha),
    { url: `http://localhost:${port}${PACK_PATH}`, sha: PACK_SHA },
  );

test('the hosted panel loads from its own origin, is a secure context, and posts {pluginMessage, pluginId}', async () => {
  const context = await browser().newContext();
  try {
    const { page, frame } = await openHosted(context);
    const info = await frame.evaluate(async () => {
      const engine = (globalThis as unknown as { __sdeditRuntime: { engine: { load(): Promise<{ backend: string; model: { source: string } }> } } }).__sdeditRuntime.engine;
      const loaded = await engine.load();
      return { origin: location.origin, secure: isSecureContext, backend: loaded.backend, source: loaded.model.source };
    });
    expect(info).toMatchObject({ origin: `http://localhost:${port}`, secure: true, source: 'embedded' });
    // the model and the wasm came from the site's own files, by their hashed names
    const served = [...requests.keys()];
    expect(served.some((p) => /^\/assets\/ort-wasm-simd-threaded\.asyncify\.[0-9a-f]{10}\.wasm$/.test(p))).toBe(true);
    expect(served.some((p) => /^\/assets\/model\.[0-9a-f]{10}\.onnx$/.test(p))).toBe(true);
    await page.waitForFunction(() => (window as unknown as { __fromUi: { data: { pluginMessage?: { type?: string } } }[] }).__fromUi.some((m) => m.data.pluginMessage?.type === 'ready'), null, { timeout: 30_000 });
    const ready = await page.evaluate(() => (window as unknown as { __fromUi: { data: { pluginMessage?: { type?: string } }; origin: string }[] }).__fromUi.find((m) => m.data.pluginMessage?.type === 'ready'));
    expect(ready).toEqual({ data: { pluginMessage: { type: 'ready' }, pluginId: PLUGIN_ID }, origin: `http://localhost:${port}` });
  } finally {
    await context.close();
  }
});

test("the sandbox's hosted-mode page, loaded as Figma loads a plugin UI, opens the hosted panel with its own origin, storage, plugin id and Figma's theme", async () => {
  // what figma.showUI gets in hosted mode, as a data: document in an iframe sandboxed the way a
  // navigated plugin UI must be for the hosted page to keep its origin (scripts, same origin)
  // Figma puts its theme class on the document it is given (themeColors: true)
  const html = redirectHtml(hostedPageUrl(`http://localhost:${port}/index.html`, PLUGIN_ID)).replace('<html>', '<html class="figma-dark">');
  const context = await browser().newContext();
  try {
    const { page, frame } = await openHosted(context, { src: `data:text/html;base64,${Buffer.from(html).toString('base64')}`, sandbox: 'allow-scripts allow-same-origin' });
    expect(frame.url()).toBe(`${panelUrl()}&theme=dark`);
    expect(await frame.evaluate(() => ({ origin: location.origin, secure: isSecureContext, dark: document.documentElement.classList.contains('figma-dark') }))).toEqual({
      origin: `http://localhost:${port}`,
      secure: true,
      dark: true,
    });
    await page.waitForFunction(() => (window as unknown as { __fromUi: { data: { pluginMessage?: { type?: string } } }[] }).__fromUi.some((m) => m.data.pluginMessage?.type === 'ready'), null, { timeout: 30_000 });
    const ready = await page.evaluate(() => (window as unknown as { __fromUi: { data: { pluginMessage?: { type?: string } } }[] }).__fromUi.find((m) => m.data.pluginMessage?.type === 'ready'));
    expect(ready?.data).toEqual({ pluginMessage: { type: 'ready' }, pluginId: PLUGIN_ID });
    const r = await loadPackFile(frame);
    expect(r).toMatchObject({ cache: expect.stringContaining('OPFS'), sha256: PACK_SHA });
  } finally {
    await context.close();
  }
});

test('a pack file is downloaded once, kept in OPFS, and a second load of the page makes no request for it', async () => {
  const context = await browser().newContext();
  try {
    const before = requests.get(PACK_PATH) ?? 0;
    const first = await openHosted(context);
    const a = await loadPackFile(first.frame);
    expect(a).toMatchObject({ cache: expect.stringContaining('OPFS'), fromCache: false, bytes: PACK_BYTES.length, sha256: PACK_SHA });
    expect(a.described).toMatch(/^Downloaded packs are kept in this browser's private file storage \(OPFS\)\. [\d.]+ (kB|MB|GB) used of [\d.]+ (kB|MB|GB) allowed\./);
    expect(requests.get(PACK_PATH)).toBe(before + 1);
    await first.page.close();

    const second = await openHosted(context);
    const b = await loadPackFile(second.frame);
    expect(b).toMatchObject({ fromCache: true, bytes: PACK_BYTES.length, sha256: PACK_SHA });
    expect(requests.get(PACK_PATH)).toBe(before + 1);
    console.log(`pack file requests at the server: ${requests.get(PACK_PATH)! - before} for two page loads; ${a.described}`);
  } finally {
    await context.close();
  }
});

test('the IndexedDB fallback keeps a file across page loads too', async () => {
  const context = await browser().newContext();
  try {
    const sha = 'ab'.repeat(32);
    const first = await openHosted(context);
    const run = (f: Frame, write: boolean) =>
      f.evaluate(({ sha, write }) => (globalThis as unknown as { __hostedCacheProbe: { idbRoundTrip(s: string, w: boolean): Promise<number[] | null> } }).__hostedCacheProbe.idbRoundTrip(sha, write), { sha, write });
    expect(await run(first.frame, false)).toBeNull();
    expect(await run(first.frame, true)).toEqual([1, 2, 3, 250]);
    await first.page.close();
    const second = await openHosted(context);
    expect(await run(second.frame, false)).toEqual([1, 2, 3, 250]);
  } finally {
    await context.close();
  }
});

test('no storage for the page (a third-party iframe where the browser blocks it): no cache, the reason in words, no throw', async () => {
  // Playwright's own switches: third-party storage unpartitioned and blocked, as in a browser
  // that blocks third-party cookies without partitioning
  const blocking = await launch();
  try {
    const { frame } = await openHosted(await blocking.newContext());
    const before = requests.get(PACK_PATH) ?? 0;
    const r = await loadPackFile(frame);
    expect(r.cache).toBeNull();
    expect(r.described).toMatch(/^This browser keeps no pack files for this page \(private file storage: .+; IndexedDB: .+\), so a downloaded pack lasts until the page closes\.$/);
    expect(requests.get(PACK_PATH) ?? 0).toBe(before);
    console.log(`blocked storage: ${r.described}`);
  } finally {
    await blocking.close();
  }
});

test("the inline panel in Figma's opaque-origin iframe has no cache and says hosted mode keeps packs", async () => {
  const ui = await openUi(browser());
  try {
    await ui.frame.addScriptTag({ content: probe });
    const r = await loadPackFile(ui.frame);
    expect(r).toEqual({ cache: null, described: expect.stringMatching(/opaque origin.*Hosted mode keeps packs between sessions/) });
  } finally {
    await ui.close();
  }
});

test('a plugin UI loaded from a data: URL is not a secure context: no WebGPU, and the notice says hosted mode fixes it', async () => {
  const context = await browser().newContext();
  try {
    const page = await context.newPage();
    const src = 'data:text/html,<!doctype html><p>plugin ui</p>';
    await page.goto(`http://127.0.0.1:${port}/figma.html?src=${encodeURIComponent(src)}&sandbox=allow-scripts`);
    const frame = (await (await page.waitForSelector('#plugin-ui')).contentFrame())!;
    await frame.waitForSelector('p');
    await frame.addScriptTag({ content: probe });
    const r = await frame.evaluate(() => (globalThis as unknown as { __hostedCacheProbe: { contextNotice(): unknown } }).__hostedCacheProbe.contextNotice());
    expect(r).toEqual({
      context: { isSecureContext: false, hasGpu: false, protocol: 'data:', hosted: false },
      notice: { level: 'warning', message: expect.stringMatching(/data: URL, which is not a secure context.*Hosted mode/) },
    });
  } finally {
    await context.close();
  }
});

/** The tiny pack's requests at the server since `before` (a copy of the counts), by path. */
function tinyPackRequestsSince(before: ReadonlyMap<string, number>): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [path, n] of requests) {
    const more = n - (before.get(path) ?? 0);
    if (path.startsWith(TINY_PACK_BASE) && more > 0) since[path] = more;
  }
  return since;
}

/** In the real hosted panel: type the tiny pack's address, Find, accept its licence, Download;
 *  returns when the pack is the panel's model, with what the download recorded at its end. */
async function downloadTinyPackInPanel(frame: Frame): Promise<Record<string, unknown>> {
  await frame.waitForSelector('[data-testid="pack-url-input"]:not([disabled])', { timeout: 60_000 });
  await frame.fill('[data-testid="pack-url-input"]', `http://localhost:${port}${TINY_PACK_BASE}`);
  await frame.click('[data-testid="pack-url-find"]');
  await frame.waitForSelector('[data-testid="pack-plan"], [data-testid="pack-error"]', { timeout: 30_000 });
  expect((await frame.$('[data-testid="pack-error"]')) ? await frame.textContent('[data-testid="pack-error"]') : 'found').toBe('found');
  expect(await frame.textContent('[data-testid="pack-plan"]')).toContain(TINY_PACK_NAME);
  // the parent here plays no sandbox that hands back clientStorage's accepted licences, so each
  // session accepts the non-commercial licence again before Download is enabled
  await frame.click('[data-testid="pack-plan-license-accept"]');
  await frame.click('[data-testid="pack-download"]:not([disabled])');
  await frame.waitForSelector('[data-testid="prompt-card"], [data-testid="pack-error"]', { timeout: 90_000 });
  expect((await frame.$('[data-testid="pack-error"]')) ? await frame.textContent('[data-testid="pack-error"]') : 'loaded').toBe('loaded');
  expect(await frame.textContent('[data-testid="pack-info"]')).toContain(TINY_PACK_NAME);
  // no note that the pack could not be kept
  expect(await frame.$('[data-testid="pack-download-note"]')).toBeNull();
  const ends = (await runtimeEvents(frame)).filter((e) => e.type === 'pack-download-end');
  expect(ends).toHaveLength(1);
  return ends[0];
}

test('the real hosted panel keeps a downloaded pack: the next plugin session loads it with no request for any of its files', async () => {
  const context = await browser().newContext();
  const files = [...TINY_PACK_FILES.keys()];
  const weights = files.filter((f) => f.endsWith('.onnx'));
  try {
    const atStart = new Map(requests);
    const first = await openHostedPanel(context);
    expect(await first.frame.textContent('[data-testid="pack-url-keep"]')).toMatch(/^Downloaded once and kept in .*\(OPFS\)\.$/);
    const firstEnd = await downloadTinyPackInPanel(first.frame);
    expect(firstEnd).toMatchObject({ status: 'done', name: TINY_PACK_NAME, fromCache: 0 });
    const firstRequests = tinyPackRequestsSince(atStart);
    // model.json once, then every file of the pack once (each weight file among them)
    expect(firstRequests).toEqual(Object.fromEntries([`${TINY_PACK_BASE}model.json`, ...files.map((f) => TINY_PACK_BASE + f)].map((p) => [p, 1])));
    expect(weights.length).toBe(4);
    for (const w of weights) expect(firstRequests[TINY_PACK_BASE + w]).toBe(1);
    await first.page.close();

    // a second plugin session: Figma opens a new iframe on the hosted page
    const afterFirst = new Map(requests);
    const second = await openHostedPanel(context);
    const secondEnd = await downloadTinyPackInPanel(second.frame);
    // only the pack's model.json is asked for again (Find reads it to know the files and their
    // sha256s); no file of the pack, so no weight file, reaches the server
    expect(tinyPackRequestsSince(afterFirst)).toEqual({ [`${TINY_PACK_BASE}model.json`]: 1 });
    expect(secondEnd).toMatchObject({ status: 'done', name: TINY_PACK_NAME, fromCache: files.length });
    console.log(
      `tiny pack requests at the server: first session ${JSON.stringify(firstRequests)}; second session ${JSON.stringify(tinyPackRequestsSince(afterFirst))}; ` +
        `second session took ${String(secondEnd.fromCache)} of ${files.length} files from the cache in ${String(secondEnd.ms)} ms (first: ${String(firstEnd.ms)} ms)`,
    );
  } finally {
    await context.close();
  }
});
