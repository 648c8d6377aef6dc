/** @jest-environment ./test/model/ort-node-env.js */
// `sdedit --t0 auto`: the chosen t0 is printed and in --json under `t0`; packs without a
// noise_level_error table get the CLI's default t0, and say so.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { parseArgs } from '../../src/cli/args';
import { FALLBACK_T0 } from '../../src/cli/auto-t0';
import { main, type CliIO } from '../../src/cli/main';

const TINY = path.join(__dirname, '../fixtures/tiny-model');
const DEFAULT = path.join(__dirname, '../../models/default');
const SCENE = path.join(__dirname, '../../models/eval/heldout/scene-10000000.png');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sdedit-auto-'));
  // flat colour blocks: a stroke painting
  const png = new PNG({ width: 64, height: 64 });
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const i = 4 * (y * 64 + x);
      const cell = (x >> 4) + 4 * (y >> 4);
      png.data[i] = (cell * 53) % 256;
      png.data[i + 1] = (cell * 97) % 256;
      png.data[i + 2] = (cell * 31) % 256;
      png.data[i + 3] = 255;
    }
  }
  writeFileSync(path.join(tmp, 'strokes.png'), PNG.sync.write(png));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const x: CliIO = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s), isTTY: false } };
  return { x, out, err };
}

it('parses --t0 auto and still rejects other words', () => {
  const base = ['--guide', 'g.png', '--out', 'o.png'];
  const r = parseArgs([...base, '--t0', 'auto']);
  expect(r.help === false && r.options.t0).toBe('auto');
  expect(() => parseArgs([...base, '--t0', 'half'])).toThrow(/--t0 must be a number, got 'half'/);
});

it('falls back to the default t0 for a pack without a noise-level table, and says so', async () => {
  const t = io();
  const args = ['--guide', path.join(tmp, 'strokes.png'), '--model', TINY, '--t0', 'auto', '--steps', '2', '--size', '16', '--json', '--out', path.join(tmp, 'a.png')];
  expect(await main(args, t.x)).toBe(0);
  const report = JSON.parse(t.out[0]);
  expect(report.t0).toBe(FALLBACK_T0);
  expect(report.params.t0).toBe(FALLBACK_T0);
  expect(report.params.t0_auto).toMatchObject({ source: 'fallback', network_evaluations: 0 });
  expect(t.err.join('')).toMatch(/sdedit: auto t0 0.5 \(the pack has no noise_level_error table/);
});

it('measures t0 with the default pack: more noise for flat strokes than for a real scene', async () => {
  const run = async (guide: string, out: string) => {
    const t = io();
    expect(await main(['--guide', guide, '--model', DEFAULT, '--t0', 'auto', '--sampler', 'ddim', '--steps', '2', '--size', '64', '--json', '--out', path.join(tmp, out)], t.x)).toBe(0);
    const report = JSON.parse(t.out[0]);
    expect(report.params.t0_auto.source).toBe('noise-level');
    expect(report.params.t0_auto.network_evaluations).toBeLessThanOrEqual(8);
    expect(report.params.t0).toBe(report.t0);
    expect(t.err.join('')).toContain(`sdedit: auto t0 ${report.t0.toFixed(2)}`);
    // 2 DDIM steps + at most 8 evaluations for the suggestion are not in network_calls
    expect(report.network_calls).toBe(2);
    return report.t0 as number;
  };
  const real = await run(SCENE, 'real.png');
  const strokes = await run(path.join(tmp, 'strokes.png'), 'strokes-out.png');
  expect(real).toBeLessThanOrEqual(0.2);
  expect(strokes).toBeGreaterThan(real + 0.2);
}, 60_000);
