/** @jest-environment ./test/model/ort-node-env.js */
// In-process runs of the command's main(): the progress bar on a TTY, progress lines otherwise,
// --help, and bad inputs (outputs that would destroy an input or cannot be written, runs too big
// for memory, PNG bombs, masks of another size).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { chunk, declaredPng, sha, solidPng } from './png-fixtures';
import { MEMORY_HEADROOM, main, nodeHost, type CliHost, type CliIO } from '../../src/cli/main';
import { nodeOutputFs, type OutputFs } from '../../src/cli/outputs';
import { estimatePeakBytes } from '../../src/model/memory';

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

// ---- bad inputs (issue 11): never destroy a file, never crash inside the allowed range ----

const G = () => path.join(tmp, 'g.png');
const base = (out: string, ...more: string[]) => ['--guide', G(), '--model', MODEL, '--steps', '4', '--size', '16', ...more, '--out', out];


describe('outputs never overwrite an input', () => {
  it.each([
    ['the guide, same path', () => ({ args: base(G()), file: G(), re: /--out .*g\.png is the guide .*choose another --out/ })],
    ['the guide, through a relative path', () => ({ args: base(path.relative(process.cwd(), G())), file: G(), re: /is the guide/ })],
    ['the mask', () => {
      const mask = path.join(tmp, 'm-out.png');
      solidPng(mask, 16, 12, 255);
      return { args: base(mask, '--mask', mask), file: mask, re: /--out .*m-out\.png is the mask/ };
    }],
    ['the guide, as variation 1 of --out v.png', () => {
      const guide = path.join(tmp, 'v-1.png');
      copyFileSync(G(), guide);
      return { args: ['--guide', guide, '--model', MODEL, '--steps', '4', '--size', '16', '--variations', '2', '--out', path.join(tmp, 'v.png')], file: guide, re: /--out .*v\.png with --variations 2 writes .*v-1\.png, which is the guide/ };
    }],
  ] as [string, () => { args: string[]; file: string; re: RegExp }][])('--out that is %s → refused, the file untouched', async (_what, make) => {
    const { args: a, file, re } = make();
    const before = sha(file);
    const t = io(false);
    expect(await main(a, t.x)).toBe(1);
    expect(t.err.join('')).toMatch(re);
    expect(sha(file)).toBe(before);
  });

  it('a hard link to the guide is the guide too', async () => {
    const { linkSync } = await import('node:fs');
    const link = path.join(tmp, 'g-link.png');
    linkSync(G(), link);
    const before = sha(G());
    const t = io(false);
    expect(await main(base(link), t.x)).toBe(1);
    expect(t.err.join('')).toMatch(/g-link\.png is the guide/);
    expect(sha(G())).toBe(before);
  });
});

describe('outputs are checked before the run and written all or none', () => {
  it.each([
    ['a folder whose parent is a file', () => path.join(G(), 'sub', 'x.png'), /cannot write .*x\.png: .*g\.png is a file, not a folder/],
    ['an existing folder', () => tmp, /cannot write .*: it is a folder/],
  ] as [string, () => string, RegExp][])('an output in %s → refused before the model is even loaded', async (_what, out, re) => {
    const t = io(false);
    // a model that does not exist: the output check must come first
    expect(await main(['--guide', G(), '--model', '/nonexistent/model', '--out', out()], t.x)).toBe(1);
    expect(t.err.join('')).toMatch(re);
  });

  it('a missing output folder is created', async () => {
    const out = path.join(tmp, 'new', 'deeper', 'n.png');
    const t = io(false);
    expect(await main(base(out), t.x)).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  function failing(what: 'writeFile' | 'rename', onCall: number): { host: CliHost; calls: () => number } {
    let calls = 0;
    const fs: OutputFs = {
      ...nodeOutputFs,
      [what]: async (a: string, b: never) => {
        if (++calls === onCall) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return nodeOutputFs[what](a, b);
      },
    };
    return { host: { ...nodeHost, fs }, calls: () => calls };
  }

  it('a failed write of variation 2 (disk full) leaves both existing outputs as they were and no temporary files', async () => {
    const dir = path.join(tmp, 'full');
    mkdirSync(dir);
    const outs = [path.join(dir, 'r-1.png'), path.join(dir, 'r-2.png')];
    for (const f of outs) solidPng(f, 4, 4, 9);
    const before = outs.map(sha);
    const { host, calls } = failing('writeFile', 2);
    const t = io(false);
    expect(await main(base(path.join(dir, 'r.png'), '--variations', '2'), t.x, host)).toBe(1);
    expect(calls()).toBe(2);
    expect(t.err.join('')).toMatch(/could not write .*r-2\.png \(the disk is full\); no output file was changed/);
    expect(outs.map(sha)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['r-1.png', 'r-2.png']);
  });

  it('a failed write of a single output does not truncate the existing file', async () => {
    const dir = path.join(tmp, 'full1');
    mkdirSync(dir);
    const out = path.join(dir, 'one.png');
    solidPng(out, 4, 4, 9);
    const before = sha(out);
    const t = io(false);
    expect(await main(base(out), t.x, failing('writeFile', 1).host)).toBe(1);
    expect(sha(out)).toBe(before);
    expect(readdirSync(dir)).toEqual(['one.png']);
  });

  it('a failed rename says which outputs were written and leaves no temporary files', async () => {
    const dir = path.join(tmp, 'ren');
    mkdirSync(dir);
    const t = io(false);
    expect(await main(base(path.join(dir, 'q.png'), '--variations', '3'), t.x, failing('rename', 2).host)).toBe(1);
    expect(t.err.join('')).toMatch(/could not write .*q-2\.png \(the disk is full\); .*q-1\.png was written, the others were left as they were/);
    expect(readdirSync(dir)).toEqual(['q-1.png']);
  });
});

describe('memory', () => {
  // the tiny model at --size 16: a 16×12 guide runs at 16×12
  const bytes = (batch: number) => estimatePeakBytes({ width: 16, height: 12, batch, modelBytes: readFileSync(path.join(MODEL, 'tiny.onnx')).length });
  const withMemory = (available: number): CliHost => ({ ...nodeHost, availableMemory: () => available });

  it('variations that do not fit at once run in smaller batches, giving the same images', async () => {
    const whole = io(false);
    expect(await main(base(path.join(tmp, 'whole.png'), '--variations', '4', '--json'), whole.x)).toBe(0);
    expect(JSON.parse(whole.out[0]).batches).toEqual([4]);
    const t = io(false);
    // room for 2 images at once, not 3
    expect(await main(base(path.join(tmp, 'split.png'), '--variations', '4', '--json'), t.x, withMemory(bytes(2.5) / MEMORY_HEADROOM))).toBe(0);
    const j = JSON.parse(t.out[0]);
    expect(j.batches).toEqual([2, 2]);
    expect(j.network_calls).toBe(8);
    expect(t.err.join('')).toMatch(/^sdedit: 4 variations at 16×12 px need more than the .* GB of memory available at once: running them in 2 batches of at most 2\n$/);
    for (let i = 1; i <= 4; i++) expect(sha(path.join(tmp, `split-${i}.png`))).toBe(sha(path.join(tmp, `whole-${i}.png`)));
  });

  it('a run where not even one image fits is refused at once, naming the memory and what to change', async () => {
    const out = path.join(tmp, 'nomem.png');
    const t = io(false);
    expect(await main(base(out), t.x, withMemory(bytes(0.5) / MEMORY_HEADROOM))).toBe(1);
    expect(t.err.join('')).toMatch(/^sdedit: --size 16 \(16×12 px\) needs about 0\.1 GB of memory for one image, and 0\.1 GB is available: use --size 8 or less\n$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('PNG inputs', () => {
  const cases: [string, () => Buffer, RegExp][] = [
    ['declaring 12000×12000 (a PNG bomb)', () => declaredPng(12000, 12000, 1), /guide .*bomb\.png declares 12000×12000 px \(144\.0 Mpx\), more than the 4096×4096 px \(16\.8 Mpx\) this command reads/],
    ['of width 0', () => declaredPng(0, 64), /guide .*bomb\.png declares an image of 0×64 px, which has no pixels/],
    ['cut short', () => declaredPng(16, 16).subarray(0, 60), /guide .*bomb\.png is cut short: the file ends before its image data does/],
    ['without an IHDR chunk', () => Buffer.concat([declaredPng(4, 4).subarray(0, 8), chunk('IEND', Buffer.alloc(0))]), /guide .*bomb\.png is cut short or damaged: it has no image header/],
  ];
  it.each(cases)('a guide %s → a plain one-line refusal, exit 1', async (_what, bytes, re) => {
    const file = path.join(tmp, 'bomb.png');
    writeFileSync(file, bytes());
    const t = io(false);
    const started = Date.now();
    expect(await main(['--guide', file, '--model', MODEL, '--out', path.join(tmp, 'bomb-out.png')], t.x)).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    const err = t.err.join('');
    expect(err).toMatch(re);
    expect(err).not.toMatch(/waitng|stream/);
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(existsSync(path.join(tmp, 'bomb-out.png'))).toBe(false);
  });

  it('a model whose network takes one size only: ONNX Runtime\'s dimension error becomes a sentence', async () => {
    // the tiny model with the height and width of input x fixed to 32 (protobuf: dim_param "H"/"W"
    // → dim_value 32, written in the same three bytes as a two-byte varint)
    const dir = path.join(tmp, 'fixed-pack');
    mkdirSync(dir);
    const onnx = Buffer.from(readFileSync(path.join(MODEL, 'tiny.onnx')));
    const at = (c: string) => onnx.indexOf(Buffer.from([0x12, 0x01, c.charCodeAt(0)]));
    for (const i of [at('H'), at('W')]) onnx.set([0x08, 0xa0, 0x00], i);
    writeFileSync(path.join(dir, 'tiny.onnx'), onnx);
    const json = JSON.parse(readFileSync(path.join(MODEL, 'model.json'), 'utf8'));
    json.files[0].sha256 = createHash('sha256').update(onnx).digest('hex');
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const t = io(false);
    expect(await main(['--guide', G(), '--model', dir, '--steps', '2', '--size', '16', '--out', path.join(tmp, 'fixed.png')], t.x)).toBe(1);
    expect(t.err.join('')).toBe('sdedit: model "tiny-test" cannot run at 16×12 px: its network takes only height 32 (got 12), width 32 (got 16); use --size 32\n');
    const ok = io(false);
    const square = path.join(tmp, 'square.png');
    solidPng(square, 32, 32, 100);
    expect(await main(['--guide', square, '--model', dir, '--steps', '2', '--size', '32', '--out', path.join(tmp, 'fixed.png')], ok.x)).toBe(0);
  });
});

describe('a mask of another size than the guide', () => {
  it('same aspect ratio → scaled, with a warning naming both sizes', async () => {
    const mask = path.join(tmp, 'half-mask.png');
    solidPng(mask, 8, 6, 255);
    const t = io(false);
    expect(await main(base(path.join(tmp, 'hm.png'), '--mask', mask), t.x)).toBe(0);
    expect(t.err[0]).toMatch(/^sdedit: warning: the mask .*half-mask\.png is 8×6 px and the guide .*g\.png 16×12 px; the mask is scaled to the guide\n$/);
  });

  it('another aspect ratio → refused', async () => {
    const mask = path.join(tmp, 'square-mask.png');
    solidPng(mask, 12, 12, 255);
    const t = io(false);
    expect(await main(base(path.join(tmp, 'sm.png'), '--mask', mask), t.x)).toBe(1);
    expect(t.err.join('')).toMatch(/the mask .*square-mask\.png is 12×12 px and the guide .*g\.png 16×12 px: their aspect ratios differ \(1\.000 and 1\.333\), so the mask would not line up/);
    expect(existsSync(path.join(tmp, 'sm.png'))).toBe(false);
  });
});

it('outside a terminal, a long run prints a progress line every few seconds', async () => {
  let clock = 0;
  const slow: CliHost = { ...nodeHost, now: () => (clock += 1500) };
  const t = io(false);
  const a = base(path.join(tmp, 'slow.png'));
  a[a.indexOf('--steps') + 1] = '8';
  expect(await main(a, t.x, slow)).toBe(0);
  const lines = t.err.join('').split('\n').filter((l) => l.startsWith('sdedit: step'));
  expect(lines.length).toBeGreaterThanOrEqual(2);
  for (const l of lines) expect(l).toMatch(/^sdedit: step \d\/8, \d+ s so far, about \d+ s left$/);
});
