// The few-step sweep (long: tens of minutes): writes bench/few-step.json, which `npm run bench` reads.
//
//   node bench/few-step.mjs                 # 64², 64 stroke guides × 2 seeds, t0 0.5, KID vs 256 scenes
//   node bench/few-step.mjs --tiny          # plumbing check: 32², 6 guides, a few counts
//   node bench/few-step.mjs --summarise     # only recompute the summary from the rows file of a run
//   node bench/few-step.mjs --append --sde 40 --dpm '' …   # add rows to that run (same guides)
//   options: --scenes DIR (held-out scene PNGs: the first --guides are guide sources, the rest
//            the real set; default bench/out/heldout-more when it has ≥ 100 scenes, made by
//            /usr/bin/python3 models/train/dump_heldout.py --n 320 --out bench/out/heldout-more,
//            else models/eval/heldout), --real N (cap on real scenes), --guides N, --variations N,
//            --size N, --t0 T, --sde 4,6,… --sde-grids logsnr,time --sde-heun 10,… --dpm 10,20
//            --grids logsnr --ddpm 25,50 (strided) --ddim 10,20 (counts and grids to try),
//            --model DIR (default models/default), --threads N (default 2), --out FILE,
//            --rows FILE (per-row features and L2s; default bench/out/few-step-rows.jsonl)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../src/cli/build-cli.mjs';
import { benchArgs } from './lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const { opt } = benchArgs(argv);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 14).map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const tiny = argv.includes('--tiny');
const list = (name, dflt) => (opt(name, null) !== null ? opt(name, '').split(',').filter((v) => v !== '') : dflt);
const more = join(root, 'bench/out/heldout-more');
const moreOk = existsSync(more) && readdirSync(more).filter((f) => f.endsWith('.png')).length >= 100;
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const cfg = {
  model: join(root, opt('--model', 'models/default')),
  scenes: opt('--scenes', null) ? join(root, opt('--scenes', '')) : moreOk && !tiny ? more : join(root, 'models/eval/heldout'),
  real: Number(opt('--real', 0)),
  size: Number(opt('--size', tiny ? 32 : 64)),
  guides: Number(opt('--guides', tiny ? 6 : 64)),
  variations: Number(opt('--variations', 2)),
  threads: Number(opt('--threads', 2)),
  t0: Number(opt('--t0', 0.5)),
  ddim: list('--ddim', tiny ? [5] : [10, 20]).map(Number),
  ddpm: list('--ddpm', tiny ? [5] : [25, 50]).map(Number),
  dpm: list('--dpm', tiny ? [5] : [10, 20]).map(Number),
  grids: list('--grids', ['logsnr']),
  sde: list('--sde', tiny ? [3, 5] : [4, 6, 8, 10, 15, 20, 30]).map(Number),
  sdeGrids: list('--sde-grids', tiny ? ['logsnr', 'time'] : ['logsnr', 'time']),
  sdeHeun: list('--sde-heun', tiny ? [] : [10, 20]).map(Number),
  tolerance: 0.05,
  rowsFile: join(root, opt('--rows', tiny ? 'bench/out/few-step-rows-tiny.jsonl' : 'bench/out/few-step-rows.jsonl')),
  summarise: argv.includes('--summarise'),
  append: argv.includes('--append'),
};
const cjs = join(out, 'few-step.cjs');
await buildCli(join(root, 'bench/lib/few-step.ts'), cjs);
const started = new Date().toISOString();
const r = spawnSync(process.execPath, [cjs, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
if (r.status !== 0) process.exit(r.status ?? 1);
const result = JSON.parse(r.stdout.trim().split('\n').pop());
result.started = started;
result.command = `node bench/few-step.mjs ${argv.join(' ')}`.trim();
const file = opt('--out', tiny ? join(out, 'few-step-tiny.json') : join(root, 'bench/few-step.json'));
if ((cfg.append || cfg.summarise) && existsSync(file)) {
  // the same run, extended or re-summarised: keep what made its rows
  const before = JSON.parse(readFileSync(file, 'utf8'));
  result.commands = [...(before.commands ?? [`${before.command} (started ${before.started})`]), `${result.command} (started ${started})`];
}
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
const pct = (v) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
const isRef = (r) => r.d_l2 === undefined;
const mark = (r) => (isRef(r) ? '' : r.strict ? 'yes' : r.noise_aware ? 'noise' : '');
process.stdout.write(
  [
    `| solver | grid | calls | L2 to guide (± se) | vs DDPM (± se) | KID (± se) | vs DDPM (± se) | within 5% |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...result.rows.map((r) =>
      [
        r.sampler,
        `${r.grid}${r.sampler === 'dpmpp2m-sde' ? ` ${r.correction ?? 'midpoint'}` : ''}`,
        r.calls,
        `${r.l2.toFixed(3)} ± ${r.l2_se.toFixed(3)}`,
        isRef(r) ? '—' : `${pct(r.d_l2)} ± ${(100 * r.d_l2_se).toFixed(1)}%`,
        `${r.kid.toFixed(3)} ± ${r.sd.toFixed(3)}`,
        isRef(r) ? '—' : `${pct(r.d_kid)} ± ${(100 * r.d_kid_se).toFixed(1)}%`,
        mark(r),
      ].join(' | '),
    ).map((l) => `| ${l} |`),
  ].join('\n') + '\n',
);
process.stdout.write(
  JSON.stringify({
    few_step_calls: result.few_step_calls,
    few_step_solver: result.few_step_solver,
    few_step_calls_noise_aware: result.few_step_calls_noise_aware,
    few_step_solver_noise_aware: result.few_step_solver_noise_aware,
    per_solver: result.per_solver,
    per_solver_noise_aware: result.per_solver_noise_aware,
    file,
  }) + '\n',
);
