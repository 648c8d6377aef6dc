import { optionValues } from '../../src/cli/eval/option-values';

test('integers: the default when absent, refused below the minimum or when not whole', () => {
  const v = optionValues(new Map([['steps', '12'], ['size', '31'], ['seed', '1.5']]));
  expect(v.int('steps', 10)).toBe(12);
  expect(v.int('scenes', 8, 2)).toBe(8);
  expect(() => v.int('size', 128, 32)).toThrow("--size must be an integer ≥ 32, got '31'");
  expect(() => v.int('seed', 1)).toThrow("--seed must be an integer ≥ 1, got '1.5'");
});

test('t0 lists: values in (0, 1]; "none" is the empty list only where allowed', () => {
  const v = optionValues(new Map([['t0', '0.3,0.5'], ['ddpm', 'none'], ['bad', '0.5,1.2']]));
  expect(v.t0List('t0', [0.7])).toEqual([0.3, 0.5]);
  expect(v.t0List('flat-t0', [0.5])).toEqual([0.5]);
  expect(v.t0List('ddpm', [0.5], true)).toEqual([]);
  expect(() => v.t0List('ddpm', [0.5])).toThrow("--ddpm must be comma-separated values in (0, 1], got 'none'");
  expect(() => v.t0List('bad', [0.5])).toThrow("got '0.5,1.2'");
});
