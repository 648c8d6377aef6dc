/** @jest-environment ./test/model/ort-node-env.js */
// `sdedit --model DIR` with a diffusers folder, and `sdedit pack describe`, in process.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../src/cli/main';
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
  expect(await main(['--model', path.join(PACKS_DIR, 'ortweb-fp32'), '--guide', guide, '--size', '4096', '--out', path.join(tmp, 'big.png')], r.io)).toBe(2);
  expect(r.err.join('')).toMatch(/this edit needs about [\d.]+ GB \(.*attention at 4096×3456 px .*\); this machine has [\d.]+ GB: lower --size/);
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
