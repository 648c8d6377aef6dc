// Runs bench/lib/overlap.ts (bundled to bench/out/overlap.cjs) and formats its result: shared by
// bench/overlap.mjs and bench/run.mjs.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../../src/cli/build-cli.mjs';
import { table } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds and runs bench/lib/overlap.ts; returns its result (or { error }). */
export async function measureOverlap(config) {
  const cjs = join(root, 'bench/out/overlap.cjs');
  await buildCli(join(root, 'bench/lib/overlap.ts'), cjs);
  const r = spawnSync(process.execPath, [cjs, JSON.stringify(config)], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
  if (r.status !== 0) return { error: r.stderr.split('\n').slice(-4).join(' ') };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The result as a table (markdown). */
export function overlapTable(res) {
  const pct = (v) => `${(100 * v).toFixed(2)}%`;
  const row = (name, m) => [name, m.edits, m.wall_ms.toFixed(0), m.network_ms.toFixed(0), `${m.overhead_ms.toFixed(1)} (${m.overhead_ms_min.toFixed(1)})`, pct(m.share), pct(m.share_v2_projected), `${m.js_between_calls_ms.toFixed(1)} (${m.js_between_calls_ms_min.toFixed(1)})`, pct(m.js_share_v2_projected)];
  return (
    `${res.sampler} ${res.steps} steps, ${res.size}², masked, ${res.threads} intra-op thread(s); the pack measured ${res.per_call_ms.toFixed(0)} ms/call; projected for a network at ${res.v2_per_call_ratio}× that time per call (--v2-per-call): ${res.v2_per_call_ms.toFixed(0)} ms/call\n` +
    table(
      ['mode', 'edits', 'edit wall ms (median)', 'Σ network ms', 'overhead ms (min)', 'overhead share', `share at ×${res.v2_per_call_ratio} per call`, 'JS ms between calls (min)', `its share at ×${res.v2_per_call_ratio} per call`],
      [row('overlap (worker session)', res.overlap), row('serial (worker session, no overlap)', res.serial), row('in-process session (CLI)', res.in_process)],
    ) +
    `\nhidden by the overlap (medians of the paired differences): ${res.hidden_ms_paired.toFixed(1)} ms of overhead per edit, ${res.hidden_js_ms_paired.toFixed(1)} ms of JS between calls; wall overlap/serial ${res.wall_ratio_overlap_vs_serial.toFixed(3)}; load average ${res.load_average.toFixed(1)}`
  );
}
