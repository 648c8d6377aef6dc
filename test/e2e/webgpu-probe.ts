// Whether headless Chromium exposes a WebGPU adapter here, decided once while jest collects a
// test file, so that a test needing one is registered as skipped, with the reason in its name,
// instead of running and returning early (which would count as a pass). Jest collects tests
// synchronously, so the probe runs in a child process: the harness's own `launch`, bundled with
// esbuild, asks navigator.gpu for an adapter on a localhost page (a secure context).
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { ROOT } from './harness';

export interface WebGPUProbe {
  available: boolean;
  /** the adapter ("vendor architecture description, fallback true") or why there is none */
  detail: string;
}

const PROBE = `
import { launch } from './test/e2e/harness.ts';
const say = (r) => process.stdout.write(JSON.stringify(r) + '\\n');
(async () => {
  let browser;
  try {
    browser = await launch(['--enable-unsafe-webgpu']);
  } catch (e) {
    return say({ available: false, detail: 'Chromium did not start: ' + String(e && e.message || e).split('\\n')[0] });
  }
  try {
    const page = await browser.newPage();
    await page.route('http://localhost:47640/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>probe</title>' }));
    await page.goto('http://localhost:47640/');
    say(await page.evaluate(async () => {
      const gpu = navigator.gpu;
      if (!gpu) return { available: false, detail: 'navigator.gpu is missing in headless Chromium' };
      const a = await gpu.requestAdapter();
      if (!a) return { available: false, detail: 'headless Chromium exposes no WebGPU adapter (requestAdapter() returned null)' };
      const i = a.info || {};
      const fallback = i.isFallbackAdapter ?? a.isFallbackAdapter;
      return { available: true, detail: [i.vendor || '?', i.architecture, i.description, 'fallback ' + String(fallback)].filter(Boolean).join(' ') };
    }));
  } finally {
    await browser.close();
  }
})().catch((e) => say({ available: false, detail: 'the WebGPU probe failed: ' + String(e && e.message || e).split('\\n')[0] }));
`;

let cached: WebGPUProbe | null = null;

/** Probe once per test file (about two seconds: one Chromium start). */
export function probeWebGPU(): WebGPUProbe {
  if (cached) return cached;
  try {
    const bundle = esbuild.buildSync({
      stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'webgpu-probe-entry.ts', loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['playwright-core', 'pngjs'],
      logLevel: 'error',
    });
    const out = execFileSync(process.execPath, ['-'], { cwd: ROOT, input: bundle.outputFiles[0].text, encoding: 'utf8', timeout: 60_000 });
    cached = JSON.parse(out.trim().split('\n').pop() as string) as WebGPUProbe;
  } catch (e) {
    cached = { available: false, detail: `the WebGPU probe did not run: ${(e as Error).message.split('\n')[0]}` };
  }
  return cached;
}
