// onnxruntime-web WASM in headless Chromium (Debian's /usr/bin/chromium via playwright-core),
// launched with the e2e harness's flags. The page is served from a routed http://localhost URL
// (no server); it fetches the ORT bundle, the wasm binary and the model from routed URLs and runs
// them on its main thread or in a classic Blob-URL worker (as the plugin UI does). Not
// cross-origin isolated, so WASM runs one thread, as in Figma's iframe.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

// The flags of test/e2e/harness.ts (CHROMIUM_ARGS); read from there so the two stay the same.
export function harnessFlags(root) {
  const text = readFileSync(join(root, 'test/e2e/harness.ts'), 'utf8');
  const m = /CHROMIUM_ARGS\s*=\s*\[([^\]]*)\]/.exec(text);
  if (!m) return ['--no-sandbox'];
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

const BASE = 'http://localhost:47619/';
const WASM_FILES = { plain: 'ort-wasm-simd-threaded.wasm', asyncify: 'ort-wasm-simd-threaded.asyncify.wasm' };
const MODULES = { plain: 'onnxruntime-web/wasm', asyncify: 'onnxruntime-web/webgpu' };

async function bundle(root, build) {
  const r = await esbuild.build({
    entryPoints: [join(root, 'bench/lib/browser-entry.js')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    alias: { 'ort-module': MODULES[build] },
    define: { 'import.meta.url': '"https://sdedit.invalid/embedded/"' },
    logLevel: 'error',
  });
  return r.outputFiles[0].text;
}

export function chromiumAvailable() {
  return existsSync('/usr/bin/chromium');
}

/**
 * Open a browser and return { session(build, where, modelPath, options) → { init, run, close } }.
 * `where`: 'page' (main thread) or 'worker' (classic Blob-URL worker).
 */
export async function openChromium(root, extraArgs = []) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...harnessFlags(root), ...extraArgs] });
  const bundles = {};
  return {
    version: browser.version(),
    async session(build, where, modelPath) {
      bundles[build] ??= await bundle(root, build);
      const page = await browser.newPage();
      const files = {
        'bench.html': { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>bench</title>' },
        'ort.js': { type: 'text/javascript', body: bundles[build] },
        'ort.wasm': { type: 'application/wasm', body: readFileSync(join(root, 'node_modules/onnxruntime-web/dist', WASM_FILES[build])) },
        'model.onnx': { type: 'application/octet-stream', body: readFileSync(modelPath) },
      };
      await page.route(`${BASE}**`, (route) => {
        const name = route.request().url().slice(BASE.length);
        const f = files[name];
        return f ? route.fulfill({ status: 200, contentType: f.type, body: f.body }) : route.fulfill({ status: 404, body: '' });
      });
      await page.goto(`${BASE}bench.html`);
      await page.evaluate(
        async ({ where, base }) => {
          const text = await (await fetch(`${base}ort.js`)).text();
          if (where === 'page') {
            const s = document.createElement('script');
            s.textContent = text;
            document.head.appendChild(s);
            globalThis.__call = (method, args) => globalThis.__bench[method](args);
          } else {
            const w = new Worker(URL.createObjectURL(new Blob([text], { type: 'text/javascript' })));
            let next = 1;
            const pending = new Map();
            w.onmessage = (ev) => {
              const p = pending.get(ev.data.id);
              pending.delete(ev.data.id);
              if (ev.data.ok) p.resolve(ev.data.result);
              else p.reject(new Error(ev.data.error));
            };
            globalThis.__call = (method, args) =>
              new Promise((resolve, reject) => {
                const id = next++;
                pending.set(id, { resolve, reject });
                w.postMessage({ id, method, args }, [args.model, args.wasm].filter(Boolean));
              });
          }
        },
        { where, base: BASE },
      );
      return {
        /** the WebGPU adapter's facts on this page, or null */
        adapter() {
          return page.evaluate(async () => {
            if (!navigator.gpu) return null;
            const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
            if (!a) return null;
            const info = a.info ?? {};
            return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, isFallbackAdapter: a.isFallbackAdapter ?? info.isFallbackAdapter ?? null, f16: a.features.has('shader-f16') };
          });
        },
        async init(options = {}) {
          return page.evaluate(
            async ({ base, options }) => {
              const [model, wasm] = await Promise.all([fetch(`${base}model.onnx`), fetch(`${base}ort.wasm`)].map(async (p) => (await p).arrayBuffer()));
              return globalThis.__call('init', { model, wasm, options });
            },
            { base: BASE, options },
          );
        },
        run(args) {
          return page.evaluate((a) => globalThis.__call('run', a), args);
        },
        close: () => page.close(),
      };
    },
    close: () => browser.close(),
  };
}
