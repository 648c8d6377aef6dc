// The training recipe's reader of photographs packed inside other files (models/train/
// photo_bundles.py: Qt resource bundles and the licence READMEs beside their images), through its
// own stdlib-only Python checks. Training never runs in CI; this reader decides which bytes and
// which licence go into the manifest, so it is checked wherever a Python 3 is at hand.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const PYTHON = '/usr/bin/python3';
const root = path.resolve(__dirname, '../..');
const maybe = existsSync(PYTHON) ? test : test.skip;

maybe(`photo_bundles.py passes its unittest checks${existsSync(PYTHON) ? '' : ` (skipped: no ${PYTHON} on this machine)`}`, () => {
  const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'models/train', '-p', 'test_*.py'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toMatch(/Ran [1-9]\d* tests?/);
  expect(r.status).toBe(0);
});
