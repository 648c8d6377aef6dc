// The default edit's overhead in the product, build A against build B, paired (bench/lib/ui-edit-ab.ts).
//
//   git stash && npm run build && cp dist/ui.html /tmp/ui-A.html && git stash pop && npm run build
//   node bench/ui-edit-ab.mjs /tmp/ui-A.html dist/ui.html        # 8 pairs, masked, 256², 10 steps
//   options: --pairs N, --size S, --steps N, --sampler NAME, --unmasked
//
// Prints one JSON line: each build's overheads, medians, the median paired difference (B − A)
// and each build's share of its edit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../src/cli/build-cli.mjs';
import { benchArgs } from './lib/args.mjs';
import { chromiumAvailable } from './lib/browser.mjs';

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
const r = spawnSync(process.execPath, [cjs, JSON.stringify(cfg)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
process.exit(r.status ?? 1);
