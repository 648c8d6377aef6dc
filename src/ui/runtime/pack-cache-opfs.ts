// PackFileCache on the origin-private file system (navigator.storage.getDirectory()). Each file
// is written under a temporary name and moved to its sha256 once the write has closed, so a
// crash or a full disk mid-write never leaves a short file under a real key.
import { checkSha256Key, type PackFileCache } from './pack-cache';

/** The part of FileSystemWritableFileStream the cache uses. */
export interface OpfsWritable {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

/** The part of FileSystemFileHandle the cache uses (`move` is Chromium's and Firefox's, not in TS's DOM lib yet). */
export interface OpfsFileHandle {
  readonly kind: 'file';
  readonly name: string;
  getFile(): Promise<File>;
  createWritable?(): Promise<OpfsWritable>;
  move?(newName: string): Promise<void>;
}

/** The part of FileSystemDirectoryHandle the cache uses. */
export interface OpfsDirectory {
  readonly kind: 'directory';
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectory>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/** The folder under the origin's root that holds the cached pack files. */
export const OPFS_FOLDER = 'sdedit-pack-files';
const PARTIAL = '.partial-';
/** A temporary file older than this is left over from a write that never finished. */
export const STALE_PARTIAL_MS = 60 * 60 * 1000;

// DOMException is not an Error subclass everywhere (Node's is not), so go by the name
const errorName = (e: unknown): string | undefined => (typeof e === 'object' && e !== null ? (e as { name?: string }).name : undefined);
const isNotFound = (e: unknown): boolean => errorName(e) === 'NotFoundError' || errorName(e) === 'TypeMismatchError';

export interface OpfsCacheOptions {
  now?: () => number;
  /** suffix of temporary names; defaults to a random one */
  tempSuffix?: () => string;
}

export class OpfsPackCache implements PackFileCache {
  readonly kind = "this browser's private file storage (OPFS)";

  constructor(
    private readonly dir: OpfsDirectory,
    private readonly opts: OpfsCacheOptions = {},
  ) {}

  async get(sha256: string): Promise<Uint8Array | undefined> {
    const key = checkSha256Key(sha256);
    let handle: OpfsFileHandle;
    try {
      handle = await this.dir.getFileHandle(key);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const file = await handle.getFile();
    return new Uint8Array(await file.arrayBuffer());
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const key = checkSha256Key(sha256);
    if (await this.has(key)) return;
    const suffix = this.opts.tempSuffix?.() ?? Math.random().toString(36).slice(2, 10);
    const tempName = `${key}${PARTIAL}${suffix}`;
    const temp = await this.dir.getFileHandle(tempName, { create: true });
    try {
      if (!temp.createWritable || !temp.move) throw new Error('This browser cannot write or rename files in its private storage.');
      const w = await temp.createWritable();
      try {
        await w.write(bytes);
      } catch (e) {
        await w.abort(e).catch(() => undefined);
        throw e;
      }
      await w.close();
      await temp.move(key);
    } catch (e) {
      await this.dir.removeEntry(tempName).catch(() => undefined);
      // another tab may have stored the same file meanwhile: same key, same bytes
      if (await this.has(key)) return;
      throw e;
    }
  }

  /** Every cached file, by sha256 (temporary files left out). */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for await (const name of this.dir.keys()) if (!name.includes(PARTIAL)) out.push(name);
    return out.sort();
  }

  /** Drop every cached file (and any temporary one). */
  async clear(): Promise<void> {
    const names: string[] = [];
    for await (const name of this.dir.keys()) names.push(name);
    for (const name of names) await this.dir.removeEntry(name);
  }

  /** Remove temporary files of writes that never finished (a closed tab, a crash). Writes in
   *  progress elsewhere are newer than STALE_PARTIAL_MS and stay. */
  async sweepPartials(): Promise<number> {
    const now = (this.opts.now ?? Date.now)();
    const stale: string[] = [];
    for await (const name of this.dir.keys()) {
      if (!name.includes(PARTIAL)) continue;
      try {
        const file = await (await this.dir.getFileHandle(name)).getFile();
        if (now - file.lastModified > STALE_PARTIAL_MS) stale.push(name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    for (const name of stale) await this.dir.removeEntry(name).catch(() => undefined);
    return stale.length;
  }

  private async has(key: string): Promise<boolean> {
    try {
      await this.dir.getFileHandle(key);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
}

/** The cache in `root` (the origin's OPFS root), or why it cannot be one: the browser must
 *  be able to write a file and rename it there. */
export async function openOpfsPackCache(root: OpfsDirectory, opts: OpfsCacheOptions = {}): Promise<OpfsPackCache> {
  const dir = await root.getDirectoryHandle(OPFS_FOLDER, { create: true });
  const probeName = `probe${PARTIAL}${opts.tempSuffix?.() ?? Math.random().toString(36).slice(2, 10)}`;
  const probe = await dir.getFileHandle(probeName, { create: true });
  const capable = typeof probe.createWritable === 'function' && typeof probe.move === 'function';
  await dir.removeEntry(probeName);
  if (!capable) throw new Error('the private file storage here cannot write and rename files from the page (createWritable/move missing)');
  const cache = new OpfsPackCache(dir, opts);
  await cache.sweepPartials();
  return cache;
}
