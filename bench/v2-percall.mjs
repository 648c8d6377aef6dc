// Per-call time of network v2 against v1, measured in one run: batch 1, one thread, at 256² (by
// default) on onnxruntime-node (CPU EP) and onnxruntime-web WASM (plain SIMD build, in Node).
//
//   node bench/v2-percall.mjs      # v1 vs v2: models/v1 vs models/default once v2 is shipped
//                                  # (models/train/v2/ship.sh); before that models/default vs
//                                  # models/v2-candidate, else a random-weight export of
//                                  # models/train/v2's V2_ARCH in bench/out/v2/
//   node bench/v2-percall.mjs --v2 bench/out/v2/a --v2 bench/out/v2/b   # several candidates
//   options: --v1 DIR, --v2 DIR (repeatable), --size S (256), --reps N (turns per process, 5),
//            --rounds R (processes per runtime, 3), --runtimes node,wasm, --json-out FILE
//            (default bench/out/v2-percall.json)
//
// Per runtime and round, ONE child process (bench/lib/paired-percall.mjs) holds a session of
// every model and times them call by call in rotating order, so a slow spell on the shared
// machine hits all of them in the same turn. Reported per model: the median of its calls, the
// ratio of medians to v1, and the paired ratio (median and quartiles of the per-turn ratios
// v2/v1, which cancel most of the machine's noise). Ends with one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stats, table } from './lib/stats.mjs';
import { benchArgs } from './lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const { opt, positive, all } = benchArgs(argv);

const size = positive('--size', 256);
const reps = positive('--reps', 5);
const rounds = positive('--rounds', 3);
const runtimes = opt('--runtimes', 'node,wasm').split(',');
for (const r of runtimes) if (r !== 'node' && r !== 'wasm') throw new Error(`--runtimes: node or wasm, got ${r}`);
const jsonOut = resolve(opt('--json-out', join(root, 'bench/out/v2-percall.json')));

function pack(dir) {
  const abs = resolve(root, dir);
  const model = join(abs, 'model.onnx');
  if (!existsSync(model)) throw new Error(`no model.onnx in ${dir}`);
  const meta = existsSync(join(abs, 'model.json')) ? JSON.parse(readFileSync(join(abs, 'model.json'), 'utf8')) : {};
  if (size % (meta.multiple ?? 1) !== 0) throw new Error(`${dir}: --size ${size} is not a multiple of ${meta.multiple}`);
  const name = meta.training?.arch_name ?? relative(root, abs);
  return { dir: relative(root, abs), model, name, bytes: readFileSync(model).length, params: meta.training?.params ?? null };
}

const shipped = existsSync(join(root, 'models/v1/model.onnx'));
const v1 = pack(opt('--v1', shipped ? 'models/v1' : 'models/default'));
/** The shipped v2 (models/default beside models/v1), else models/v2-candidate when it exists,
 *  else a random-weight export of the recipe's V2_ARCH. */
function defaultV2() {
  if (shipped) return 'models/default';
  if (existsSync(join(root, 'models/v2-candidate/model.onnx'))) return 'models/v2-candidate';
  const dir = 'bench/out/v2/default-random';
  if (!existsSync(join(root, dir, 'model.onnx'))) {
    process.stderr.write(`bench: no models/v2-candidate; exporting random weights of the v2 recipe to ${dir}\n`);
    const r = spawnSync('/usr/bin/python3', [join(root, 'models/train/v2/export_v2.py'), '--random', '--out', join(root, dir)], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`export_v2.py failed (needs /usr/bin/python3 with torch and onnx): ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);
  }
  return dir;
}

const v2s = (all('--v2').length ? all('--v2') : [defaultV2()]).map(pack);
const models = [v1, ...v2s];

function paired(runtime) {
  const cfg = { runtime, threads: 1, models: models.map((m) => m.model), n: 1, size, turns: reps, warmup: runtime === 'wasm' ? 2 : 3 };
  const r = spawnSync(process.execPath, [join(root, 'bench/lib/paired-percall.mjs'), JSON.stringify(cfg)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`paired-percall ${runtime} failed: ${(r.stderr || '').split('\n').filter(Boolean).slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('{'))).times;
}

const log = (s) => process.stderr.write(s + '\n');
const times = {}; // runtime -> [[ms…] per model], turns of all rounds in order
const t0 = performance.now();
for (let round = 0; round < rounds; round++) {
  for (const runtime of runtimes) {
    const ts = paired(runtime);
    times[runtime] ??= models.map(() => []);
    ts.forEach((list, m) => times[runtime][m].push(...list));
    log(`round ${round + 1}/${rounds} ${runtime}: ${models.map((m, i) => `${m.name} ${stats(ts[i]).median.toFixed(0)} ms`).join(', ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

const rows = [];
const summary = { size, batch: 1, threads: 1, turns: reps * rounds, v1: v1.dir, results: [] };
for (const runtime of runtimes) {
  const base = times[runtime][0];
  models.forEach((m, i) => {
    const s = stats(times[runtime][i]);
    const turnRatios = times[runtime][i].map((v, k) => v / base[k]);
    const r = stats(turnRatios);
    rows.push([
      runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM',
      m.name,
      m.params ? `${(m.params / 1e6).toFixed(2)} M` : '—',
      `${(m.bytes / 1e6).toFixed(1)} MB`,
      `${s.median.toFixed(1)} [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`,
      i === 0 ? '1' : (s.median / stats(base).median).toFixed(3),
      i === 0 ? '—' : `${r.median.toFixed(3)} [${r.q1.toFixed(3)}–${r.q3.toFixed(3)}]`,
    ]);
    summary.results.push({ runtime, model: m.dir, name: m.name, params: m.params, bytes: m.bytes, median_ms: +s.median.toFixed(2), min_ms: +s.min.toFixed(2), max_ms: +s.max.toFixed(2), calls: s.reps, ratio_of_medians: +(s.median / stats(base).median).toFixed(4), paired_ratio_median: +r.median.toFixed(4), paired_ratio_q1: +r.q1.toFixed(4), paired_ratio_q3: +r.q3.toFixed(4) });
  });
}
process.stdout.write(`per call at ${size}², batch 1, one thread: median [min–max] of ${reps * rounds} calls each; paired: median [quartiles] of the per-turn ratios\n\n`);
process.stdout.write(table(['runtime', 'model', 'params', 'fp32 file', 'ms', 'ratio of medians', 'paired ratio'], rows) + '\n\n');
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut + '.tmp', JSON.stringify(summary, null, 1) + '\n');
renameSync(jsonOut + '.tmp', jsonOut);
process.stdout.write(JSON.stringify(summary) + '\n');
