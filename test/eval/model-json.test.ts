// Writing the quality block leaves every other byte of model.json as export.py wrote it.
import { withQuality, withSideBySide } from '../../src/cli/eval/quality';

const PY = `{
  "name": "default",
  "description": "UNet trained on scenes (\\u03b5-prediction).",
  "sde": {
    "type": "vp",
    "beta_start": 0.0001,
    "timesteps": 1000
  },
  "value_range": [
    -1,
    1
  ],
  "training": {
    "data": "crops at 64\\u00b2",
    "minutes": 8.0,
    "batch": null
  },
  "quality": null
}
`;

it('replaces only the quality value, in Python json.dumps style', () => {
  const q = { kid: [0.1, 0.2], note: 'L2 on 32×32', nested: { a: 1 } };
  const out = withQuality(PY, q);
  const head = PY.slice(0, PY.indexOf('"quality"'));
  expect(out.startsWith(head)).toBe(true); // "8.0" and the \\u escapes are untouched
  expect(out.endsWith('}\n')).toBe(true);
  expect(JSON.parse(out).quality).toEqual(q);
  expect(out).toContain('"note": "L2 on 32\\u00d732"');
  expect(out).toContain('\n  "quality": {\n    "kid": [\n      0.1,');
  // and again over its own output
  const again = withQuality(out, { kid: 1 });
  expect(again).toBe(`${head}"quality": {\n    "kid": 1\n  }\n}\n`);
});

it('adds quality when the key is missing', () => {
  const out = withQuality('{\n  "name": "x"\n}\n', { a: 1 });
  expect(JSON.parse(out)).toEqual({ name: 'x', quality: { a: 1 } });
});

describe('withSideBySide', () => {
  const packText = (quality: unknown) => `{\n  "name": "v2",\n  "quality": ${JSON.stringify(quality)}\n}\n`;
  const block = { models: [{ label: 'v1' }, { label: 'v2' }] };

  it('adds the comparison to a quality block measured on the same model.onnx', () => {
    const out = JSON.parse(withSideBySide(packText({ model_sha256: 'abc', kid: [1, 2] }), 'abc', block));
    expect(out.quality).toEqual({ model_sha256: 'abc', kid: [1, 2], side_by_side: block });
    expect(out.name).toBe('v2');
  });

  it('drops a quality block of other weights instead of mixing two models’ numbers', () => {
    const out = JSON.parse(withSideBySide(packText({ model_sha256: 'old', kid: [9] }), 'new', block));
    expect(out.quality).toEqual({ model_sha256: 'new', side_by_side: block });
  });

  it('starts a quality block when there is none', () => {
    expect(JSON.parse(withSideBySide(packText(null), 'abc', block)).quality).toEqual({ model_sha256: 'abc', side_by_side: block });
  });
});
