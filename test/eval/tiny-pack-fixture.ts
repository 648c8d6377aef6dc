// The eval tests' shared set-up: the tiny untrained pixel pack loaded once per file (1 thread)
// and a scratch folder, both released after the file's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPackFromDir, type LoadedPack } from '../../src/model/node';

export const TINY = path.join(__dirname, '../fixtures/tiny-model');
export const HELDOUT = path.join(__dirname, '../../models/eval/heldout');

export interface TinyPackFixture {
  readonly loaded: LoadedPack;
  readonly tmp: string;
}

export function tinyPackPerFile(tmpPrefix: string): TinyPackFixture {
  let loaded: LoadedPack | null = null;
  let tmp: string | null = null;
  beforeAll(async () => {
    loaded = await loadPackFromDir(TINY, { threads: 1 });
    tmp = mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  });
  afterAll(async () => {
    await loaded?.release();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  const must = <T>(v: T | null, what: string): T => {
    if (v === null) throw new Error(`tinyPackPerFile: ${what} is only there inside the file's tests`);
    return v;
  };
  return {
    get loaded() {
      return must(loaded, 'the pack');
    },
    get tmp() {
      return must(tmp, 'the scratch folder');
    },
  };
}
