/** @jest-environment ./test/model/ort-node-env.js */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../src/cli/main';
import { loadPackFromDir, type LoadedPack } from '../../src/model/node';
import { ModelOutputError } from '../../src/model/onnx-denoiser';

const FIXTURE = path.join(__dirname, '../fixtures/tiny-model');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sdedit-model-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture pack with its ONNX bytes and/or manifest changed. */
function variant(name: string, edit: { onnx?: (b: Uint8Array) => Uint8Array; json?: (o: Record<string, unknown>, onnx: Uint8Array) => void; skipOnnx?: boolean }) {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  let onnx: Uint8Array = new Uint8Array(readFileSync(path.join(FIXTURE, 'tiny.onnx')));
  if (edit.onnx) onnx = edit.onnx(onnx);
  if (!edit.skipOnnx) writeFileSync(path.join(dir, 'tiny.onnx'), onnx);
  const json = JSON.parse(readFileSync(path.join(FIXTURE, 'model.json'), 'utf8'));
  edit.json?.(json, onnx);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

/** Make model.json match the (changed) bytes, so that only the later checks can fail. */
const matchBytes = (o: Record<string, unknown>, onnx: Uint8Array) => {
  const f = (o.files as Record<string, unknown>[])[0];
  f.bytes = onnx.length;
  f.sha256 = sha(onnx);
};

describe('loadPackFromDir with the tiny fixture', () => {
  let loaded: LoadedPack;
  beforeAll(async () => {
    loaded = await loadPackFromDir(FIXTURE, { threads: 1 });
  });
  afterAll(() => loaded.release());

  it('loads, verifies and reports the pack', () => {
    expect(loaded.pack.name).toBe('tiny-test');
    expect(loaded.schedule.type).toBe('vp');
    expect(loaded.denoiser.kind).toBe('eps');
    expect(loaded.session.inputNames).toEqual(['x', 't']);
    expect(loaded.modelBytes.length).toBe(4766);
  });

  it('predicts ε of the input shape, deterministically, with per-item t', async () => {
    const shape: [number, number, number, number] = [2, 3, 8, 12];
    const x = Float32Array.from({ length: 2 * 3 * 8 * 12 }, (_, i) => Math.sin(i * 0.37));
    const t = new Float32Array([0.2, 0.9]);
    const a = await loaded.denoiser.predict(x, shape, t);
    const b = await loaded.denoiser.predict(x, shape, t);
    expect(a.length).toBe(x.length);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.every(Number.isFinite)).toBe(true);
    // item 1 alone at its t equals item 1 of the batch; t matters
    const per = 3 * 8 * 12;
    const one = await loaded.denoiser.predict(x.slice(per), [1, 3, 8, 12], t.slice(1));
    for (let i = 0; i < per; i++) expect(Math.abs(one[i] - a[per + i])).toBeLessThan(1e-5);
    const other = await loaded.denoiser.predict(x.slice(per), [1, 3, 8, 12], new Float32Array([0.2]));
    expect(other.some((v, i) => Math.abs(v - one[i]) > 1e-3)).toBe(true);
    expect(loaded.networkMs()).toBeGreaterThan(0);
  });

  it("keeps each call's ε intact through later calls (the output array is onnxruntime-node's new one, not copied)", async () => {
    const shape: [number, number, number, number] = [1, 3, 8, 8];
    const x1 = Float32Array.from({ length: 192 }, (_, i) => Math.cos(i * 0.21));
    const t = new Float32Array([0.4]);
    const a = await loaded.denoiser.predict(x1, shape, t);
    const kept = Array.from(a);
    const b = await loaded.denoiser.predict(x1.map((v) => -v), shape, t);
    expect(b.buffer).not.toBe(a.buffer);
    expect(Array.from(a)).toEqual(kept);
    expect(Array.from(b)).not.toEqual(kept);
  });

  it('refuses sizes that are not a multiple of the pack (4) and wrong channel counts', async () => {
    await expect(loaded.denoiser.predict(new Float32Array(3 * 6 * 8), [1, 3, 6, 8], new Float32Array([0.5]))).rejects.toThrow(/multiples of 4, got 8×6/);
    await expect(loaded.denoiser.predict(new Float32Array(4 * 8 * 8), [1, 4, 8, 8], new Float32Array([0.5]))).rejects.toThrow(/takes 3 channels, got 4/);
  });
});

describe('loadPackFromDir errors are clear', () => {
  it('missing directory', async () => {
    await expect(loadPackFromDir(path.join(tmp, 'nope'))).rejects.toThrow(/model directory not found: .*nope/);
  });
  it('no model.json', async () => {
    const dir = path.join(tmp, 'empty');
    mkdirSync(dir);
    await expect(loadPackFromDir(dir)).rejects.toThrow(/no model.json in/);
  });
  it('bad field in model.json names the field and the file', async () => {
    const dir = variant('badfield', { json: (o) => (o.prediction = 'noise') });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/model.json: "prediction" must be one of/);
  });
  it('missing model file', async () => {
    const dir = variant('nofile', { skipOnnx: true });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/model file missing: .*tiny.onnx/);
  });
  it('wrong hash', async () => {
    const dir = variant('hash', { onnx: (b) => ((b[b.length - 1] ^= 1), b) });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/tiny.onnx has sha256 .*model.json says/);
  });
  it('truncated file, caught by size', async () => {
    const dir = variant('trunc', { onnx: (b) => b.slice(0, 1000) });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/has 1000 bytes, model.json says 4766 \(truncated/);
  });
  it('truncated file whose manifest matches: ONNX Runtime refuses it, no crash', async () => {
    const dir = variant('trunc-match', { onnx: (b) => b.slice(0, 1000), json: matchBytes });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/tiny.onnx is not a loadable ONNX model/);
  });
  it('garbage bytes', async () => {
    const dir = variant('garbage', { onnx: () => new TextEncoder().encode('this is not a model'), json: matchBytes });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/is not a loadable ONNX model/);
  });
  it('wrong input name in the graph (x renamed to y)', async () => {
    const rename = (b: Uint8Array) => {
      // protobuf string fields `0a 01 'x'`: the graph input and the first Conv's input
      let n = 0;
      for (let i = 0; i + 2 < b.length; i++) {
        if (b[i] === 0x0a && b[i + 1] === 0x01 && b[i + 2] === 0x78) {
          b[i + 2] = 0x79;
          n++;
        }
      }
      expect(n).toBe(2);
      return b;
    };
    const dir = variant('rename', { onnx: rename, json: matchBytes });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/model input names are \["y", "t"\], model.json expects \["x", "t"\] \(missing \["x"\]\)/);
  });
  it('wrong input name in model.json', async () => {
    const dir = variant('jsonname', { json: (o) => (o.inputs = ['image', 't']) });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/model input names are \["x", "t"\], model.json expects \["image", "t"\]/);
  });
  it('wrong output name in model.json', async () => {
    const dir = variant('outname', { json: (o) => (o.outputs = ['v']) });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/model output names are \["eps"\], model.json expects "v"/);
  });
  it('latent packs are refused for now', async () => {
    const dir = variant('latent', {
      json: (o) => {
        o.kind = 'latent';
        const f = (o.files as Record<string, unknown>[])[0];
        o.files = [f, { ...f, role: 'vae_encoder' }, { ...f, role: 'vae_decoder' }];
      },
    });
    await expect(loadPackFromDir(dir)).rejects.toThrow(/latent pack; this version runs pixel packs only/);
  });
});

describe('a model that returns NaN or ±Inf (test/fixtures/nan-model)', () => {
  const NAN_MODEL = path.join(__dirname, '../fixtures/nan-model');

  it('is an error naming the pack and t, with the model-output code', async () => {
    const loaded = await loadPackFromDir(NAN_MODEL, { threads: 1 });
    try {
      const x = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i * 0.3));
      const err = await loaded.denoiser.predict(x, [1, 3, 8, 8], new Float32Array([0.5])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelOutputError);
      expect((err as ModelOutputError).code).toBe('invalid-output');
      expect((err as Error).message).toMatch(/^the model "nan-test" returned NaN\/Inf values at t=0\.500/);
    } finally {
      await loaded.release();
    }
  });

  it('makes the sdedit command fail with that message instead of writing a grey image', async () => {
    const png = new PNG({ width: 8, height: 8 });
    png.data.fill(200);
    const guide = path.join(tmp, 'nan-guide.png');
    writeFileSync(guide, PNG.sync.write(png));
    const out = path.join(tmp, 'nan-out.png');
    const err: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s), isTTY: false } };
    const code = await main(['--guide', guide, '--model', NAN_MODEL, '--steps', '2', '--size', '8', '--out', out], io);
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/sdedit: the model "nan-test" returned NaN\/Inf values at t=/);
    expect(existsSync(out)).toBe(false);
  });
});
