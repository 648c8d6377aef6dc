// End to end: the sdedit command as a child process (bin/sdedit.js → dist/cli.cjs, built on
// demand) with the tiny fixture model on small generated PNGs.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { chwToRgba, maskFromRgba, resizeChw, resizeMask, rgbaToChw } from '../../src/core';

const ROOT = path.join(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/sdedit.js');
const MODEL = path.join(ROOT, 'test/fixtures/tiny-model');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sdedit-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writePng(file: string, w: number, h: number, px: (x: number, y: number) => [number, number, number]) {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      const [r, g, b] = px(x, y);
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    }
  }
  writeFileSync(file, PNG.sync.write(png));
}

function readPng(file: string) {
  const png = PNG.sync.read(readFileSync(file));
  return { w: png.width, h: png.height, data: new Uint8Array(png.data) };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function sdedit(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const guide = () => path.join(tmp, 'guide.png');
beforeAll(() => {
  // 48×36 gradient with a block: resized to 32×24 by --size 32
  writePng(guide(), 48, 36, (x, y) => (x > 10 && x < 20 && y > 8 && y < 30 ? [240, 40, 30] : [x * 5, 60 + y * 4, 200 - x * 2]));
  // mask: right half white (edit), left half black (keep)
  writePng(path.join(tmp, 'mask.png'), 48, 36, (x) => (x >= 24 ? [255, 255, 255] : [0, 0, 0]));
  writePng(path.join(tmp, 'black.png'), 48, 36, () => [0, 0, 0]);
  writePng(path.join(tmp, 'square.png'), 36, 36, () => [255, 255, 255]);
  writeFileSync(path.join(tmp, 'notpng.png'), 'hello, I am not a PNG');
  // a PNG bomb: a small file whose header declares 12000×12000 (CRC fixed up, data left short)
  const bomb = Buffer.from(readFileSync(guide()));
  bomb.writeUInt32BE(12000, 16);
  bomb.writeUInt32BE(12000, 20);
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
  writeFileSync(path.join(tmp, 'bomb.png'), bomb);
});

jest.setTimeout(180000);

describe('sdedit CLI', () => {
  it('runs an edit with --json: output at the working size, timings, outputs', async () => {
    const out = path.join(tmp, 'out', 'plain.png');
    const r = await sdedit(['--guide', guide(), '--model', MODEL, '--t0', '0.4', '--steps', '6', '--size', '32', '--seed', '7', '--json', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(j.params).toMatchObject({ t0: 0.4, steps: 6, sampler: 'ddpm', seed: 7, size: 32, variations: 1 });
    expect(j.params.signal_kept).toBeGreaterThan(0);
    expect(j.width).toBe(32);
    expect(j.height).toBe(24);
    expect(j.network_calls).toBe(6);
    expect(j.backend).toMatch(/onnxruntime-node/);
    expect(j.outputs).toEqual([out]);
    for (const k of ['total_ms', 'network_ms', 'other_ms']) expect(j.timings[k]).toBeGreaterThan(0);
    expect(j.timings.network_ms + j.timings.other_ms).toBeCloseTo(j.timings.total_ms, 0);
    const png = readPng(out);
    expect([png.w, png.h]).toEqual([32, 24]);

    // same seed → same bytes
    const out2 = path.join(tmp, 'out', 'plain2.png');
    const r2 = await sdedit(['--guide', guide(), '--model', MODEL, '--t0', '0.4', '--steps', '6', '--size', '32', '--seed', '7', '--out', out2]);
    expect(r2.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(out2))).toBe(0);
  });

  it('with a mask, kept pixels equal the (resized) guide exactly; variations get -1, -2', async () => {
    const out = path.join(tmp, 'masked.png');
    // --size 30 rounds to 32 (multiple 4); 26 rows → padded to 28 and cropped back
    const r = await sdedit(['--guide', guide(), '--mask', path.join(tmp, 'mask.png'), '--model', MODEL, '--t0', '0.6', '--steps', '5', '--size', '30', '--variations', '2', '--sampler', 'ddim', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.outputs).toEqual([path.join(tmp, 'masked-1.png'), path.join(tmp, 'masked-2.png')]);
    const W = 32;
    const H = 24;
    const g = readPng(guide());
    const expected = chwToRgba(resizeChw(rgbaToChw(g.data, g.w, g.h), 3, g.h, g.w, H, W), W, H);
    const m = readPng(path.join(tmp, 'mask.png'));
    const mask = resizeMask(maskFromRgba(m.data, m.w, m.h), m.h, m.w, H, W);
    const a = readPng(j.outputs[0]);
    const b = readPng(j.outputs[1]);
    expect([a.w, a.h]).toEqual([W, H]);
    let kept = 0;
    let editedDiff = 0;
    for (let p = 0; p < W * H; p++) {
      for (let c = 0; c < 3; c++) {
        if (mask[p] === 0) {
          expect(a.data[4 * p + c]).toBe(expected[4 * p + c]);
          expect(b.data[4 * p + c]).toBe(expected[4 * p + c]);
          kept++;
        } else if (mask[p] === 1) editedDiff += Math.abs(a.data[4 * p + c] - b.data[4 * p + c]);
      }
    }
    expect(kept).toBeGreaterThan(3 * W * H * 0.4);
    expect(editedDiff).toBeGreaterThan(0); // the variations differ where edited
  });

  it("runs the few-step solvers on the panel's grid unless --grid says otherwise", async () => {
    const run = async (name: string, extra: string[]) => {
      const out = path.join(tmp, `grid-${name}.png`);
      const r = await sdedit(['--guide', guide(), '--model', MODEL, '--t0', '0.5', '--steps', '4', '--size', '32', '--sampler', 'dpmpp2m-sde', ...extra, '--json', '--out', out]);
      expect(r.code).toBe(0);
      return { params: JSON.parse(r.stdout).params, png: readFileSync(out) };
    };
    const panel = await run('default', []);
    const logsnr = await run('logsnr', ['--grid', 'logsnr']);
    const time = await run('time', ['--grid', 'time']);
    expect(panel.params.grid).toBe('logsnr');
    expect(time.params.grid).toBe('time');
    expect(panel.png.equals(logsnr.png)).toBe(true);
    expect(panel.png.equals(time.png)).toBe(false);
  });

  it.each(['dpmpp2m', 'dpmpp2m-sde'])('the few-step solver %s on the logsnr grid: its steps are its calls, kept pixels stay', async (sampler) => {
    const out = path.join(tmp, `${sampler}.png`);
    const r = await sdedit(['--guide', guide(), '--mask', path.join(tmp, 'mask.png'), '--model', MODEL, '--t0', '0.5', '--steps', '4', '--size', '32', '--sampler', sampler, '--grid', 'logsnr', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.params).toMatchObject({ sampler, steps: 4, grid: 'logsnr' });
    expect(j.network_calls).toBe(4);
    const m = readPng(path.join(tmp, 'mask.png'));
    const W = 32;
    const H = 24;
    const mask = resizeMask(maskFromRgba(m.data, m.w, m.h), m.h, m.w, H, W);
    const g = readPng(guide());
    const expected = chwToRgba(resizeChw(rgbaToChw(g.data, g.w, g.h), 3, g.h, g.w, H, W), W, H);
    const a = readPng(out);
    for (let p = 0; p < W * H; p++) if (mask[p] === 0) for (let c = 0; c < 3; c++) expect(a.data[4 * p + c]).toBe(expected[4 * p + c]);
  });

  it('pads to the multiple and crops back (non-multiple height)', async () => {
    const tall = path.join(tmp, 'odd.png');
    writePng(tall, 40, 13, (x, y) => [x * 6, y * 18, 90]);
    const out = path.join(tmp, 'odd-out.png');
    const r = await sdedit(['--guide', tall, '--model', MODEL, '--steps', '2', '--size', '40', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.width, j.height]).toEqual([40, 13]);
    expect(j.padded).toEqual([40, 16]);
    const png = readPng(out);
    expect([png.w, png.h]).toEqual([40, 13]);
  });

  /** Flags that replace the base command's values, or are added to it. */
  const bad: [string, () => Record<string, string | null>, RegExp][] = [
    ['unknown flag', () => ({ '--bogus': null }), /unknown option --bogus/],
    ['t0 outside (0, 1]', () => ({ '--t0': '0' }), /--t0 must be in \(0, 1\]/],
    ['missing guide file', () => ({ '--guide': '/nonexistent/g.png' }), /guide not found: \/nonexistent\/g.png/],
    ['guide not a PNG', () => ({ '--guide': path.join(tmp, 'notpng.png') }), /is not a PNG file/],
    ['all-black mask', () => ({ '--mask': path.join(tmp, 'black.png') }), /the mask selects nothing/],
    ['guide declaring 12000×12000 px', () => ({ '--guide': path.join(tmp, 'bomb.png') }), /declares 12000×12000 px \(144\.0 Mpx\), more than the 4096×4096 px \(16\.8 Mpx\)/],
    ['mask of another aspect ratio', () => ({ '--mask': path.join(tmp, 'square.png') }), /the mask .*square\.png is 36×36 px and the guide .*guide\.png 48×36 px: their aspect ratios differ/],
    ['model dir missing', () => ({ '--model': '/nonexistent/model' }), /model directory not found/],
    ['sampler for the other SDE', () => ({ '--sampler': 've' }), /needs a VE schedule/],
  ];
  it.each(bad)('%s → one line on stderr, non-zero exit', async (_what, flags, re) => {
    const base: Record<string, string | null> = { '--guide': guide(), '--model': MODEL, '--steps': '2', '--size': '16', '--out': path.join(tmp, 'bad.png') };
    const args = Object.entries({ ...base, ...flags() }).flatMap(([k, v]) => (v === null ? [k] : [k, v]));
    const r = await sdedit(args);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sdedit: /);
    expect(lines[0]).toMatch(re);
    expect(existsSync(path.join(tmp, 'bad.png'))).toBe(false);
  });

  it('--out equal to the guide → refused, the guide untouched', async () => {
    const before = readFileSync(guide());
    const r = await sdedit(['--guide', guide(), '--model', MODEL, '--steps', '2', '--size', '16', '--out', path.relative(ROOT, guide())]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sdedit: --out .*guide\.png is the guide .*choose another --out\n$/);
    expect(Buffer.compare(readFileSync(guide()), before)).toBe(0);
  });

  it('hash mismatch in the pack → one-line error', async () => {
    const dir = path.join(tmp, 'badpack');
    mkdirSync(dir);
    const onnx = readFileSync(path.join(MODEL, 'tiny.onnx'));
    onnx[onnx.length - 1] ^= 1;
    writeFileSync(path.join(dir, 'tiny.onnx'), onnx);
    writeFileSync(path.join(dir, 'model.json'), readFileSync(path.join(MODEL, 'model.json')));
    const r = await sdedit(['--guide', guide(), '--model', dir, '--out', path.join(tmp, 'bad.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sdedit: model file tiny.onnx has sha256 .*model.json says/);
  });
});
