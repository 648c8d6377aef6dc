/** @jest-environment ./test/model/ort-node-env.js */
// `sdedit --model DIR` with a diffusers folder, and `sdedit pack describe`, in process.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { type CliHost, main, nodeHost } from '../../src/cli/main';
import { type OutputFs, nodeOutputFs } from '../../src/cli/outputs';
import { declaredPng, sha, solidPng } from '../cli/png-fixtures';
import { PACKS_DIR } from './reference';

const tmp = mkdtempSync(path.join(tmpdir(), 'sdedit-latent-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } } };
}

function png(file: string, w: number, h: number, f: (x: number, y: number) => [number, number, number]): void {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = f(x, y);
      p.data.set([r, g, b, 255], 4 * (y * w + x));
    }
  }
  writeFileSync(file, PNG.sync.write(p));
}

const guide = path.join(tmp, 'guide.png');
const mask = path.join(tmp, 'mask.png');
png(guide, 96, 80, (x, y) => [(x * 7) % 256, (y * 5) % 256, (x * y) % 256]);
png(mask, 96, 80, (x) => (x < 40 ? [255, 255, 255] : [0, 0, 0]));

test('a latent pack edit: JSON with prompt, pack, scheduler, timesteps; full-size output with kept pixels byte-identical', async () => {
  const r = io();
  const out = path.join(tmp, 'out.png');
  const code = await main(['--model', path.join(PACKS_DIR, 'ortweb-fp32'), '--guide', guide, '--mask', mask, '--prompt', 'a photo of a cat', '--t0', '0.75', '--steps', '4', '--size', '64', '--json', '--out', out], r.io);
  expect(r.err.join('')).toBe('');
  expect(code).toBe(0);
  const rep = JSON.parse(r.out.join(''));
  expect(rep.params.prompt).toBe('a photo of a cat');
  expect(rep.params.t0_means).toMatch(/strength/);
  expect(rep.scheduler.class).toBe('EulerDiscreteScheduler');
  expect(rep.timesteps).toEqual([749, 499, 249]);
  expect(rep.network_calls).toBe(3);
  const g = PNG.sync.read(readFileSync(guide));
  const o = PNG.sync.read(readFileSync(out));
  expect([o.width, o.height]).toEqual([96, 80]);
  let kept = 0;
  let changed = 0;
  for (let p = 0; p < 96 * 80; p++) {
    const x = p % 96;
    const same = [0, 1, 2].every((c) => o.data[4 * p + c] === g.data[4 * p + c]);
    if (x >= 40) {
      expect(same).toBe(true);
      kept++;
    } else if (!same) changed++;
  }
  expect(kept).toBe(56 * 80);
  expect(changed).toBeGreaterThan(1000);
});

test('--help for a latent pack says t0 is diffusers strength; bad sizes and flags are one line, exit 2', async () => {
  const dir = path.join(PACKS_DIR, 'lcm');
  const h = io();
  expect(await main(['--model', dir, '--help'], h.io)).toBe(0);
  expect(h.out.join('')).toMatch(/diffusers' img2img\s+strength/);
  const s = io();
  expect(await main(['--model', dir, '--guide', guide, '--out', path.join(tmp, 'x.png'), '--size', '100'], s.io)).toBe(2);
  expect(s.err.join('')).toMatch(/--size must be a multiple of 64/);
  const u = io();
  expect(await main(['--model', dir, '--guide', guide, '--out', path.join(tmp, 'x.png'), '--grid', 'time'], u.io)).toBe(2);
  expect(u.err.join('')).toMatch(/unknown option --grid for a latent pack/);
});

test('pack describe prints kind, schedule, I/O and hashes; --write-sidecar writes model.json that later loads verify', async () => {
  const dir = path.join(tmp, 'pack');
  cpSync(path.join(PACKS_DIR, 'external-data'), dir, { recursive: true });
  const d = io();
  expect(await main(['pack', 'describe', dir], d.io)).toBe(0);
  const text = d.out.join('');
  expect(text).toMatch(/kind\s+latent \(OnnxStableDiffusionPipeline/);
  expect(text).toMatch(/DPMSolverMultistepScheduler: scaled_linear/);
  expect(text).toMatch(/timestep float32 \[batch\]/);
  expect(text).toMatch(/external data unet\/model\.onnx_data/);
  expect(text).toMatch(/[0-9a-f]{64}\s+unet\/model\.onnx_data/);
  const w = io();
  expect(await main(['pack', 'describe', dir, '--write-sidecar', '--name', 'tiny', '--license', 'MIT', '--json'], w.io)).toBe(0);
  const side = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  expect(side.kind).toBe('latent');
  expect(side.license.id).toBe('MIT');
  expect(side.recommended).toEqual({ steps: 25, t0: 0.75, guidance: 7.5 });
  expect(side.files.some((f: { name: string }) => f.name === 'unet/model.onnx_data')).toBe(true);
  // an existing sidecar is never written over without --replace
  const again = io();
  expect(await main(['pack', 'describe', dir, '--write-sidecar', '--name', 'other', '--license', 'CC0'], again.io)).toBe(2);
  expect(again.err.join('')).toMatch(/model\.json already exists; nothing was written \(add --replace/);
  expect(JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')).license.id).toBe('MIT');
  const replaced = io();
  expect(await main(['pack', 'describe', dir, '--write-sidecar', '--replace', '--name', 'tiny', '--license', 'MIT'], replaced.io)).toBe(0);
  // a load verifies the sidecar: a changed byte is one message naming the file
  const ok = io();
  expect(await main(['--model', dir, '--guide', guide, '--out', path.join(tmp, 'e.png'), '--size', '64', '--steps', '4', '--prompt', 'a cat'], ok.io)).toBe(0);
  const data = path.join(dir, 'unet', 'model.onnx_data');
  const bytes = readFileSync(data);
  bytes[100] ^= 1;
  writeFileSync(data, bytes);
  const bad = io();
  expect(await main(['--model', dir, '--guide', guide, '--out', path.join(tmp, 'e.png'), '--size', '64'], bad.io)).toBe(1);
  expect(bad.err.join('')).toMatch(/unet\/model\.onnx_data has sha256 .* model\.json says/);
  expect(existsSync(path.join(dir, 'model.json'))).toBe(true);
});

test('a static-shape fp16 pack takes its one size; another --size is one message', async () => {
  const dir = path.join(PACKS_DIR, 'webnn-fp16');
  const r = io();
  expect(await main(['--model', dir, '--guide', guide, '--prompt', 'a cat', '--json', '--out', path.join(tmp, 'w.png')], r.io)).toBe(0);
  expect(JSON.parse(r.out.join('')).padded).toEqual([64, 64]);
  const bad = io();
  expect(await main(['--model', dir, '--guide', guide, '--size', '128', '--out', path.join(tmp, 'w.png')], bad.io)).toBe(2);
  expect(bad.err.join('')).toMatch(/static shapes: it runs only at 64×64 px/);
});

test("a scheduler class that is not reproduced (SD 1.5's PNDM): --sampler pack is one message, the engine's samplers run", async () => {
  const dir = path.join(tmp, 'pndm');
  cpSync(path.join(PACKS_DIR, 'ddim'), dir, { recursive: true });
  const cfgFile = path.join(dir, 'scheduler', 'scheduler_config.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, _class_name: 'PNDMScheduler', skip_prk_steps: true }));
  const bad = io();
  expect(await main(['--model', dir, '--guide', guide, '--out', path.join(tmp, 'p.png')], bad.io)).toBe(1);
  expect(bad.err.join('')).toMatch(/"_class_name" must be one of .*--sampler ddpm\|ddim/);
  const ok = io();
  expect(await main(['--model', dir, '--guide', guide, '--sampler', 'ddim', '--steps', '5', '--t0', '0.5', '--json', '--out', path.join(tmp, 'p.png')], ok.io)).toBe(0);
  const rep = JSON.parse(ok.out.join(''));
  expect(rep.scheduler).toMatchObject({ class: 'PNDMScheduler', reproduced: false, ran: "engine ddim on PNDMScheduler's betas" });
  expect(rep.timesteps).toEqual([499, 399, 299, 199, 99]);
});

test('a working size that cannot fit is refused before loading, with the estimate in the message', async () => {
  const r = io();
  expect(await main(['--model', path.join(PACKS_DIR, 'ortweb-fp32'), '--guide', guide, '--size', '4096', '--out', path.join(tmp, 'big.png')], r.io)).toBe(1);
  expect(r.err.join('')).toMatch(/this edit needs about [\d.]+ GB \(.*attention at 4096×3456 px .*\), and [\d.]+ GB is available: lower --size/);
});

test('the memory check uses the memory available to the run, not the machine total', async () => {
  const small: CliHost = { ...nodeHost, availableMemory: () => 64 * 2 ** 20 };
  const r = io();
  expect(await main(['--model', path.join(PACKS_DIR, 'ortweb-fp32'), '--guide', guide, '--size', '64', '--out', path.join(tmp, 'small.png')], r.io, small)).toBe(1);
  expect(r.err.join('')).toMatch(/and 0\.1 GB is available: lower --size or --variations/);
  expect(existsSync(path.join(tmp, 'small.png'))).toBe(false);
});

describe('the same input and output rules as pixel packs', () => {
  const pack = path.join(PACKS_DIR, 'ortweb-fp32');
  const run = (host: CliHost | undefined, ...more: string[]) => {
    const r = io();
    return main(['--model', pack, '--guide', guide, '--size', '64', '--steps', '2', '--prompt', 'a cat', ...more], r.io, host).then((code) => ({ code, err: r.err.join('') }));
  };

  test('--out equal to the guide (or, with variations, a variation name) is refused and the guide is untouched', async () => {
    const before = sha(guide);
    const same = await run(undefined, '--out', guide);
    expect(same.code).toBe(1);
    expect(same.err).toMatch(/--out .*guide\.png is the guide .*choose another --out/);
    const v1 = path.join(tmp, 'v-1.png');
    cpSync(guide, v1);
    const r = io();
    expect(await main(['--model', pack, '--guide', v1, '--size', '64', '--variations', '2', '--out', path.join(tmp, 'v.png')], r.io)).toBe(1);
    expect(r.err.join('')).toMatch(/--out .*v\.png with --variations 2 writes .*v-1\.png, which is the guide/);
    expect(sha(guide)).toBe(before);
  });

  test('a PNG bomb (a small file declaring 12000×12000) is refused from its header', async () => {
    const bomb = path.join(tmp, 'bomb.png');
    writeFileSync(bomb, declaredPng(12000, 12000, 1));
    const r = io();
    expect(await main(['--model', pack, '--guide', bomb, '--out', path.join(tmp, 'b.png')], r.io)).toBe(1);
    expect(r.err.join('')).toMatch(/guide .*bomb\.png declares 12000×12000 px \(144\.0 Mpx\), more than the 4096×4096 px/);
  });

  test('a mask of another aspect ratio is refused; one of the same aspect is scaled with a warning', async () => {
    const wide = path.join(tmp, 'wide-mask.png');
    solidPng(wide, 40, 10, 255);
    const bad = await run(undefined, '--mask', wide, '--out', path.join(tmp, 'm.png'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/their aspect ratios differ/);
    const half = path.join(tmp, 'half-mask.png');
    solidPng(half, 48, 40, 255);
    const ok = await run(undefined, '--mask', half, '--out', path.join(tmp, 'm.png'));
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/warning: the mask .*half-mask\.png is 48×40 px .*; the mask is scaled to the guide/);
  });

  function failingWrite(onCall: number): CliHost {
    let calls = 0;
    const fs: OutputFs = {
      ...nodeOutputFs,
      writeFile: async (p, data) => {
        if (++calls === onCall) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return nodeOutputFs.writeFile(p, data);
      },
    };
    return { ...nodeHost, fs };
  }

  test('a failed write of variation 2 (disk full) leaves no output and no temporary file', async () => {
    const dir = path.join(tmp, 'full');
    mkdirSync(dir);
    const r = await run(failingWrite(2), '--variations', '2', '--out', path.join(dir, 'r.png'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/could not write .*r-2\.png \(the disk is full\); no output file was changed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('progress lines outside a terminal on a long run', async () => {
    let t = 0;
    const slow: CliHost = { ...nodeHost, now: () => (t += 3000) };
    const r = await run(slow, '--t0', '1', '--out', path.join(tmp, 'p.png'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/sdedit: step \d\/2, \d+ (s|min \d+ s) so far, about .* left\n/);
  });
});

test('a schedule the pack cannot run is refused before any model loads', async () => {
  const r = io();
  const t = performance.now();
  expect(await main(['--model', path.join(PACKS_DIR, 'lcm'), '--guide', guide, '--steps', '8', '--t0', '0.1', '--out', path.join(tmp, 'l.png')], r.io)).toBe(1);
  expect(r.err.join('')).toMatch(/LCM: original_inference_steps × t0 = 50 × 0.1 leaves 5 timesteps, fewer than the 8 steps asked/);
  expect(performance.now() - t).toBeLessThan(5000);
});

test('a missing part is one message naming the file', async () => {
  const dir = path.join(tmp, 'broken');
  cpSync(path.join(PACKS_DIR, 'taesd'), dir, { recursive: true });
  rmSync(path.join(dir, 'vae_encoder', 'model.onnx'));
  const r = io();
  expect(await main(['--model', dir, '--guide', guide, '--out', path.join(tmp, 'b.png')], r.io)).toBe(1);
  expect(r.err.join('')).toMatch(/vae_encoder\/model\.onnx is missing/);
});

describe('a pack whose network returns NaN/Inf fails naming the pack (never a grey image with exit 0)', () => {
  const BROKEN = path.join(PACKS_DIR, 'broken');
  it.each([
    ['the unet returns NaN', 'unet', 'unet-nan.onnx', /the pack "nan-unet": unet\/model\.onnx returned NaN\/Inf values at timestep 749 \(output "out_sample", value NaN\): the pack is broken/],
    ['the VAE decoder returns +Inf', 'vae_decoder', 'vae-decoder-inf.onnx', /the pack "inf-vae": vae_decoder\/model\.onnx returned NaN\/Inf values \(output "sample", value Infinity\): the pack is broken/],
  ])('%s', async (_what, part, file, re) => {
    const name = part === 'unet' ? 'nan-unet' : 'inf-vae';
    const dir = path.join(tmp, name);
    cpSync(path.join(PACKS_DIR, 'ortweb-fp32'), dir, { recursive: true });
    cpSync(path.join(BROKEN, file), path.join(dir, part, 'model.onnx'));
    const out = path.join(tmp, `${name}.png`);
    const r = io();
    expect(await main(['--model', dir, '--guide', guide, '--size', '64', '--steps', '4', '--t0', '0.75', '--out', out], r.io)).toBe(1);
    expect(r.err.join('')).toMatch(re);
    expect(existsSync(out)).toBe(false);
  });
});
