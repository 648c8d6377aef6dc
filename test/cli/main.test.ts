/** @jest-environment ./test/model/ort-node-env.js */
// In-process runs of the command's main(): the progress bar on a TTY, quiet otherwise, --help.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { main, type CliIO } from '../../src/cli/main';

const MODEL = path.join(__dirname, '../fixtures/tiny-model');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sdedit-main-'));
  const png = new PNG({ width: 16, height: 12 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 37) % 256;
  writeFileSync(path.join(tmp, 'g.png'), PNG.sync.write(png));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io(isTTY: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const x: CliIO = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s), isTTY } };
  return { x, out, err };
}

const args = (out: string) => ['--guide', path.join(tmp, 'g.png'), '--model', MODEL, '--steps', '4', '--size', '16', '--out', path.join(tmp, out)];

it('draws a progress bar (step k/N, ms/step) on a TTY', async () => {
  const t = io(true);
  expect(await main(args('a.png'), t.x)).toBe(0);
  const text = t.err.join('');
  for (let k = 1; k <= 4; k++) expect(text).toMatch(new RegExp(`\\r\\[[#.]{30}\\] step ${k}/4 +\\d+ ms/step`));
  expect(text).toMatch(/sdedit: wrote .*a\.png \(16×12/);
  expect(existsSync(path.join(tmp, 'a.png'))).toBe(true);
});

it('prints no progress when stderr is not a TTY, and only JSON on stdout with --json', async () => {
  const t = io(false);
  expect(await main([...args('b.png'), '--json'], t.x)).toBe(0);
  expect(t.err.join('')).toBe('');
  expect(t.out).toHaveLength(1);
  expect(JSON.parse(t.out[0]).outputs).toEqual([path.join(tmp, 'b.png')]);
});

it('--help prints usage and exits 0; bad arguments exit 2', async () => {
  const h = io(false);
  expect(await main(['--help'], h.x)).toBe(0);
  expect(h.out.join('')).toMatch(/^usage: sdedit --guide/);
  const b = io(false);
  expect(await main(['--guide'], b.x)).toBe(2);
  expect(b.err).toEqual(['sdedit: --guide needs a value\n']);
});

it('runs a VE pack (eps output adapted to the score) with the ve sampler by default', async () => {
  const { mkdirSync, readFileSync, copyFileSync } = await import('node:fs');
  const dir = path.join(tmp, 've-pack');
  mkdirSync(dir);
  copyFileSync(path.join(MODEL, 'tiny.onnx'), path.join(dir, 'tiny.onnx'));
  const json = JSON.parse(readFileSync(path.join(MODEL, 'model.json'), 'utf8'));
  json.sde = { type: 've', sigma_min: 0.01, sigma_max: 50 };
  json.time_input = 'continuous';
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  const t = io(false);
  const a = ['--guide', path.join(tmp, 'g.png'), '--model', dir, '--t0', '0.3', '--steps', '3', '--size', '16', '--json', '--out', path.join(tmp, 've.png')];
  expect(await main(a, t.x)).toBe(0);
  const j = JSON.parse(t.out[0]);
  expect(j.params.sampler).toBe('ve');
  expect(j.model.sde).toBe('ve');
  expect(j.params.signal_kept).toBeCloseTo(1 / (0.01 * 5000 ** 0.3), 6);
  const d = io(false);
  expect(await main([...a.slice(0, -2), '--sampler', 'ddpm', '--out', path.join(tmp, 've2.png')], d.x)).toBe(1);
  expect(d.err.join('')).toMatch(/^sdedit: sampler 'ddpm' needs a VP schedule/);
  const e = io(false);
  expect(await main([...a.slice(0, -2), '--sampler', 'dpmpp2m-sde', '--out', path.join(tmp, 've3.png')], e.x)).toBe(1);
  expect(e.err.join('')).toMatch(/^sdedit: sampler 'dpmpp2m-sde' needs a VP schedule/);
});
