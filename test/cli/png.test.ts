// The command line's one PNG reader and writer (src/cli/png.ts).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PngFileError, readPngFile, writePngFile } from '../../src/cli/png';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sdedit-png-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('writes RGBA into a new folder and reads the same bytes back, leaving no temporary file', () => {
  const rgba = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 29) % 256);
  const file = path.join(tmp, 'sub', 'a.png');
  writePngFile(file, rgba, 5, 3);
  const back = readPngFile(file);
  expect([back.width, back.height]).toEqual([5, 3]);
  expect(Array.from(back.rgba)).toEqual(Array.from(rgba));
  expect(readdirSync(path.dirname(file))).toEqual(['a.png']);
});

it('refuses a buffer of the wrong size before writing anything', () => {
  const file = path.join(tmp, 'bad.png');
  expect(() => writePngFile(file, new Uint8Array(10), 2, 2)).toThrow(/10 bytes for 2×2 RGBA \(needs 16\)/);
  expect(readdirSync(tmp)).not.toContain('bad.png');
});

it('says which file is missing or not a PNG', () => {
  expect(() => readPngFile(path.join(tmp, 'none.png'), 'guide')).toThrow(new PngFileError(`guide not found: ${path.join(tmp, 'none.png')}`));
  writeFileSync(path.join(tmp, 'text.png'), 'not a png at all');
  expect(() => readPngFile(path.join(tmp, 'text.png'), 'mask')).toThrow(/^mask .*text\.png is not a PNG file$/);
  const broken = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  writeFileSync(path.join(tmp, 'broken.png'), broken);
  expect(() => readPngFile(path.join(tmp, 'broken.png'))).toThrow(/^image .*broken\.png is cut short or damaged: it has no image header/);
});
