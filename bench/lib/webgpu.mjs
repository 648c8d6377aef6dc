// onnxruntime-web on WebGPU in headless Chromium (run by bench/gpu.sh on a GPU machine): per-call
// latency of the UNet, with the adapter Chromium got (a real GPU, or SwiftShader's CPU fallback —
// then the numbers say nothing about GPUs and are marked so).
//
//   node bench/lib/webgpu.mjs [--quick] [--model models/default/model.onnx] [--json-out FILE]
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openChromium } from './browser.mjs';
import { stats, fmtMs } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(n) && argv[argv.indexOf(n) + 1] ? argv[argv.indexOf(n) + 1] : d);
const quick = argv.includes('--quick');
let model = join(root, opt('--model', 'models/default/model.onnx'));
if (!existsSync(model)) model = join(root, 'bench/out/gpu-random/model.onnx');
if (!existsSync(model)) {
  console.log('webgpu: SKIP: no model (models/default/model.onnx or bench/out/gpu-random/model.onnx)');
  process.exit(0);
}
// GPU flags for headless Linux: WebGPU needs the unsafe flag; Vulkan backs Dawn on Linux
const flags = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--ignore-gpu-blocklist'];
const browser = await openChromium(root, flags);
const result = { chromium: browser.version, rows: [] };
try {
  const s = await browser.session('asyncify', 'page', model);
  result.adapter = await s.adapter();
  console.log(`webgpu: adapter ${JSON.stringify(result.adapter)}`);
  if (!result.adapter) {
    console.log('webgpu: SKIP: Chromium gave no WebGPU adapter here');
  } else {
    const init = await s.init({ executionProviders: ['webgpu'] });
    result.createMs = init.createMs;
    const cases = quick ? [[1, 64, 10], [1, 256, 5]] : [[1, 64, 20], [4, 64, 10], [1, 256, 10], [4, 256, 5], [1, 512, 5]];
    for (const [n, size, reps] of cases) {
      const r = await s.run({ n, size, reps, warmup: 3 });
      const st = stats(r.times);
      result.rows.push({ n, size, ...st });
      console.log(`webgpu: ${n} × ${size}²  ${fmtMs(st)} ms${result.adapter.isFallbackAdapter ? '  (SwiftShader fallback: not a GPU figure)' : ''}`);
    }
  }
  await s.close();
} catch (e) {
  result.error = String(e?.message ?? e).slice(0, 300);
  console.log(`webgpu: failed: ${result.error}`);
} finally {
  await browser.close();
}
const out = opt('--json-out', null);
if (out) writeFileSync(out, JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
