// The default edit's overhead in the product, build A against build B, paired (bench/lib/ui-edit-ab.ts).
//
//   git stash && npm run build && cp dist/ui.html /tmp/ui-A.html && git stash pop && npm run build
//   node bench/ui-edit-ab.mjs /tmp/ui-A.html dist/ui.html        # 8 pairs, masked, 256², 10 steps
//   options: --pairs N, --size S, --steps N, --sampler NAME, --unmasked
//
// Prints one JSON line: each build's overheads, medians (bench/lib/stats.mjs), the median paired
// difference (B − A) and each build's share of its edit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../src/cli/build-cli.mjs';
import { benchArgs } from './lib/args.mjs';
import { chromiumAvailable } from './lib/browser.mjs';
import { stats } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const files = argv.slice(0, 2); // the two builds come first, the options after them
const { opt, positive } = benchArgs(argv.slice(2));
if (files.length !== 2 || files.some((f) => f.startsWith('--') || !existsSync(f))) {
  console.error('usage: node bench/ui-edit-ab.mjs A.html B.html [--pairs 8] [--size 256] [--steps 10] [--sampler dpmpp2m-sde] [--unmasked]');
  process.exit(2);
}
if (!chromiumAvailable()) {
  console.log('bench/ui-edit-ab: skipped: no /usr/bin/chromium');
  process.exit(0);
}
const cjs = join(root, 'bench/out/ui-edit-ab.cjs');
await buildCli(join(root, 'bench/lib/ui-edit-ab.ts'), cjs, ['playwright-core', 'pngjs']);
const cfg = {
  a: resolve(files[0]),
  b: resolve(files[1]),
  pairs: positive('--pairs', 8),
  size: positive('--size', 256),
  steps: positive('--steps', 10),
  sampler: opt('--sampler', 'dpmpp2m-sde'),
  masked: !argv.includes('--unmasked'),
};
const r = spawnSync(process.execPath, [cjs, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
if (r.status !== 0) process.exit(r.status ?? 1);
const raw = JSON.parse(r.stdout.trim().split('\n').pop());
const median = (v) => stats(v).median;
const side = (edits) => {
  const overhead = median(edits.map((e) => e.overheadMs));
  const network = median(edits.map((e) => e.networkMs));
  return { overhead_ms: edits.map((e) => Math.round(e.overheadMs)), median_overhead_ms: overhead, median_network_ms: network, share: overhead / (overhead + network) };
};
const summary = {
  ...raw,
  a: side(raw.a),
  b: side(raw.b),
  median_paired_difference_ms: median(raw.a.map((e, i) => raw.b[i].overheadMs - e.overheadMs)),
};
console.log(JSON.stringify(summary));
