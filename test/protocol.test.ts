import { isPluginToUi, isUiToPlugin, resultNodeName, DEFAULT_SETTINGS } from '../src/protocol';

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
