// Bundle the `sdedit` command: src/cli/main.ts → dist/cli.cjs (node, CommonJS).
// onnxruntime-node stays external (native addon). Written to a temporary file and renamed, so
// that two builds racing (e.g. parallel tests) never leave a half-written bundle.
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outfile = join(root, 'dist', 'cli.cjs');

/** Bundle `entry` into one CommonJS file for Node 20 at `out` (also used by bench/ for its
 *  child-process parts); `external` stay require()s. */
export async function buildCli(entry = join(root, 'src', 'cli', 'main.ts'), out = outfile, external = ['onnxruntime-node']) {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await build({
      entryPoints: [entry],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external,
      logLevel: 'warning',
    });
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

/** The `sdedit-eval` command (src/cli/eval/main.ts → dist/eval.cjs). */
export function buildEval() {
  return buildCli(join(root, 'src', 'cli', 'eval', 'main.ts'), join(root, 'dist', 'eval.cjs'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === 'eval') await buildEval();
  else await buildCli();
}
