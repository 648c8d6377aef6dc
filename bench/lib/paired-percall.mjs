// Paired per-call timing of several ONNX UNets in ONE process on one runtime: the models take
// turns call by call (A B C, B C A, C A B, …), so a slow spell of a shared machine lands on all of
// them and the per-turn ratios cancel it. Run by bench/v2-percall.mjs:
//
//   node bench/lib/paired-percall.mjs '<json config>'
//
// config: { runtime: 'node' | 'wasm', threads, models: [path…], n, size, turns, warmup }
// Prints one JSON line: { createMs: [..], times: [[ms…] per model] } (times[m][k]: turn k).
// Session options are bench/lib/percall.mjs's defaults (level 'all', sequential, memory arena on;
// plain SIMD WASM build), so the numbers compare with `npm run bench`'s.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const cfg = JSON.parse(process.argv[2]);
const root = resolve(new URL('../..', import.meta.url).pathname);

async function loadOrt() {
  if (cfg.runtime === 'node') return import('onnxruntime-node');
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = cfg.threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = readFileSync(join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'));
  return ort;
}

const ort = await loadOrt();
const options = {
  executionProviders: [cfg.runtime === 'node' ? 'cpu' : 'wasm'],
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  enableCpuMemArena: true,
  ...(cfg.runtime === 'node' ? { intraOpNumThreads: cfg.threads, interOpNumThreads: 1 } : {}),
};
const { n, size } = cfg;
const x = new Float32Array(n * 3 * size * size);
for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.001) * 0.8;
const feeds = { x: new ort.Tensor('float32', x, [n, 3, size, size]), t: new ort.Tensor('float32', new Float32Array(n).fill(250), [n]) };

const sessions = [];
const createMs = [];
for (const m of cfg.models) {
  const t0 = performance.now();
  sessions.push(await ort.InferenceSession.create(readFileSync(m), options));
  createMs.push(performance.now() - t0);
}
for (const s of sessions) for (let i = 0; i < cfg.warmup; i++) await s.run(feeds);
const times = sessions.map(() => []);
for (let k = 0; k < cfg.turns; k++) {
  for (let j = 0; j < sessions.length; j++) {
    const m = (j + k) % sessions.length; // rotate who goes first
    const t0 = performance.now();
    await sessions[m].run(feeds);
    times[m].push(performance.now() - t0);
  }
}
process.stdout.write(JSON.stringify({ createMs, times }) + '\n');
