// The seeded Gaussian draw: src/core/rng.ts's `gaussian` (the ziggurat over xoshiro128** blocks
// seeded by the keyed hash, in WebAssembly since bench/RESULTS.md §16) against Box–Muller on the keyed hash's words through
// Math.log/cos/sin (the generator before 2026-12-01; its polynomial ln/cos/sin successor, which
// the ziggurat replaced, ran at 0.63× of it), measured in one run. One draw is what a step of the
// default sampler (dpmpp2m-sde) asks for: 3·S² standard normals.
//
//   node bench/rng.mjs               # S = 256, 61 paired turns
//   options: --size S, --reps N, --json-out FILE (default bench/out/rng.json)
//
// Each turn times old then new (alternating which goes first), so a slow spell on the shared
// machine hits both; reported: median and min ms of each (wall) and median CPU ms of this
// process, the ratios new/old of medians and mins and the median of the per-turn ratios. Ends with one JSON line.
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stats, table } from './lib/stats.mjs';
import { benchArgs } from './lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const { opt, positive } = benchArgs(argv);
const size = positive('--size', 256);
const reps = positive('--reps', 61);
const jsonOut = resolve(opt('--json-out', join(root, 'bench/out/rng.json')));

// ---- the baseline: the generator before the polynomial Box–Muller (kept here only) ----
const M = Math;
function mix32(x) {
  x ^= x >>> 16;
  x = M.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = M.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
function word(x, ka, kb) {
  return mix32(mix32((mix32((x ^ ka) >>> 0) + kb) >>> 0) ^ ka);
}
function oldGaussian(keys, out) {
  const [ka, kb] = keys;
  const count = out.length;
  const TWO_PI = 2 * M.PI;
  let j = 0;
  for (let k = 0; j < count; k++) {
    const u1 = (word(2 * k, ka, kb) + 0.5) / 4294967296;
    const u2 = (word(2 * k + 1, ka, kb) + 0.5) / 4294967296;
    const r = M.sqrt(-2 * M.log(u1));
    const th = TWO_PI * u2;
    out[j++] = r * M.cos(th);
    if (j < count) out[j++] = r * M.sin(th);
  }
  return out;
}

// ---- the current generator, bundled from src/core ----
const outDir = join(root, 'bench/out');
mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, 'rng-bench-core.mjs');
await build({ entryPoints: [join(root, 'src/core/rng.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundle, logLevel: 'error' });
const { gaussian, streamKeys } = await import(pathToFileURL(bundle).href);

const n = 3 * size * size;
const a = new Float32Array(n);
const b = new Float32Array(n);
// both must be standard normal draws (the generators differ, so their bytes do)
const moments = (v) => {
  let m = 0;
  let q = 0;
  for (const x of v) {
    m += x;
    q += x * x;
  }
  return [m / v.length, q / v.length];
};
oldGaussian(streamKeys(1, 2), a);
gaussian(1, 2, b);
for (const [name, v] of [['baseline', a], ['src/core/rng.ts', b]]) {
  const [m, q] = moments(v);
  if (!(Math.abs(m) < 5 / Math.sqrt(n) && Math.abs(q - 1) < 5 * Math.sqrt(2 / n))) throw new Error(`bench/rng: ${name} draws are not N(0, 1): mean ${m}, E[z²] ${q}`);
}

// wall ms, and CPU ms of this process (steadier than wall time on a machine shared with other work)
const time = (f) => {
  const c = process.cpuUsage();
  const t = performance.now();
  f();
  const wall = performance.now() - t;
  const cpu = process.cpuUsage(c);
  return [wall, (cpu.user + cpu.system) / 1000];
};
for (let i = 0; i < 10; i++) {
  oldGaussian(streamKeys(i, 3), a);
  gaussian(i, 3, b);
}
const tOld = [];
const tNew = [];
const cOld = [];
const cNew = [];
const ratios = [];
const cpuRatios = [];
for (let i = 0; i < reps; i++) {
  const seed = 100 + i;
  const runOld = () => oldGaussian(streamKeys(seed, 5), a);
  const runNew = () => gaussian(seed, 5, b);
  let o;
  let w;
  if (i % 2 === 0) {
    o = time(runOld);
    w = time(runNew);
  } else {
    w = time(runNew);
    o = time(runOld);
  }
  tOld.push(o[0]);
  tNew.push(w[0]);
  cOld.push(o[1]);
  cNew.push(w[1]);
  ratios.push(w[0] / o[0]);
  cpuRatios.push(w[1] / Math.max(o[1], 1e-3));
}
const so = stats(tOld);
const sn = stats(tNew);
const sr = stats(ratios);
const co = stats(cOld);
const cn = stats(cNew);
const cr = stats(cpuRatios);
const f2 = (v) => v.toFixed(2);
process.stdout.write(
  `seeded Gaussian draw, 3×${size}² = ${n} values, ${reps} paired turns (node ${process.version})\n` +
    table(
      ['generator', 'median ms', 'q1–q3 ms', 'min ms', 'median CPU ms'],
      [
        ['old (Box–Muller, Math.log/cos/sin)', f2(so.median), `${f2(so.q1)}–${f2(so.q3)}`, f2(so.min), f2(co.median)],
        ['new (src/core/rng.ts, ziggurat)', f2(sn.median), `${f2(sn.q1)}–${f2(sn.q3)}`, f2(sn.min), f2(cn.median)],
      ],
    ) +
    `\nnew/old: ratio of medians ${(sn.median / so.median).toFixed(3)}, median per-turn ratio ${sr.median.toFixed(3)} [q1 ${sr.q1.toFixed(3)}, q3 ${sr.q3.toFixed(3)}]; ` +
    `of min ${(sn.min / so.min).toFixed(3)}; CPU time: median per-turn ratio ${cr.median.toFixed(3)}\n`,
);
const result = {
  size,
  values: n,
  reps,
  old_ms: so.median,
  new_ms: sn.median,
  old_min_ms: so.min,
  new_min_ms: sn.min,
  old_cpu_ms: co.median,
  new_cpu_ms: cn.median,
  ratio_of_medians: sn.median / so.median,
  ratio_of_mins: sn.min / so.min,
  cpu_paired_ratio: cr.median,
  paired_ratio: sr.median,
  paired_ratio_q1: sr.q1,
  paired_ratio_q3: sr.q3,
};
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut + '.tmp', JSON.stringify(result, null, 2) + '\n');
renameSync(jsonOut + '.tmp', jsonOut);
process.stdout.write(JSON.stringify(result) + '\n');
