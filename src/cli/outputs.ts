// The command's output files. Before the network runs: refuse an output that is one of the input
// files (a variation name included), and check that every output's folder can be written. After
// it: write every variation to a temporary file in its own folder, then rename them all into
// place, so a failed write (disk full, read-only folder) leaves no truncated PNG and no partial
// set, and an existing file is replaced only by a complete one.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { CliError, fsReason } from './errors';

/** The file-system calls the outputs need (node's fs/promises; a test may pass a failing one). */
export interface OutputFs {
  stat(p: string): Promise<{ isDirectory(): boolean; dev: number; ino: number }>;
  access(p: string, mode: number): Promise<void>;
  mkdir(p: string, opts: { recursive: true }): Promise<unknown>;
  writeFile(p: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(p: string): Promise<void>;
}

export const nodeOutputFs: OutputFs = {
  stat: (p) => fsp.stat(p),
  access: (p, mode) => fsp.access(p, mode),
  mkdir: (p, opts) => fsp.mkdir(p, opts),
  writeFile: (p, data) => fsp.writeFile(p, data),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (p) => fsp.unlink(p),
};

/** An input the outputs must not overwrite: `what` names it in messages ("the guide"). */
export interface InputFile {
  what: string;
  file: string;
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

async function statOrNull(fs: OutputFs, p: string): Promise<Awaited<ReturnType<OutputFs['stat']>> | null> {
  try {
    return await fs.stat(p);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw e;
  }
}

/** The deepest folder on the way to `dir` that exists (outputs' missing folders are created). */
async function nearestExisting(fs: OutputFs, dir: string): Promise<{ dir: string; isDirectory: boolean }> {
  for (let d = dir; ; d = path.dirname(d)) {
    const st = await statOrNull(fs, d);
    if (st) return { dir: d, isDirectory: st.isDirectory() };
    if (path.dirname(d) === d) return { dir: d, isDirectory: false };
  }
}

/**
 * Refuses, with a message saying what to change, outputs that would overwrite an input (same
 * path after resolving, or the same file through a link) and outputs that cannot be written.
 * `out` and `variations` are the command's flags, for the message.
 */
export async function checkOutputs(outputs: readonly string[], inputs: readonly InputFile[], out: string, fs: OutputFs = nodeOutputFs): Promise<void> {
  const named = (file: string): string => (outputs.length > 1 ? `--out ${out} with --variations ${outputs.length} writes ${file}, which` : `--out ${file}`);
  for (const file of outputs) {
    const target = path.resolve(file);
    const st = await statOrNull(fs, target);
    for (const input of inputs) {
      let same = path.resolve(input.file) === target;
      if (!same && st) {
        const inSt = await statOrNull(fs, path.resolve(input.file));
        same = !!inSt && inSt.dev === st.dev && inSt.ino === st.ino;
      }
      if (same) throw new CliError(`${named(file)} is ${input.what} (${input.file}): writing the result there would destroy it; choose another --out`);
    }
    if (st?.isDirectory()) throw new CliError(`cannot write ${file}: it is a folder; give --out a file name`);
    const parent = await nearestExisting(fs, path.dirname(target));
    if (!parent.isDirectory) throw new CliError(`cannot write ${file}: ${parent.dir} is a file, not a folder`);
    try {
      await fs.access(parent.dir, constants.W_OK | constants.X_OK);
    } catch (e) {
      throw new CliError(`cannot write ${file}: the folder ${parent.dir} is not writable (${fsReason(e)})`);
    }
  }
}

export interface OutputFile {
  file: string;
  bytes: Uint8Array;
}

/** Writes every file or none: temporary files in the target folders first, then renames. */
export async function writeAll(files: readonly OutputFile[], fs: OutputFs = nodeOutputFs): Promise<void> {
  const temps: string[] = [];
  const removeTemps = async (from: number): Promise<void> => {
    for (const t of temps.slice(from)) await fs.unlink(t).catch(() => undefined);
  };
  for (const { file, bytes } of files) {
    const dir = path.dirname(path.resolve(file));
    const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await fs.mkdir(dir, { recursive: true });
      temps.push(temp);
      await fs.writeFile(temp, bytes);
    } catch (e) {
      await removeTemps(0);
      throw new CliError(`could not write ${file} (${fsReason(e)}); no output file was changed`);
    }
  }
  const written: string[] = [];
  for (let i = 0; i < files.length; i++) {
    try {
      await fs.rename(temps[i], files[i].file);
      written.push(files[i].file);
    } catch (e) {
      await removeTemps(i);
      const done = written.length ? `${written.join(', ')} ${written.length > 1 ? 'were' : 'was'} written, the others were left as they were` : 'no output file was changed';
      throw new CliError(`could not write ${files[i].file} (${fsReason(e)}); ${done}`);
    }
  }
}
