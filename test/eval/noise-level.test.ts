// The L(t) table writer and fit (src/cli/eval/noise-level.ts).
import { calibrate, withNoiseLevelTable } from '../../src/cli/eval/noise-level';

const PY = `{
  "name": "default",
  "training": {
    "minutes": 100.0,
    "data": "crops at 64\\u00b2"
  },
  "quality": {
    "kid": [
      1.5
    ]
  }
}
`;

it('adds noise_level_error as the last key, leaves every other byte, and replaces its own table', () => {
  const out = withNoiseLevelTable(PY, { t: [0.1, 0.5], note: 'at 64²' });
  expect(out.startsWith(PY.slice(0, PY.lastIndexOf('}')).trimEnd())).toBe(true); // "100.0" and the \\u escapes stay
  expect(JSON.parse(out).noise_level_error).toEqual({ t: [0.1, 0.5], note: 'at 64²' });
  expect(out).toContain('"note": "at 64\\u00b2"');
  const again = withNoiseLevelTable(out, { t: [0.2] });
  expect(again).toBe(withNoiseLevelTable(PY, { t: [0.2] }));
  expect(() => withNoiseLevelTable('{\n  "noise_level_error": {},\n  "name": "x"\n}\n', { t: [1] })).toThrow(/not its last key/);
});

it('fits log e = a + b·(log g − mean) per level, with leave-one-out spread and z', () => {
  // 6 images, 2 levels: e = g^b·exp(a) exactly except image 5 (a residual at level 0)
  const g = [0.02, 0.03, 0.04, 0.05, 0.06, 0.08];
  const ts = [0.1, 0.5];
  const a = [-3, -5];
  const b = [1, 0.5];
  const errors = g.map((gi, i) => ts.map((_, k) => Math.exp(a[k] + b[k] * Math.log(gi) + (i === 5 && k === 0 ? 0.3 : 0) + 0.01 * ((i * 7 + k) % 3))));
  const cal = calibrate(errors, g, ts, ts, 0.9);
  expect(cal.slope[1]).toBeCloseTo(0.5, 1);
  expect(cal.slope[0]).toBeGreaterThan(0.9);
  expect(cal.logSd[0]).toBeGreaterThan(cal.logSd[1]); // the outlier widens level 0 only
  expect(cal.maxScore[5]).toBe(Math.max(...cal.maxScore));
  expect(cal.z).toBeGreaterThan(0);
  expect(() => calibrate(errors.slice(0, 3), g.slice(0, 3), ts)).toThrow(/at least 4 images/);
  expect(() => calibrate(errors, g, ts, [0.3])).toThrow(/grid level 0.3/);
});
