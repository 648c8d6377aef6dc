// The sampler's per-step work hidden behind the network call (bench/lib/overlap.ts): the real
// onnxruntime-node session of the pack in a worker thread, one whole edit (PNG in → PNG out,
// masked) timed with the overlap (the step's noise drawn while its call is pending) and serially
// (a wrapper that starts each call only after the caller's synchronous work), alternating, in one
// run; the in-process session (the CLI's, whose run() blocks the JS thread) for reference.
//
//   node bench/overlap.mjs            # models/default, 256², dpmpp2m-sde 10 steps, 1 thread, 5 edits each
//   options: --model DIR, --size S, --sampler NAME, --steps N, --reps N, --threads N,
//            --v2-per-call R (the projected columns: a network at R× the measured pack's per-call
//            time; default 0.22, v2/v1 from when v1 was the default),
//            --json-out FILE (default bench/out/overlap.json)
// Ends with one JSON line.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureOverlap, overlapTable } from './lib/overlap-report.mjs';
import { benchArgs } from './lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const { opt, positive } = benchArgs(argv);
const v2PerCall = Number(opt('--v2-per-call', 0.22));
if (!(v2PerCall > 0)) throw new Error(`--v2-per-call must be > 0, got ${opt('--v2-per-call', '')}`);
const guide = join(root, 'models/eval/heldout/scene-10000000.png');
const cfg = {
  model: resolve(opt('--model', join(root, 'models/default'))),
  guide: existsSync(guide) ? guide : null,
  size: positive('--size', 256),
  threads: positive('--threads', 1),
  t0: 0.5,
  sampler: opt('--sampler', 'dpmpp2m-sde'), // the panel's default (src/protocol.ts DEFAULT_SETTINGS)
  steps: positive('--steps', 10),
  reps: positive('--reps', 5),
  v2PerCall,
};
const jsonOut = resolve(opt('--json-out', join(root, 'bench/out/overlap.json')));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const res = await measureOverlap(cfg);
  if (res.error) {
    process.stderr.write(`overlap: ${res.error}\n`);
    process.exit(1);
  }
  process.stdout.write(overlapTable(res) + '\n');
  mkdirSync(dirname(jsonOut), { recursive: true });
  const tmp = `${jsonOut}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ config: cfg, result: res }, null, 2) + '\n');
  renameSync(tmp, jsonOut);
  process.stdout.write(JSON.stringify(res) + '\n');
}
