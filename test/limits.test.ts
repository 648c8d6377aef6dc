// protocol's one table of limits is what every side enforces: the CLI refuses past it, the
// panel's store clamps to it, the sandbox falls back to the default past it, the engine refuses.
import { ArgError, parseArgs } from '../src/cli/args';
import { validateSettings } from '../src/plugin/params';
import { DEFAULT_SETTINGS, LIMITS, type LimitName, type Settings } from '../src/protocol';
import { sanitizeSettings } from '../src/ui/panel/settings';
import { EngineError, type RunRequest } from '../src/ui/runtime/engine-api';
import { checkRunRequest } from '../src/ui/runtime/request-checks';

const cliValue = (flag: string, value: number) => {
  const r = parseArgs(['--guide', 'g.png', '--out', 'o.png', '--sampler', 'ddim', `--${flag}`, String(value)]);
  if (r.help) throw new Error('help');
  return (r.options as unknown as Record<string, unknown>)[flag];
};

const request = (patch: Partial<Settings>, seed = 1): RunRequest => ({
  jobId: 'j',
  mode: 'synthesis',
  guidePng: new Uint8Array(0),
  maskPng: null,
  maskIsSilhouette: false,
  workWidth: 64,
  workHeight: 64,
  settings: { ...DEFAULT_SETTINGS, ...patch },
  seed,
  preview: false,
});

/** A value just past the maximum (an integer limit's next integer). */
const pastMax = (name: LimitName) => (LIMITS[name].integer ? LIMITS[name].max + 1 : LIMITS[name].max + 0.5);

describe.each(['t0', 'steps', 'repeats', 'variations', 'seed', 'size', 'eta'] as const)('CLI --%s', (name) => {
  test('takes the maximum and refuses one past it', () => {
    if (LIMITS[name].max !== Infinity) {
      expect(cliValue(name, LIMITS[name].max)).toBe(LIMITS[name].max);
      expect(() => cliValue(name, pastMax(name))).toThrow(ArgError);
    }
    if (!('minExclusive' in LIMITS[name])) expect(cliValue(name, LIMITS[name].min)).toBe(LIMITS[name].min);
    if (name !== 'steps') expect(() => cliValue(name, LIMITS[name].min - 1)).toThrow(ArgError); // --steps 0 means every step
  });
});

describe.each(['t0', 'steps', 'repeats', 'variations', 'seed', 'size', 'dilation', 'feather'] as const)('settings %s', (name) => {
  test('the store clamps to the maximum; the sandbox keeps it and falls back past it', () => {
    const max = LIMITS[name].max;
    expect(sanitizeSettings({ [name]: pastMax(name) })[name]).toBe(max);
    expect(sanitizeSettings({ [name]: max })[name]).toBe(max);
    expect(validateSettings({ [name]: max })[name]).toBe(max);
    expect(validateSettings({ [name]: pastMax(name) })[name]).toBe(DEFAULT_SETTINGS[name]);
  });
});

describe.each(['t0', 'steps', 'repeats', 'variations', 'dilation', 'feather'] as const)('engine %s', (name) => {
  test('runs the maximum and refuses one past it', () => {
    expect(() => checkRunRequest(request({ [name]: LIMITS[name].max }))).not.toThrow();
    expect(() => checkRunRequest(request({ [name]: pastMax(name) }))).toThrow(EngineError);
    expect(() => checkRunRequest(request({ [name]: pastMax(name) }))).toThrow(new RegExp(`${name} must be`));
  });
});

test('the engine refuses a seed past the table and a working size past Figma', () => {
  expect(() => checkRunRequest(request({}, LIMITS.seed.max))).not.toThrow();
  expect(() => checkRunRequest(request({}, LIMITS.seed.max + 1))).toThrow(/seed must be/);
  expect(() => checkRunRequest({ ...request({}), workWidth: 0 })).toThrow(/working size/);
});

test('variations: one maximum on every side', () => {
  const max = LIMITS.variations.max;
  expect(() => cliValue('variations', max + 1)).toThrow(`--variations must be an integer from 1 to ${max}`);
  expect(sanitizeSettings({ variations: max + 1 }).variations).toBe(max);
  expect(validateSettings({ variations: max + 1 }).variations).toBe(DEFAULT_SETTINGS.variations);
  expect(() => checkRunRequest(request({ variations: max + 1 }))).toThrow(`variations must be an integer from 1 to ${max}`);
});
