// The Figma-free modules of the sandbox: sizing, PNG check, params, geometry.
import { DEFAULT_SETTINGS, MAX_IMAGE_SIDE, PLUGIN_DATA_PARAMS, PLUGIN_DATA_SOURCE, SAMPLER_CHOICES, roundWorkingSize, type RunParams } from '../../src/protocol';
import { invert, multiply, relativeTo, type Affine } from '../../src/plugin/geometry';
import { PLUGIN_DATA_LAYERS, decodeResultData, encodeResultData, parseRunParams, validateSettings } from '../../src/plugin/params';
import { readPngInfo } from '../../src/plugin/png';
import { exportSize } from '../../src/plugin/sizing';
import { makePng } from './figma-fake';

const params: RunParams = { t0: 0.5, steps: 20, sampler: 'ddim', repeats: 1, seed: 7, size: 256, model: 'default', mode: 'synthesis' };

describe('sizing', () => {
  it('rounds the working size to the model multiple, within [multiple, 4096]', () => {
    expect(roundWorkingSize(256)).toBe(256);
    expect(roundWorkingSize(250)).toBe(248);
    expect(roundWorkingSize(253, 8)).toBe(256);
    expect(roundWorkingSize(100, 64)).toBe(128);
    expect(roundWorkingSize(1)).toBe(8);
    expect(roundWorkingSize(100000)).toBe(4096);
    expect(roundWorkingSize(5000, 48)).toBe(4080);
    expect(roundWorkingSize(Number.NaN)).toBe(256);
  });

  it('scales the longest side to the working size and keeps the aspect ratio', () => {
    expect(exportSize(800, 600, 256)).toEqual({ ok: true, width: 256, height: 192, constraint: { type: 'WIDTH', value: 256 } });
    expect(exportSize(300, 900, 256)).toEqual({ ok: true, width: 85, height: 256, constraint: { type: 'HEIGHT', value: 256 } });
    // upscales small frames too: the working size is what the model runs at
    expect(exportSize(64, 64, 256)).toMatchObject({ width: 256, height: 256 });
  });

  it('never passes 4096, even when asked for more', () => {
    const s = exportSize(20000, 10000, 9999);
    expect(s).toMatchObject({ ok: true, width: MAX_IMAGE_SIDE, height: 2048 });
  });

  it('refuses a zero-size node', () => {
    expect(exportSize(0, 100, 256)).toMatchObject({ ok: false, code: 'zero-size' });
    expect(exportSize(100, 0, 256)).toMatchObject({ ok: false, code: 'zero-size' });
    expect(exportSize(Number.NaN, 10, 256)).toMatchObject({ ok: false, code: 'zero-size' });
  });

  it('keeps a thin node at least one multiple thick, and refuses it when that would pass 4096', () => {
    expect(exportSize(1000, 10, 256)).toMatchObject({ ok: true, width: 800, height: 8 });
    const r = exportSize(100000, 10, 256);
    expect(r).toMatchObject({ ok: false, code: 'too-large' });
    if (!r.ok) expect(r.reason).toContain('4096');
  });
});

describe('png check', () => {
  it('reads width and height of a real PNG', () => {
    expect(readPngInfo(makePng(33, 17))).toEqual({ width: 33, height: 17, bitDepth: 8, colorType: 6 });
  });

  it('refuses non-PNG bytes, truncated PNGs and corrupted headers', () => {
    const good = makePng(4, 4);
    expect(readPngInfo(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(60).fill(0)]))).toBeNull();
    expect(readPngInfo(good.slice(0, good.length - 5))).toBeNull();
    const badCrc = good.slice();
    badCrc[17] ^= 1; // width changed, CRC no longer matches
    expect(readPngInfo(badCrc)).toBeNull();
    expect(readPngInfo(new Uint8Array(0))).toBeNull();
    expect(readPngInfo('not bytes')).toBeNull();
    expect(readPngInfo(good.buffer)).toBeNull(); // an ArrayBuffer is not what the protocol carries
  });
});

describe('settings and params', () => {
  it('keeps valid fields and falls back to defaults for the rest', () => {
    expect(validateSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(validateSettings('garbage')).toEqual(DEFAULT_SETTINGS);
    const s = validateSettings({ t0: 0.3, steps: -4, sampler: 'euler', seed: 12, size: 512, model: 'x'.repeat(500), extra: 1, livePreview: false });
    expect(s).toEqual({ ...DEFAULT_SETTINGS, t0: 0.3, seed: 12, size: 512, livePreview: false });
    expect('extra' in s).toBe(false);
    expect(validateSettings({ t0: 0 }).t0).toBe(DEFAULT_SETTINGS.t0);
    expect(validateSettings({ size: 8192 }).size).toBe(DEFAULT_SETTINGS.size);
  });

  it('accepts only complete run params', () => {
    expect(parseRunParams(params)).toEqual(params);
    expect(parseRunParams({ ...params, extra: true })).toEqual(params);
    expect(parseRunParams({ ...params, mode: 'paint' })).toBeNull();
    expect(parseRunParams({ ...params, seed: 1.5 })).toBeNull();
    for (const sampler of SAMPLER_CHOICES) expect(parseRunParams({ ...params, sampler })).toEqual({ ...params, sampler });
    expect(parseRunParams({ ...params, sampler: 'euler' })).toBeNull();
    const { model: _model, ...noModel } = params;
    expect(parseRunParams(noModel)).toBeNull();
  });

  it('round-trips result plugin data and ignores corrupted entries', () => {
    const data = new Map(Object.entries(encodeResultData({ params, sourceNodeId: '1:2', layerIds: ['1:5'] })));
    expect(decodeResultData((k) => data.get(k) ?? '')).toEqual({ params, sourceNodeId: '1:2', layerIds: ['1:5'] });
    expect(decodeResultData(() => '')).toBeNull();
    data.set(PLUGIN_DATA_LAYERS, '{nope');
    expect(decodeResultData((k) => data.get(k) ?? '')?.layerIds).toEqual([]);
    data.set(PLUGIN_DATA_PARAMS, '{"t0": 2}');
    expect(decodeResultData((k) => data.get(k) ?? '')).toBeNull();
    data.set(PLUGIN_DATA_PARAMS, JSON.stringify(params));
    data.set(PLUGIN_DATA_SOURCE, '');
    expect(decodeResultData((k) => data.get(k) ?? '')).toBeNull();
  });
});

describe('geometry', () => {
  it('inverts and composes affine transforms', () => {
    const frame: Affine = [
      [1, 0, 100],
      [0, 1, 50],
    ];
    const node: Affine = [
      [0, -1, 130],
      [1, 0, 70],
    ];
    expect(relativeTo(frame, node)).toEqual([
      [0, -1, 30],
      [1, 0, 20],
    ]);
    const inv = invert(node) as Affine;
    const id = multiply(node, inv);
    expect(id[0].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0]);
    expect(id[1].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 1, 0]);
    expect(invert([[0, 0, 1], [0, 0, 1]])).toBeNull();
  });
});
