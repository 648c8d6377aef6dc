import { isPluginToUi, isUiToPlugin, resultNodeName, DEFAULT_SETTINGS } from '../src/protocol';
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
      maskIsSilhouette: true, width: 8, height: 8, nodeWidth: 8, nodeHeight: 8,
    };
    const params = { t0: 0.5, steps: 20, sampler: 'ddim', repeats: 1, seed: 7, size: 256, model: 'default', mode: 'composite' } as const;
    const msg: PluginToUi = { type: 'selection', jobs: [job], problems: [{ code: 'settings-failed', message: 'full' }], rerun: { params, sourceNodeId: '1:2', resultNodeId: '1:9' } };
    expect(isPluginToUi(msg)).toBe(true);
    const refresh: UiToPlugin = { type: 'refresh-selection', size: 256, dilation: 4, feather: 6, multiple: 16 };
    expect(isUiToPlugin(refresh)).toBe(true);
  });
});
