// The few-step sweep (long: minutes): writes bench/few-step.json, which `npm run bench` reads.
//
//   node bench/few-step.mjs                 # 64², 12 stroke guides × 2 seeds, t0 0.5
//   node bench/few-step.mjs --size 128 --guides 8 --variations 2
//   node bench/few-step.mjs --tiny          # plumbing check: 32², 4 guides, a few counts
//   options: --ddim 10,20,… --dpm 4,6,… --grids logsnr,quadratic,time (counts and grids to try),
//            --model DIR (default models/default), --threads N (default 2), --out FILE,
//            --fallback-metrics (bench/lib/metrics.ts even when src/cli/eval exists)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 8).map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const tiny = argv.includes('--tiny');
const list = (name, dflt) => (opt(name, null) ? opt(name, '').split(',') : dflt);
const cfg = {
  model: join(root, opt('--model', 'models/default')),
  scenes: join(root, 'models/eval/heldout'),
  size: Number(opt('--size', tiny ? 32 : 64)),
  guides: Number(opt('--guides', tiny ? 4 : 12)),
  variations: Number(opt('--variations', tiny ? 1 : 2)),
  threads: Number(opt('--threads', 2)),
  t0: Number(opt('--t0', 0.5)),
  ddim: list('--ddim', tiny ? [5, 10] : [5, 8, 10, 15, 20, 25, 30, 40, 50, 70, 100]).map(Number),
  dpm: list('--dpm', tiny ? [3, 5] : [3, 4, 5, 6, 8, 10, 12, 15, 20]).map(Number),
  grids: list('--grids', tiny ? ['time', 'logsnr'] : ['time', 'quadratic', 'logsnr']),
  tolerance: 0.05,
};
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const cjs = join(out, 'few-step.cjs');
// Metrics: the evaluation harness's feature space and KID (src/cli/eval) when present, else the
// fallback in bench/lib/metrics.ts.
const evalMetrics = existsSync(join(root, 'src/cli/eval/features.ts')) && existsSync(join(root, 'src/cli/eval/kid.ts')) && !argv.includes('--fallback-metrics');
const metricsPlugin = {
  name: 'metrics',
  setup(b) {
    b.onResolve({ filter: /^\.\/metrics$/ }, () => (evalMetrics ? { path: join(root, 'bench/lib/metrics-eval.mjs') } : undefined));
  },
};
await esbuild.build({
  plugins: [metricsPlugin],
  entryPoints: [join(root, 'bench/lib/few-step.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: cjs,
  external: ['onnxruntime-node'],
  logLevel: 'warning',
});
const started = new Date().toISOString();
const r = spawnSync(process.execPath, [cjs, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
if (r.status !== 0) process.exit(r.status ?? 1);
const result = JSON.parse(r.stdout.trim().split('\n').pop());
result.started = started;
result.command = `node bench/few-step.mjs ${argv.join(' ')}`.trim();
const file = opt('--out', tiny ? join(out, 'few-step-tiny.json') : join(root, 'bench/few-step.json'));
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
const ref = result.reference;
const pct = (v, r) => `${v >= r ? '+' : ''}${((100 * (v - r)) / Math.abs(r)).toFixed(1)}%`;
process.stdout.write(
  [
    `| solver | grid | calls | L2 to guide | vs DDPM | KID (± sd) | vs DDPM |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    ...result.rows.map((r) => `| ${r.sampler} | ${r.grid} | ${r.calls} | ${r.l2.toFixed(4)} | ${r === ref ? '—' : pct(r.l2, ref.l2)} | ${r.kid.toFixed(4)} ± ${r.sd.toFixed(4)} | ${r === ref ? '—' : pct(r.kid, ref.kid)} |`),
  ].join('\n') + '\n',
);
process.stdout.write(JSON.stringify({ few_step_calls: result.few_step_calls, few_step_solver: result.few_step_solver, few_step_calls_noise_aware: result.few_step_calls_noise_aware, per_solver: result.per_solver, file }) + '\n');
