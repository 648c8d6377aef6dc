// One benchmark process: per-call latency of an ONNX UNet on one runtime, for a list of cases.
// Run by bench/run.mjs as a child process (one runtime and thread count per process, so thread
// pools and wasm instances never share a process):
//
//   node bench/lib/percall.mjs '<json config>'
//
// config: { runtime: 'node' | 'wasm', build?: 'plain' | 'asyncify', threads, model,
//           cases: [{ n, size, reps, warmup }], session?: { graphOptimizationLevel,
//           executionMode, enableCpuMemArena, freeDims }, profile?: { n, size, dir } }
// Prints one JSON line per case: { n, size, createMs, times: [ms…] } and, with profile, one
// { profile: [{ op, ms, count }…] } line.
import { readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const cfg = JSON.parse(process.argv[2]);
const root = resolve(new URL('../..', import.meta.url).pathname);
const WASM_FILES = { plain: 'ort-wasm-simd-threaded.wasm', asyncify: 'ort-wasm-simd-threaded.asyncify.wasm' };
const MODULES = { plain: 'onnxruntime-web/wasm', asyncify: 'onnxruntime-web/webgpu' };

async function loadOrt() {
  if (cfg.runtime === 'node') return import('onnxruntime-node');
  const build = cfg.build ?? 'plain';
  const ort = await import(MODULES[build]);
  ort.env.wasm.numThreads = cfg.threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = readFileSync(join(root, 'node_modules/onnxruntime-web/dist', WASM_FILES[build]));
  return ort;
}

function sessionOptions(c, extra = {}) {
  const s = cfg.session ?? {};
  const o = {
    executionProviders: [cfg.runtime === 'node' ? 'cpu' : 'wasm'],
    graphOptimizationLevel: s.graphOptimizationLevel ?? 'all',
    executionMode: s.executionMode ?? 'sequential',
    enableCpuMemArena: s.enableCpuMemArena ?? true,
    ...extra,
  };
  if (cfg.runtime === 'node') {
    o.intraOpNumThreads = cfg.threads;
    o.interOpNumThreads = 1;
  }
  if (s.freeDims && c) o.freeDimensionOverrides = { n: c.n, h: c.size, w: c.size };
  return o;
}

// Deterministic inputs: a smooth image in [-1, 1], t at mid-trajectory.
function inputs(ort, n, size) {
  const x = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.001) * 0.8;
  const t = new Float32Array(n).fill(250);
  return { x: new ort.Tensor('float32', x, [n, 3, size, size]), t: new ort.Tensor('float32', t, [n]) };
}

const now = () => performance.now();
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const ort = await loadOrt();
const model = readFileSync(cfg.model);
let shared = null;
let sharedMs = 0;
for (const c of cfg.cases) {
  let session = shared;
  let createMs = sharedMs;
  if (!session || cfg.session?.freeDims) {
    const t0 = now();
    session = await ort.InferenceSession.create(model, sessionOptions(c));
    createMs = now() - t0;
    if (!cfg.session?.freeDims) {
      shared = session;
      sharedMs = createMs;
    }
  }
  const feeds = inputs(ort, c.n, c.size);
  for (let i = 0; i < (c.warmup ?? 1); i++) await session.run(feeds);
  const times = [];
  let checksum = 0;
  for (let i = 0; i < c.reps; i++) {
    const t0 = now();
    const out = await session.run(feeds);
    times.push(now() - t0);
    const d = out[session.outputNames[0]].data;
    checksum = d[0] + d[d.length - 1];
  }
  emit({ n: c.n, size: c.size, createMs, times, checksum });
  if (session !== shared) await session.release();
}

if (cfg.profile) {
  const { n, size, dir } = cfg.profile;
  mkdirSync(dir, { recursive: true });
  const prefix = join(dir, `prof-${cfg.runtime}-${process.pid}`);
  let captured = '';
  const write = process.stdout.write.bind(process.stdout);
  if (cfg.runtime === 'wasm') {
    // onnxruntime-web's wasm profiler prints its JSON trace to stdout: capture it
    process.stdout.write = (chunk, ...rest) => {
      captured += String(chunk);
      return typeof rest[rest.length - 1] === 'function' ? (rest[rest.length - 1](), true) : true;
    };
  }
  const session = await ort.InferenceSession.create(model, sessionOptions(null, { enableProfiling: true, profileFilePrefix: prefix }));
  const feeds = inputs(ort, n, size);
  // warm-up runs (V8 tiers WASM up during the first calls): profiled too, dropped below
  const warmup = cfg.profile.warmup ?? 1;
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const runs = cfg.profile.runs ?? 2;
  for (let i = 0; i < runs; i++) await session.run(feeds);
  await session.endProfiling();
  await session.release();
  process.stdout.write = write;
  let text = captured;
  if (cfg.runtime === 'node') {
    const file = readdirSync(dir).find((f) => f.startsWith(`prof-node-${process.pid}`));
    text = file ? readFileSync(join(dir, file), 'utf8') : '';
    if (file) rmSync(join(dir, file));
  }
  const start = text.indexOf('[');
  const end = text.lastIndexOf(']');
  const events = start >= 0 ? JSON.parse(text.slice(start, end + 1)) : [];
  // node events per model_run; keep the runs after the warm-up
  const runsEv = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const from = runsEv.length > warmup ? runsEv[warmup].ts : 0;
  const byOp = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
    const op = e.args?.op_name ?? '?';
    const cur = byOp.get(op) ?? { op, ms: 0, count: 0 };
    cur.ms += e.dur / 1000 / runs;
    cur.count += 1 / runs;
    byOp.set(op, cur);
  }
  const runMs = runsEv.slice(warmup).reduce((s, e) => s + e.dur / 1000, 0) / Math.max(1, runsEv.length - warmup);
  emit({ profile: [...byOp.values()].sort((a, b) => b.ms - a.ms), runMs });
}
