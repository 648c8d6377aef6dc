// An in-memory stand-in for the origin-private file system, as far as the pack cache uses it.
// It behaves as Chromium's does where the cache depends on it: a writable's bytes appear only
// at close(), a missing entry is a NotFoundError, move() renames within the folder and replaces
// a file of that name. Faults can be injected: a write that fails (a full disk), a move that fails.
import type { OpfsDirectory, OpfsFileHandle, OpfsWritable } from '../../src/ui/runtime/pack-cache-opfs';

export interface FakeOpfsFaults {
  /** the next write() rejects with a QuotaExceededError */
  failNextWrite?: boolean;
  /** the next move() rejects */
  failNextMove?: boolean;
  /** the page cannot write or rename (Safari's main thread) */
  noWritable?: boolean;
}

interface Entry {
  bytes: Uint8Array;
  lastModified: number;
}

const notFound = (name: string) => new DOMException(`${name} not found`, 'NotFoundError');

export class FakeOpfsDirectory implements OpfsDirectory {
  readonly kind = 'directory' as const;
  readonly files = new Map<string, Entry>();
  readonly dirs = new Map<string, FakeOpfsDirectory>();
  readonly faults: FakeOpfsFaults;
  /** operations in order, for tests that check what was written where */
  readonly log: string[] = [];
  readonly now: () => number;

  constructor(faults: FakeOpfsFaults = {}, now: () => number = () => 1_000_000) {
    this.now = now;
    this.faults = faults;
  }

  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<FakeOpfsDirectory> {
    let d = this.dirs.get(name);
    if (!d) {
      if (!options.create) throw notFound(name);
      d = new FakeOpfsDirectory(this.faults, this.now);
      this.dirs.set(name, d);
    }
    return d;
  }

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<OpfsFileHandle> {
    if (!this.files.has(name)) {
      if (!options.create) throw notFound(name);
      this.files.set(name, { bytes: new Uint8Array(0), lastModified: this.now() });
      this.log.push(`create ${name}`);
    }
    return this.handle(name);
  }

  async removeEntry(name: string): Promise<void> {
    if (!this.files.delete(name) && !this.dirs.delete(name)) throw notFound(name);
    this.log.push(`remove ${name}`);
  }

  async *keys(): AsyncIterable<string> {
    for (const name of [...this.files.keys(), ...this.dirs.keys()]) yield name;
  }

  /** Set a file directly (a leftover from an earlier session). */
  plant(name: string, bytes: Uint8Array, lastModified: number): void {
    this.files.set(name, { bytes, lastModified });
  }

  private handle(initialName: string): OpfsFileHandle {
    return fileHandle(this, initialName);
  }
}

function fileHandle(dir: FakeOpfsDirectory, initialName: string): OpfsFileHandle {
  let name = initialName;
  const handle: OpfsFileHandle = {
    kind: 'file',
    get name() {
      return name;
    },
    async getFile() {
      const e = dir.files.get(name);
      if (!e) throw notFound(name);
      return new File([e.bytes as BlobPart], name, { lastModified: e.lastModified });
    },
  };
  if (dir.faults.noWritable) return handle;
  handle.createWritable = async (): Promise<OpfsWritable> => {
    const chunks: Uint8Array[] = [];
    return {
      async write(data) {
        if (dir.faults.failNextWrite) {
          dir.faults.failNextWrite = false;
          throw new DOMException('the disk is full', 'QuotaExceededError');
        }
        chunks.push(data.slice());
      },
      async close() {
        const total = chunks.reduce((s, c) => s + c.length, 0);
        const bytes = new Uint8Array(total);
        let o = 0;
        for (const c of chunks) {
          bytes.set(c, o);
          o += c.length;
        }
        dir.files.set(name, { bytes, lastModified: dir.now() });
        dir.log.push(`close ${name}`);
      },
      async abort() {
        chunks.length = 0;
      },
    };
  };
  handle.move = async (newName: string) => {
    if (dir.faults.failNextMove) {
      dir.faults.failNextMove = false;
      throw new DOMException('move failed', 'InvalidStateError');
    }
    const e = dir.files.get(name);
    if (!e) throw notFound(name);
    dir.files.delete(name);
    dir.files.set(newName, e);
    dir.log.push(`move ${name} -> ${newName}`);
    name = newName;
  };
  return handle;
}
