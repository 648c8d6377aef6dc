// Every file the CLI and the evaluation write goes through here: a temporary file next to the
// target, renamed into place, so a crash or a full disk never leaves a half-written file under
// the user's name (and never overwrites a good one with a short one).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Write `data` to `file` atomically, creating its folder. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
