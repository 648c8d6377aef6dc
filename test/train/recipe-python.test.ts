// The training recipe's own Python checks, run wherever their Python is at hand. Training never
// runs in CI, but two parts of the recipe decide what the model is trained on:
// - models/train/photo_bundles.py reads photographs packed inside other files (Qt resource
//   bundles and the licence READMEs beside their images): which bytes and which licence go into
//   the manifest. Its checks are stdlib only.
// - models/train/boats.py draws boats on the procedural scenes' water, and must leave every
//   scene without boats (the held-out evaluation scenes among them) byte for byte as it was. Its
//   checks need numpy and torch (Debian's python3-torch), as the recipe does.
// - models/train/v2/unet2.py's grow_model (seed_run.py --arch) turns the shipped network into a
//   larger one that must compute exactly what it did, and train_v2.py --train-only decides which
//   of its parameters a stretch trains. Torch again.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const PYTHON = '/usr/bin/python3';
const root = path.resolve(__dirname, '../..');
const hasPython = existsSync(PYTHON);
const hasTorch = hasPython && spawnSync(PYTHON, ['-c', 'import numpy, torch'], { encoding: 'utf8' }).status === 0;

function unittest(pattern: string): void {
  const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'models/train', '-p', pattern], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toMatch(/Ran [1-9]\d* tests?/);
  expect(r.stderr).not.toMatch(/skipped/);
  expect(r.status).toBe(0);
}

(hasPython ? test : test.skip)(
  `photo_bundles.py passes its unittest checks${hasPython ? '' : ` (skipped: no ${PYTHON} on this machine)`}`,
  () => unittest('test_photo_bundles.py'),
);

(hasTorch ? test : test.skip)(
  `boats.py passes its unittest checks${hasTorch ? '' : ` (skipped: ${PYTHON} has no numpy/torch here; apt-get install python3-torch)`}`,
  () => unittest('test_boats.py'),
  60_000,
);

(hasTorch ? test : test.skip)(
  `growing a trained v2 network keeps what it computes${hasTorch ? '' : ` (skipped: ${PYTHON} has no torch here; apt-get install python3-torch)`}`,
  () => unittest('test_grow.py'),
  60_000,
);
