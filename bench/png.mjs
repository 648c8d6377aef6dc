// The panel's PNG encoding in headless Chromium (the e2e harness's flags): src/ui/runtime/
// png-encoder.ts (the browser's encoder, OffscreenCanvas.convertToBlob, in its worker) against
// image.ts's encodePng (fast-png on the page's main thread, the baseline and the fallback),
// measured in one page, alternating, on a photo-like opaque image (smooth gradients, edges and
// per-pixel grain) at each size. Reported: median ms of each (wall, as the engine waits for it),
// the ratio worker/main of medians, the PNG bytes, and how long the main thread was blocked
// (the worker's encode blocks it only for the copy that is sent).
//
//   node bench/png.mjs                    # 256, 1024, 2048; 7 turns each
//   options: --sizes LIST, --reps N, --json-out FILE (default bench/out/png.json)
//
// Ends with one JSON line.
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumAvailable, harnessFlags } from './lib/browser.mjs';
import { benchArgs } from './lib/args.mjs';
import { stats } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { opt, positive } = benchArgs(process.argv.slice(2));
const sizes = opt('--sizes', '256,1024,2048').split(',').map(Number);
const reps = positive('--reps', 7);
const jsonOut = resolve(opt('--json-out', join(root, 'bench/out/png.json')));
if (!chromiumAvailable()) {
  console.log('bench/png: skipped: no /usr/bin/chromium');
  process.exit(0);
}

// the two encoders as the panel bundles them
const entry = `
import { PngEncoder } from './src/ui/runtime/png-encoder';
import { encodePng } from './src/ui/runtime/image';
globalThis.__png = { PngEncoder, encodePng };
`;
const bundled = await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'error' });

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: harnessFlags(root) });
const rows = [];
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><meta charset="utf-8"><title>png bench</title>');
  await page.addScriptTag({ content: bundled.outputFiles[0].text });
  for (const size of sizes) {
    const r = await page.evaluate(
      async ({ size, reps }) => {
        const { PngEncoder, encodePng } = globalThis.__png;
        const data = new Uint8ClampedArray(size * size * 4);
        let seed = 12345;
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
            const grain = (seed >>> 24) % 9;
            const o = 4 * (y * size + x);
            const sky = y < size * 0.45;
            data[o] = (sky ? 90 + (60 * y) / size : 40 + (80 * x) / size) + grain;
            data[o + 1] = (sky ? 140 + (50 * y) / size : 90 + 30 * Math.sin(x / 23)) + grain;
            data[o + 2] = (sky ? 220 : 50 + 20 * Math.cos(y / 17)) + grain;
            data[o + 3] = 255;
          }
        }
        const img = { width: size, height: size, data };
        const enc = new PngEncoder();
        await enc.encode(img); // the worker starts
        const main = [];
        const worker = [];
        const blocked = [];
        let bytesMain = 0;
        let bytesWorker = 0;
        for (let i = 0; i < reps; i++) {
          for (const which of i % 2 ? ['worker', 'main'] : ['main', 'worker']) {
            const t = performance.now();
            if (which === 'main') {
              bytesMain = encodePng(img).length;
              main.push(performance.now() - t);
            } else {
              const p = enc.encode(img);
              blocked.push(performance.now() - t);
              bytesWorker = (await p).length;
              if (enc.lastWhere !== 'worker') throw new Error(`the encode fell back to ${enc.lastWhere}`);
              worker.push(performance.now() - t);
            }
          }
        }
        enc.dispose();
        return { main, worker, blocked, bytesMain, bytesWorker };
      },
      { size, reps },
    );
    const main_ms = stats(r.main).median;
    const worker_ms = stats(r.worker).median;
    rows.push({ size, main_ms, worker_ms, ratio: worker_ms / main_ms, worker_blocks_main_ms: stats(r.blocked).median, bytes_main: r.bytesMain, bytes_worker: r.bytesWorker });
  }
} finally {
  await browser.close();
}

console.log(`PNG encoding in headless Chromium, photo-like opaque image, ${reps} alternating turns per size`);
console.log('| size | fast-png, main thread ms | browser encoder, worker ms | ratio | main thread blocked by the worker path ms | bytes fast-png | bytes worker |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.size}² | ${r.main_ms.toFixed(1)} | ${r.worker_ms.toFixed(1)} | ${r.ratio.toFixed(3)} | ${r.worker_blocks_main_ms.toFixed(1)} | ${r.bytes_main} | ${r.bytes_worker} |`);
}
const summary = { reps, rows };
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(`${jsonOut}.tmp`, JSON.stringify(summary, null, 2));
renameSync(`${jsonOut}.tmp`, jsonOut);
console.log(JSON.stringify(summary));
