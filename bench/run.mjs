// `npm run bench`: per-call latency of the UNet on every runtime the product uses, ratios against
// onnxruntime-node measured in the same run, session-option / build / fp16 experiments, an
// operator profile (WASM vs native), the sampler overhead of a whole edit, and the few-step
// solver result. Ends with ONE JSON line (the summary). Details in bench/RESULTS.md.
//
//   node bench/run.mjs                 # full run (≈10 min on 2 cores)
//   node bench/run.mjs --quick         # ≈1 min: 64² and 256² batch 1, few repeats, no 512²
//   options: --model DIR (a pack dir: model.json + onnx; default models/default, else a
//            random-weight export in bench/out/random), --no-chromium, --no-experiments,
//            --no-profile, --no-overhead, --no-overlap, --no-ui-edit (a whole edit in dist/ui.html; on by
//            default in the full run, --ui-edit adds it to --quick), --json-out FILE
//            (default bench/out/results.json)
//
// Every measurement runs in its own child process (node) or page (Chromium), one after the
// other, so runtimes never compete for the 2 cores. Times are per session.run, after warm-up
// runs (V8 tiers WASM up from Liftoff to TurboFan during the first calls).
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../src/cli/build-cli.mjs';
import { chromiumAvailable, openChromium } from './lib/browser.mjs';
import { stats, fmtMs, table } from './lib/stats.mjs';
import { measureOverlap, overlapTable } from './lib/overlap-report.mjs';
import { benchArgs } from './lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const { opt } = benchArgs(argv);
if (flag('--help') || flag('-h')) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 14).map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const QUICK = flag('--quick');
const log = (s = '') => process.stderr.write(s + '\n');
const print = (s = '') => process.stdout.write(s + '\n');
const t0All = performance.now();
const elapsed = () => `${((performance.now() - t0All) / 1000).toFixed(0)} s`;

// ---- the model ---------------------------------------------------------------------------------

function python() {
  for (const p of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(p, ['-c', 'import onnx'], { encoding: 'utf8' });
    if (r.status === 0) return p;
  }
  return null;
}

function resolveModel() {
  const given = opt('--model', null);
  const dirs = given ? [given] : ['models/default', 'bench/out/random'];
  for (const d of dirs) {
    const dir = join(root, d);
    if (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'model.onnx'))) return dir;
  }
  if (given) throw new Error(`no model.json + model.onnx in ${given}`);
  const py = python();
  if (py) {
    log('bench: no models/default yet; exporting a random-weight UNet of the recipe to bench/out/random');
    execFileSync(py, [join(root, 'bench/export.py'), 'random', '--out', join(out, 'random')], { stdio: 'inherit' });
    return join(out, 'random');
  }
  throw new Error('no model: models/default is missing and python3 with torch/onnx is not available for bench/export.py');
}

/** An export variant of the model made by bench/export.py ('fp16' or 'gn-reduce'), cached. */
function variant(modelDir, kind) {
  const dst = join(out, `${modelDir.split('/').pop()}-${kind}`);
  const src = join(modelDir, 'model.onnx');
  const dstModel = join(dst, 'model.onnx');
  if (existsSync(dstModel) && statSync(dstModel).mtimeMs > statSync(src).mtimeMs) return dst;
  const py = python();
  if (!py) return null;
  const r = spawnSync(py, [join(root, 'bench/export.py'), kind, '--in', src, '--out', dst], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(`bench: ${kind} export failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
    return null;
  }
  return dst;
}

// ---- machine -----------------------------------------------------------------------------------

function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not linux */
  }
  let flags = [];
  try {
    const f = /flags\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (f) flags = f[1].split(' ').filter((x) => /^(avx2|avx512f|avx512_vnni|avx512_bf16|fma|f16c)$/.test(x));
  } catch {
    /* not linux */
  }
  const pkg = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  return { cpu, cores: cpus().length, simd: flags, node: process.version, ort_node: pkg('onnxruntime-node'), ort_web: pkg('onnxruntime-web') };
}

// ---- child processes ---------------------------------------------------------------------------

function percall(cfg) {
  const r = spawnSync(process.execPath, [join(root, 'bench/lib/percall.mjs'), JSON.stringify(cfg)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: String(cfg.threads) },
  });
  if (r.status !== 0) throw new Error(`percall ${cfg.runtime} failed: ${(r.stderr || '').split('\n').filter(Boolean).slice(-3).join(' | ')}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

// ---- plan --------------------------------------------------------------------------------------

// [n, size, reps, warmup]: fewer repeats where a call is long; 512² batch 4 on native only.
const CASES = QUICK
  ? [
      [1, 64, 6, 4],
      [1, 256, 3, 1],
    ]
  : [
      [1, 64, 15, 5],
      [4, 64, 8, 2],
      [1, 256, 7, 2],
      [4, 256, 2, 1],
      [1, 512, 2, 1],
      [4, 512, 1, 1],
    ];
const WASM_SKIP = (n, size) => n === 4 && size === 512; // ≈30 s per WASM call: native only
const EXP = QUICK ? { size: 64, reps: 5, warmup: 4 } : { size: 256, reps: 4, warmup: 2 };

async function main() {
  const modelDir = resolveModel();
  const model = join(modelDir, 'model.onnx');
  const pack = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const mach = machine();
  const results = { machine: mach, model: { dir: relative(root, modelDir), bytes: statSync(model).size, arch: pack.training?.arch ?? null }, quick: QUICK };
  log(`bench: model ${relative(root, modelDir)} (${(results.model.bytes / 1e6).toFixed(1)} MB), ${mach.cpu}, ${mach.cores} cores${QUICK ? ', --quick' : ''}`);
  const chromiumOk = !flag('--no-chromium') && chromiumAvailable();
  const browser = chromiumOk ? await openChromium(root) : null;
  if (browser) results.machine.chromium = browser.version;

  // ---- 1. per-call latency table ----
  const rows = new Map(); // key `${n}x${size}` → { native1, native2, wasm1, chromium1 }
  const put = (n, size, key, r) => {
    const k = `${n}x${size}`;
    if (!rows.has(k)) rows.set(k, { n, size });
    rows.get(k)[key] = { ...stats(r.times), createMs: r.createMs };
  };
  const mkCases = (skip) => CASES.filter(([n, s]) => !(skip && WASM_SKIP(n, s))).map(([n, size, reps, warmup]) => ({ n, size, reps, warmup }));
  for (const [key, cfg] of [
    ['native1', { runtime: 'node', threads: 1 }],
    ['native2', { runtime: 'node', threads: 2 }],
    ['wasm1', { runtime: 'wasm', build: 'plain', threads: 1 }],
  ]) {
    const wasm = cfg.runtime === 'wasm';
    const cases = mkCases(wasm).map((c) => (wasm ? { ...c, warmup: c.warmup + (c.size === 64 ? 4 : 0) } : c));
    log(`bench: ${key} … (${elapsed()})`);
    for (const r of percall({ ...cfg, model, cases })) put(r.n, r.size, key, r);
  }
  if (browser) {
    log(`bench: chromium1 … (${elapsed()})`);
    const s = await browser.session('plain', 'page', model);
    await s.init();
    for (const c of mkCases(true)) put(c.n, c.size, 'chromium1', await s.run({ ...c, warmup: c.warmup + (c.size === 64 ? 4 : 0) }));
    await s.close();
  }
  results.percall = [...rows.values()];

  // ---- 2. experiments at EXP.size, batch 1, one thread ----
  const experiments = [];
  if (!flag('--no-experiments')) {
    const c = [{ n: 1, size: EXP.size, reps: EXP.reps, warmup: EXP.warmup }];
    const fp16Dir = variant(modelDir, 'fp16');
    const gnrDir = variant(modelDir, 'gn-reduce');
    const variants = [
      ['native', 'graphOptimizationLevel all (default)', { runtime: 'node', threads: 1 }],
      ['native', "graphOptimizationLevel 'basic'", { runtime: 'node', threads: 1, session: { graphOptimizationLevel: 'basic' } }],
      ['native', 'enableCpuMemArena false', { runtime: 'node', threads: 1, session: { enableCpuMemArena: false } }],
      ['native', 'freeDimensionOverrides (fixed n,h,w)', { runtime: 'node', threads: 1, session: { freeDims: true } }],
      ['native', "executionMode 'parallel' (inter-op 1)", { runtime: 'node', threads: 1, session: { executionMode: 'parallel' } }],
      ['wasm-node', 'plain build, level all (default)', { runtime: 'wasm', build: 'plain', threads: 1 }],
      ['wasm-node', "plain, graphOptimizationLevel 'basic'", { runtime: 'wasm', build: 'plain', threads: 1, session: { graphOptimizationLevel: 'basic' } }],
      ['wasm-node', 'plain, enableCpuMemArena false', { runtime: 'wasm', build: 'plain', threads: 1, session: { enableCpuMemArena: false } }],
      ['wasm-node', 'plain, freeDimensionOverrides', { runtime: 'wasm', build: 'plain', threads: 1, session: { freeDims: true } }],
      // asyncify is many times slower in Node: measured at 64² (and against plain at 64²) to fit the time
      ['wasm-node', 'plain build at 64² (reference for the next row)', { runtime: 'wasm', build: 'plain', threads: 1, cases: [{ n: 1, size: 64, reps: 5, warmup: 6 }] }],
      ['wasm-node', 'asyncify build at 64² (the build the UI bundles)', { runtime: 'wasm', build: 'asyncify', threads: 1, cases: [{ n: 1, size: 64, reps: 3, warmup: 3 }] }],
    ];
    if (gnrDir) {
      variants.push(['native', 'GroupNorm as reductions (no InstanceNorm)', { runtime: 'node', threads: 1, model: join(gnrDir, 'model.onnx') }]);
      variants.push(['wasm-node', 'plain, GroupNorm as reductions (no InstanceNorm)', { runtime: 'wasm', build: 'plain', threads: 1, model: join(gnrDir, 'model.onnx') }]);
    }
    if (fp16Dir) {
      variants.push(['native', 'fp16 weight storage', { runtime: 'node', threads: 1, model: join(fp16Dir, 'model.onnx') }]);
      variants.push(['wasm-node', 'plain, fp16 weight storage', { runtime: 'wasm', build: 'plain', threads: 1, model: join(fp16Dir, 'model.onnx') }]);
    }
    for (const [where, label, cfg] of variants) {
      log(`bench: experiment ${where}: ${label} … (${elapsed()})`);
      try {
        const [r] = percall({ model, cases: c, ...cfg });
        experiments.push({ where, label, ...stats(r.times), createMs: r.createMs, size: r.size });
      } catch (e) {
        experiments.push({ where, label, error: String(e.message ?? e).slice(0, 200) });
      }
    }
    if (browser) {
      for (const [build, where, label] of [
        ['plain', 'page', 'plain build, page main thread'],
        ['plain', 'worker', 'plain build, classic worker'],
        ['asyncify', 'worker', 'asyncify build, classic worker (what the UI runs)'],
      ]) {
        log(`bench: experiment chromium: ${label} … (${elapsed()})`);
        try {
          const s = await browser.session(build, where, model);
          const init = await s.init();
          // asyncify: ≈5× slower per call, so fewer repeats
          const r = await s.run(build === 'asyncify' ? { ...c[0], reps: Math.min(c[0].reps, 2), warmup: 1 } : c[0]);
          experiments.push({ where: 'chromium', label, ...stats(r.times), createMs: init.createMs });
          await s.close();
        } catch (e) {
          experiments.push({ where: 'chromium', label, error: String(e.message ?? e).slice(0, 200) });
        }
      }
      experiments.push({ where: 'chromium', label: 'jspi build', error: 'not measured: needs WebAssembly JSPI (Node 20 lacks it; see RESULTS.md)' });
    }
    results.experiments = experiments;
    results.experiment_setting = { n: 1, size: EXP.size, threads: 1 };
    if (fp16Dir) results.fp16 = fp16Compare(model, join(fp16Dir, 'model.onnx'));
  }
  if (browser) await browser.close();

  // ---- 3. operator profile at 256² (64² with --quick) ----
  if (!flag('--no-profile')) {
    const size = QUICK ? 64 : 256;
    log(`bench: profiles at ${size}² … (${elapsed()})`);
    const prof = {};
    for (const [key, cfg] of [
      ['native', { runtime: 'node', threads: 1 }],
      ['wasm', { runtime: 'wasm', build: 'plain', threads: 1 }],
    ]) {
      const warmup = cfg.runtime === 'wasm' ? (QUICK ? 5 : 2) : 1;
      const res = percall({ ...cfg, model, cases: [], profile: { n: 1, size, dir: join(out, 'prof'), runs: QUICK ? 2 : 1, warmup } });
      prof[key] = res.find((r) => r.profile) ?? null;
    }
    results.profile = { size, ...prof };
  }

  // ---- 4. sampler overhead ----
  if (!flag('--no-overhead')) {
    log(`bench: sampler overhead … (${elapsed()})`);
    const cjs = join(out, 'overhead.cjs');
    await buildCli(join(root, 'bench/lib/overhead.ts'), cjs);
    const guide = join(root, 'models/eval/heldout/scene-10000000.png');
    const cfg = {
      model: modelDir,
      guide: existsSync(guide) ? guide : null,
      size: QUICK ? 64 : 256,
      threads: 1,
      t0: 0.5,
      runs: [
        ['ddim', 10],
        ['dpmpp2m', 10],
        ['dpmpp2m-sde', 10], // the panel's default (src/protocol.ts DEFAULT_SETTINGS)
      ],
      reps: 3,
    };
    const r = spawnSync(process.execPath, [cjs, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
    if (r.status === 0) results.overhead = JSON.parse(r.stdout.trim().split('\n').pop());
    else results.overhead = { error: r.stderr.split('\n').slice(-4).join(' ') };
  }

  // ---- 4a. the step's draws hidden behind the network (the session in a worker thread) ----
  if (!flag('--no-overhead') && !flag('--no-overlap')) {
    log(`bench: overlap of the per-step work with the network … (${elapsed()})`);
    const guide = join(root, 'models/eval/heldout/scene-10000000.png');
    results.overlap = await measureOverlap({
      model: modelDir,
      guide: existsSync(guide) ? guide : null,
      size: QUICK ? 64 : 256,
      threads: 1,
      t0: 0.5,
      sampler: 'dpmpp2m-sde', // the panel's default (src/protocol.ts DEFAULT_SETTINGS)
      steps: 10,
      reps: QUICK ? 1 : 3,
    });
  }

  // ---- 4b. a whole edit in the product (dist/ui.html in the harness's sandboxed iframe) ----
  if (chromiumOk && (flag('--ui-edit') || (!QUICK && !flag('--no-ui-edit')))) {
    const html = join(root, 'dist/ui.html');
    if (!existsSync(html)) results.ui_edit = { skipped: 'dist/ui.html missing (npm run build)' };
    else {
      log(`bench: whole edit in ui.html … (${elapsed()})`);
      const cjs = join(out, 'ui-edit.cjs');
      await buildCli(join(root, 'bench/lib/ui-edit.ts'), cjs, ['playwright-core', 'pngjs']);
      // the panel's default sampler and steps (src/protocol.ts DEFAULT_SETTINGS)
      const cfg = { size: QUICK ? 64 : 256, steps: 10, sampler: 'dpmpp2m-sde' };
      const r = spawnSync(process.execPath, [cjs, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8', timeout: 240_000 });
      const m = /sdedit-pack-index">([^<]*)/.exec(readFileSync(html, 'utf8').slice(0, 50_000_000));
      const embedded = m ? JSON.parse(m[1]) : null;
      results.ui_edit =
        r.status === 0
          ? { ...JSON.parse(r.stdout.trim().split('\n').pop()), ui_html_model_bytes: embedded?.files?.[0]?.bytes ?? null, ui_html_built: statSync(html).mtime.toISOString() }
          : { error: (r.stderr || 'timeout').split('\n').slice(-3).join(' ') };
    }
  }

  // ---- 5. few-step solver (bench/few-step.mjs writes bench/few-step.json; too long for here) ----
  const fewFile = join(root, 'bench/few-step.json');
  results.few_step = existsSync(fewFile) ? JSON.parse(readFileSync(fewFile, 'utf8')) : null;

  writeFileSync(opt('--json-out', join(out, 'results.json')), JSON.stringify(results, null, 2));
  report(results);
  const summary = summarise(results);
  print(JSON.stringify(summary));
}

// ---- fp16 output difference (trained weights when the model is the trained default) ----------

function fp16Compare(fp32, fp16) {
  const r = spawnSync(process.execPath, [join(root, 'bench/lib/compare.mjs'), fp32, fp16], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr.split('\n').slice(-3).join(' ') };
  return { bytes_fp32: statSync(fp32).size, bytes_fp16: statSync(fp16).size, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
}

// ---- report ------------------------------------------------------------------------------------

function ratio(a, b) {
  return a && b ? a.median / b.median : null;
}

function report(res) {
  print(`\n## Per-call latency (median ms, [min–max], IQR) — ${res.machine.cpu}, ${res.machine.cores} cores, model ${res.model.dir}`);
  const hdr = ['batch × size', 'native 1 thr', 'native 2 thr', 'WASM Node 1 thr', 'WASM Chromium 1 thr', 'WASM/native (Node, 1 thr)', 'WASM/native (Chromium, 1 thr)'];
  const body = res.percall.map((r) => [
    `${r.n} × ${r.size}²`,
    fmtMs(r.native1),
    fmtMs(r.native2),
    fmtMs(r.wasm1),
    fmtMs(r.chromium1),
    ratio(r.wasm1, r.native1)?.toFixed(2) ?? '—',
    ratio(r.chromium1, r.native1)?.toFixed(2) ?? '—',
  ]);
  print(table(hdr, body));
  if (res.experiments) {
    const s = res.experiment_setting;
    print(`\n## Experiments (${s.n} × ${s.size}², 1 thread; median ms [min–max])`);
    print(table(['where', 'variant', 'median ms', 'create ms'], res.experiments.map((e) => [e.where, e.label, e.error ? `— (${e.error})` : fmtMs(e), e.createMs ? e.createMs.toFixed(0) : '—'])));
  }
  if (res.fp16) {
    const f = res.fp16;
    print(
      `\nfp16 weight storage: ${(f.bytes_fp32 / 1e6).toFixed(2)} → ${(f.bytes_fp16 / 1e6).toFixed(2)} MB; output max |Δ| ${f.max_abs?.toExponential(2)}, RMS Δ / RMS out ${f.rel_rms?.toExponential(2)}`,
    );
  }
  if (res.profile?.native && res.profile?.wasm) {
    const n = res.profile.native;
    const w = res.profile.wasm;
    const tot = (p) => p.profile.reduce((a, b) => a + b.ms, 0);
    const tn = tot(n);
    const tw = tot(w);
    const ops = [...new Set([...w.profile.map((p) => p.op), ...n.profile.map((p) => p.op)])];
    const get = (p, op) => p.profile.find((x) => x.op === op);
    print(`\n## Operator profile, 1 × ${res.profile.size}², 1 thread (kernel time per run; native total ${tn.toFixed(1)} ms, WASM ${tw.toFixed(1)} ms)`);
    print(
      table(
        ['op type', 'calls', 'WASM ms', 'WASM share', 'native ms', 'native share', 'WASM/native'],
        ops
          .map((op) => {
            const a = get(w, op);
            const b = get(n, op);
            return [op, Math.round((a ?? b).count), a ? a.ms.toFixed(1) : '—', a ? `${((100 * a.ms) / tw).toFixed(1)}%` : '—', b ? b.ms.toFixed(1) : '—', b ? `${((100 * b.ms) / tn).toFixed(1)}%` : '—', a && b ? (a.ms / b.ms).toFixed(1) : '—'];
          })
          .filter((row) => row[2] !== '—' || row[4] !== '—'),
      ),
    );
  }
  if (res.ui_edit && !res.ui_edit.error && !res.ui_edit.skipped) {
    const u = res.ui_edit;
    print(
      `\nWhole edit in the product (dist/ui.html, srcdoc iframe, ${u.backend} ${u.backend === 'wasm' ? 'in the classic worker, asyncify build' : ''}): ${u.size}², ${u.sampler} ${u.steps} steps, masked: ` +
        `total ${u.totalMs.toFixed(0)} ms, network ${u.networkMs.toFixed(0)} ms (${(u.networkMs / u.steps).toFixed(0)} ms/call), everything else ${u.overheadMs.toFixed(0)} ms = ${(100 * u.share).toFixed(2)}% (first, cold edit ${u.coldTotalMs.toFixed(0)} ms)`,
    );
  } else if (res.ui_edit) print(`\nWhole edit in the product: ${res.ui_edit.error ?? res.ui_edit.skipped}`);
  if (res.overhead?.rows) {
    print(`\n## Sampler overhead (whole edit, PNG in → PNG out, masked, onnxruntime-node 1 thread; "sampler's own": the work inside sdedit() besides the network — noising, updates, step draws, mask re-noising, previews — without the PNG and colour conversions around it)`);
    print(
      table(
        ['sampler', 'size', 'calls', 'zero-cost denoiser edit ms', 'real edit ms', 'network ms', 'overhead ms', 'overhead share', "sampler's own ms", "sampler's share"],
        res.overhead.rows.map((r) => [r.sampler, `${r.size}²`, r.calls, r.zero_denoiser_edit_ms.toFixed(1), r.real_total_ms.toFixed(0), r.real_network_ms.toFixed(0), r.real_overhead_ms.toFixed(1), `${(100 * r.share_real).toFixed(2)}%`, r.real_sampler_ms.toFixed(1), `${(100 * r.share_sampler_real).toFixed(2)}%`]),
      ),
    );
  }
  if (res.overlap && !res.overlap.error) {
    print(`\n## Per-step work hidden behind the network (onnxruntime-node session in a worker thread, bench/lib/overlap.ts)`);
    print(overlapTable(res.overlap));
  } else if (res.overlap) print(`\nOverlap: ${res.overlap.error}`);
}

function summarise(res) {
  const row = (n, size) => res.percall.find((r) => r.n === n && r.size === size);
  const r256 = row(1, 256);
  const r64 = row(1, 64);
  const ov = res.overhead?.rows;
  const exp = (where, re) => res.experiments?.find((e) => e.where === where && re.test(e.label) && !e.error);
  const native256 = exp('native', /default/);
  const asyncW = exp('chromium', /asyncify/);
  const plainW = exp('chromium', /plain build, classic worker/);
  const nodeRatio = r256 ? round(ratio(r256.wasm1, r256.native1)) : null;
  const chromeRatio = r256 ? round(ratio(r256.chromium1, r256.native1)) : null;
  return {
    // headline: WASM where the plugin runs (headless Chromium, plain build, 1 thread) against
    // onnxruntime-node CPU 1 thread, 256² batch 1; WASM in Node when Chromium is not measured
    wasm_vs_native: chromeRatio ?? nodeRatio,
    wasm_vs_native_where: chromeRatio !== null ? 'chromium (plain wasm build)' : 'node (plain wasm build)',
    wasm_vs_native_node: nodeRatio,
    wasm_vs_native_chromium: chromeRatio,
    wasm_vs_native_64: r64 ? round(ratio(r64.wasm1, r64.native1)) : null,
    native_256_ms: r256?.native1 ? round(r256.native1.median) : null,
    wasm_256_ms: r256?.wasm1 ? round(r256.wasm1.median) : null,
    ui_build_asyncify_vs_plain_chromium: asyncW && plainW ? round(asyncW.median / plainW.median) : null,
    wasm_vs_native_ui_build: asyncW && native256 && !res.quick ? round(asyncW.median / native256.median) : null,
    // the panel's default sampler (src/protocol.ts), and every sampler measured
    overhead_share: ov ? round((ov.find((r) => r.sampler === 'dpmpp2m-sde') ?? ov.reduce((a, b) => (b.share_real > a.share_real ? b : a))).share_real, 4) : null,
    overhead_share_by_sampler: ov ? Object.fromEntries(ov.map((r) => [r.sampler, round(r.share_real, 4)])) : null,
    // the panel default's own work inside sdedit() as a share of the edit (no PNG / conversions)
    sampler_share: ov ? round((ov.find((r) => r.sampler === 'dpmpp2m-sde') ?? ov[0]).share_sampler_real, 4) : null,
    overhead_share_ui: res.ui_edit?.share !== undefined ? round(res.ui_edit.share, 4) : null,
    overhead_share_overlap_worker: res.overlap?.overlap ? round(res.overlap.overlap.share, 4) : null,
    overhead_share_serial_worker: res.overlap?.serial ? round(res.overlap.serial.share, 4) : null,
    overlap_hidden_ms: res.overlap?.hidden_ms !== undefined ? round(res.overlap.hidden_ms, 1) : null,
    few_step_calls: res.few_step?.few_step_calls ?? null,
    few_step_solver: res.few_step?.few_step_solver ?? null,
    few_step_calls_noise_aware: res.few_step?.few_step_calls_noise_aware ?? null,
    few_step_calls_no_worse: res.few_step?.few_step_calls_no_worse ?? null,
    few_step_calls_vs_ode: res.few_step?.few_step_calls_vs_ode ?? null,
    few_step_setting: res.few_step ? res.few_step.setting_short : null,
    model: res.model.dir,
    quick: res.quick,
    cpu: res.machine.cpu,
    cores: res.machine.cores,
  };
}

const round = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** d) / 10 ** d);

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
