import {
  clampToLimit,
  DEFAULT_SETTINGS,
  describeLimit,
  isPluginToUi,
  isUiToPlugin,
  isWithinLimit,
  limitError,
  LIMITS,
  resultNodeName,
  roundWorkingSize,
  workingSize,
} from '../src/protocol';
import type { JobInput, PluginToUi, UiToPlugin } from '../src/protocol';

describe('protocol guards', () => {
  it('accepts known messages and rejects anything else', () => {
    expect(isUiToPlugin({ type: 'ready' })).toBe(true);
    expect(isUiToPlugin({ type: 'selection' })).toBe(false);
    expect(isPluginToUi({ type: 'selection', jobs: [], problems: [], rerun: null })).toBe(true);
    expect(isPluginToUi(null)).toBe(false);
    expect(isPluginToUi('selection')).toBe(false);
  });
  it('names a result by how it was made', () => {
    const name = resultNodeName('Lake', { t0: 0.5, steps: 20, sampler: 'ddim', repeats: 1, seed: 7, size: 256, model: 'default', mode: 'synthesis' });
    expect(name).toContain('t0=0.50');
    expect(name).toContain('seed=7');
    expect(DEFAULT_SETTINGS.t0).toBeGreaterThan(0.3);
  });
});

describe('protocol additions for the sandbox', () => {
  it('carries the silhouette flag, the re-run result id and the model multiple', () => {
    const job: JobInput = {
      jobId: 'job-1', mode: 'composite', sourceNodeId: '1:2', sourceName: 'Lake', guidePng: new Uint8Array(1), maskPng: new Uint8Array(1),
      maskIsSilhouette: true, workWidth: 8, workHeight: 8, width: 8, height: 8, nodeWidth: 8, nodeHeight: 8,
    };
    const params = { t0: 0.5, steps: 20, sampler: 'ddim', repeats: 1, seed: 7, size: 256, model: 'default', mode: 'composite' } as const;
    const msg: PluginToUi = { type: 'selection', jobs: [job], problems: [{ code: 'settings-failed', message: 'full' }], rerun: { params, sourceNodeId: '1:2', resultNodeId: '1:9' } };
    expect(isPluginToUi(msg)).toBe(true);
    const refresh: UiToPlugin = { type: 'refresh-selection', size: 256, dilation: 4, feather: 6, multiple: 16 };
    expect(isUiToPlugin(refresh)).toBe(true);
  });
});

describe('workingSize: the one rule of the sandbox, the engine and the CLI', () => {
  it('puts the longest side at size rounded to the multiple, keeping the aspect', () => {
    const size = (w: number, h: number, s: number, m: number) => {
      const r = workingSize(w, h, s, m);
      return r.ok ? { width: r.width, height: r.height } : r;
    };
    expect(size(48, 36, 32, 8)).toEqual({ width: 32, height: 24 });
    expect(size(36, 48, 32, 8)).toEqual({ width: 24, height: 32 });
    expect(size(1000, 500, 250, 8)).toEqual({ width: 248, height: 124 });
    expect(size(100, 100, 30, 4)).toEqual({ width: 32, height: 32 });
    expect(size(100, 37, 64, 8)).toEqual({ width: 64, height: 24 });
    // the short side is at least one multiple (the CLI used to allow 64×1 here)
    expect(size(400, 1, 64, 8)).toEqual({ width: 3200, height: 8 });
    expect(size(10, 10, 8, 16)).toEqual({ width: 16, height: 16 });
  });
  it('keeps the rounded size within LIMITS.size', () => {
    expect(roundWorkingSize(1)).toBe(LIMITS.size.min);
    expect(roundWorkingSize(1e6)).toBe(LIMITS.size.max);
    expect(roundWorkingSize(3, 1)).toBe(LIMITS.size.min);
  });
});

describe('the table of limits', () => {
  it('describes and checks each limit', () => {
    expect(describeLimit('variations')).toBe(`an integer from 1 to ${LIMITS.variations.max}`);
    expect(describeLimit('t0')).toBe('in (0, 1]');
    expect(describeLimit('eta')).toBe('≥ 0');
    expect(limitError('variations', LIMITS.variations.max)).toBeNull();
    expect(limitError('variations', LIMITS.variations.max + 1)).toBe(`variations must be an integer from 1 to ${LIMITS.variations.max}, got ${LIMITS.variations.max + 1}`);
    expect(limitError('steps', 2.5, '--steps')).toMatch(/^--steps must be an integer/);
    expect(isWithinLimit('t0', 0)).toBe(false);
    expect(isWithinLimit('t0', 1)).toBe(true);
    expect(isWithinLimit('seed', '3')).toBe(false);
    expect(isWithinLimit('eta', Number.NaN)).toBe(false);
    expect(isWithinLimit('eta', Infinity)).toBe(false);
  });
  it('clamps to the nearest allowed value, and has none at or below an excluded minimum', () => {
    expect(clampToLimit('repeats', 99)).toBe(LIMITS.repeats.max);
    expect(clampToLimit('steps', 12.6)).toBe(13);
    expect(clampToLimit('t0', 7)).toBe(1);
    expect(clampToLimit('t0', 0)).toBeNull();
    expect(clampToLimit('seed', 'x')).toBeNull();
  });
});
