import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { PackError, parsePack, scheduleFromPack, unetFile, unetFp16File, verifyFile, verifyPackFiles, webDigest } from '../../src/model/pack';

const FIXTURE = path.join(__dirname, '../fixtures/tiny-model');
const base = (): Record<string, unknown> => JSON.parse(readFileSync(path.join(FIXTURE, 'model.json'), 'utf8'));

describe('parsePack', () => {
  it('parses the fixture (text or object) and normalises names', () => {
    const p = parsePack(readFileSync(path.join(FIXTURE, 'model.json'), 'utf8'));
    expect(p.name).toBe('tiny-test');
    expect(p.inputs).toEqual({ x: 'x', t: 't' });
    expect(p.outputs).toEqual({ out: 'eps' });
    expect(p.multiple).toBe(4);
    expect(unetFile(p).name).toBe('tiny.onnx');
    expect(unetFp16File(p)).toBeNull();
    expect(parsePack(base())).toEqual(p);
    expect(parsePack({ ...base(), inputs: ['img', 'time'], outputs: ['v_pred'] })).toMatchObject({ inputs: { x: 'img', t: 'time' }, outputs: { out: 'v_pred' } });
  });

  it('finds the optional fp16 copy of the UNet by its role', () => {
    const o = base();
    const f16 = { name: 'tiny-fp16.onnx', bytes: 10, sha256: 'c'.repeat(64), role: 'unet_fp16' };
    o.files = [...(o.files as object[]), f16];
    const p = parsePack(o);
    expect(unetFile(p).name).toBe('tiny.onnx');
    expect(unetFp16File(p)).toEqual(f16);
  });

  it('reads the shape models/train/export.py writes (names as keys with descriptions, null quality)', () => {
    const p = parsePack({
      ...base(),
      description: 'a UNet',
      inputs: { x: 'float32 [N,3,H,W] in [-1,1]', t: 'float32 [N], DDPM timestep index 0..999' },
      outputs: { eps: 'float32 [N,3,H,W]' },
      training: { steps: 100, scenes: null },
      quality: null,
    });
    expect(p.inputs).toEqual({ x: 'x', t: 't' });
    expect(p.outputs).toEqual({ out: 'eps' });
    expect(p.quality).toEqual({});
  });

  const bad: [string, (o: Record<string, unknown>) => void, RegExp][] = [
    ['not JSON', () => undefined, /not valid JSON/],
    ['kind', (o) => (o.kind = 'voxel'), /"kind" must be one of "pixel", "latent" \(got "voxel"\)/],
    ['sde.type', (o) => (o.sde = { type: 'xx' }), /"sde.type"/],
    ['sde.timesteps', (o) => ((o.sde as Record<string, unknown>).timesteps = 10.5), /"sde.timesteps" must be a positive integer/],
    ['sde.beta_end', (o) => ((o.sde as Record<string, unknown>).beta_end = 1e-5), /"sde.beta_end" must be ≥ sde.beta_start/],
    ['ve sigma', (o) => (o.sde = { type: 've', sigma_min: 1, sigma_max: 0.5 }), /"sde.sigma_max" must be a number > sde.sigma_min/],
    ['prediction', (o) => (o.prediction = 'noise'), /"prediction"/],
    ['time_input', (o) => (o.time_input = 'sigma'), /"time_input" must be "index" or "continuous" for a VP pack/],
    ['value_range', (o) => (o.value_range = [0, 1]), /"value_range" must be \[-1, 1\]/],
    ['multiple', (o) => (o.multiple = 0), /"multiple" must be a positive integer/],
    ['resolution', (o) => (o.resolution = 30), /"resolution" must be a multiple of "multiple" \(4\)/],
    ['fully_convolutional', (o) => (o.fully_convolutional = 'yes'), /"fully_convolutional" must be true or false/],
    ['inputs', (o) => (o.inputs = ['x']), /"inputs" must be an array of 2 names \(image, time\) or an object/],
    ['outputs', (o) => (o.outputs = { eps: 'a', v: 'b' }), /"outputs" must be an array of 1 name \(prediction\)/],
    ['files empty', (o) => (o.files = []), /"files" must be a non-empty array/],
    ['file sha', (o) => ((o.files as Record<string, unknown>[])[0].sha256 = 'abc'), /"files\[0\].sha256" must be 64 hex digits/],
    ['file bytes', (o) => ((o.files as Record<string, unknown>[])[0].bytes = -1), /"files\[0\].bytes" must be a positive integer/],
    ['file name', (o) => ((o.files as Record<string, unknown>[])[0].name = '../x.onnx'), /"files\[0\].name" must be a plain file name/],
    ['no unet', (o) => ((o.files as Record<string, unknown>[])[0].role = 'vae_decoder'), /exactly one entry with role "unet"/],
    ['two fp16 unets', (o) => (o.files = [...(o.files as object[]), { name: 'a.onnx', bytes: 1, sha256: 'a'.repeat(64), role: 'unet_fp16' }, { name: 'b.onnx', bytes: 1, sha256: 'b'.repeat(64), role: 'unet_fp16' }]), /at most one entry with role "unet_fp16"/],
    ['latent without vae', (o) => (o.kind = 'latent'), /role "vae_encoder" for a latent pack/],
    ['license', (o) => delete o.license, /"license" must be a non-empty string/],
  ];
  it.each(bad)('names the wrong field: %s', (what, edit, re) => {
    const o = base();
    edit(o);
    const input = what === 'not JSON' ? '{ nope' : o;
    expect(() => parsePack(input)).toThrow(PackError);
    expect(() => parsePack(input)).toThrow(re);
  });
});

describe('verifyFile', () => {
  const bytes = new Uint8Array(readFileSync(path.join(FIXTURE, 'tiny.onnx')));
  const entry = unetFile(parsePack(base()));
  const nodeDigest = async (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('accepts the right bytes with node and web digests', async () => {
    await expect(verifyFile(bytes, entry, nodeDigest)).resolves.toBeUndefined();
    await expect(verifyFile(bytes, entry)).resolves.toBeUndefined();
    expect(await webDigest(bytes)).toBe(await nodeDigest(bytes));
  });
  it('rejects a truncated file by size', async () => {
    await expect(verifyFile(bytes.subarray(0, 100), entry)).rejects.toThrow(/has 100 bytes, model.json says 4766 \(truncated/);
  });
  it('rejects a changed byte by sha256', async () => {
    const copy = bytes.slice();
    copy[copy.length - 1] ^= 1;
    await expect(verifyFile(copy, entry, nodeDigest)).rejects.toThrow(/sha256 .* model.json says 7433939a1c38/);
  });
});

describe('verifyPackFiles: one check of the network files, on web and on node', () => {
  const fixture = path.join(__dirname, '../fixtures/tiny-model');
  const bytes = new Uint8Array(readFileSync(path.join(fixture, 'tiny.onnx')));
  const tiny = parsePack(readFileSync(path.join(fixture, 'model.json'), 'utf8'));
  const withFp16 = parsePack({ ...JSON.parse(readFileSync(path.join(fixture, 'model.json'), 'utf8')), files: [...tiny.files, { ...tiny.files[0], name: 'tiny-fp16.onnx', role: 'unet_fp16' }] });

  it('checks the UNet and its fp16 copy by default, only the roles asked for otherwise', async () => {
    await expect(verifyPackFiles(tiny, new Map([['tiny.onnx', bytes]]))).resolves.toBeUndefined();
    const broken = bytes.slice();
    broken[0] ^= 1;
    const files = new Map([['tiny.onnx', bytes], ['tiny-fp16.onnx', broken]]);
    await expect(verifyPackFiles(withFp16, files)).rejects.toThrow(/tiny-fp16.onnx has sha256/);
    await expect(verifyPackFiles(withFp16, files, { roles: ['unet'] })).resolves.toBeUndefined();
  });
  it('a listed file that is absent is a PackError, worded by the caller when it asks', async () => {
    await expect(verifyPackFiles(withFp16, new Map([['tiny.onnx', bytes]]))).rejects.toThrow(new PackError('model pack "tiny-test" lacks tiny-fp16.onnx (listed in model.json)'));
    await expect(verifyPackFiles(tiny, new Map(), { missing: (f) => `no ${f.name} here` })).rejects.toThrow('no tiny.onnx here');
  });
});

describe('scheduleFromPack', () => {
  it('builds VP linear, VP cosine and VE schedules', () => {
    const lin = scheduleFromPack(parsePack(base()));
    expect(lin.type).toBe('vp');
    if (lin.type !== 'vp') throw new Error();
    expect(lin.n).toBe(1000);
    expect(lin.betas[0]).toBeCloseTo(1e-4, 12);
    expect(lin.betas[999]).toBeCloseTo(0.02, 12);
    const cos = scheduleFromPack(parsePack({ ...base(), sde: { type: 'vp', beta_schedule: 'cosine', timesteps: 500 } }));
    expect(cos.type === 'vp' && cos.name === 'cosine' && cos.n === 500).toBe(true);
    const ve = scheduleFromPack(parsePack({ ...base(), sde: { type: 've', sigma_min: 0.01, sigma_max: 50 }, prediction: 'score', time_input: 'continuous' }));
    if (ve.type !== 've') throw new Error();
    expect(ve.sigma(0)).toBeCloseTo(0.01, 12);
    expect(ve.sigma(1)).toBeCloseTo(50, 9);
  });
});
