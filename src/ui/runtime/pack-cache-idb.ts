// PackFileCache in IndexedDB, for browsers whose private file storage cannot write from the
// page (Safari offers OPFS writes only in workers). One put is one readwrite transaction:
// either the whole record is stored or nothing is.
import { checkSha256Key, type PackFileCache } from './pack-cache';

export const IDB_NAME = 'sdedit-pack-files';
const STORE = 'files';
const VERSION = 1;

interface StoredFile {
  bytes: Uint8Array;
  size: number;
  storedAt: number;
}

const request = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });

const done = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction was aborted'));
  });

export class IdbPackCache implements PackFileCache {
  readonly kind = "this browser's IndexedDB storage";

  constructor(
    private readonly db: IDBDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async get(sha256: string): Promise<Uint8Array | undefined> {
    const key = checkSha256Key(sha256);
    const tx = this.db.transaction(STORE, 'readonly');
    const value = (await request(tx.objectStore(STORE).get(key))) as StoredFile | undefined;
    if (!value) return undefined;
    if (!(value.bytes instanceof Uint8Array) || value.bytes.length !== value.size) {
      // a record this code did not write: not trusted as the file
      return undefined;
    }
    return value.bytes;
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const key = checkSha256Key(sha256);
    const tx = this.db.transaction(STORE, 'readwrite');
    const finished = done(tx);
    const record: StoredFile = { bytes, size: bytes.length, storedAt: this.now() };
    tx.objectStore(STORE).put(record, key);
    await finished;
  }

  async list(): Promise<string[]> {
    const tx = this.db.transaction(STORE, 'readonly');
    const keys = await request(tx.objectStore(STORE).getAllKeys());
    return keys.map(String).sort();
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const finished = done(tx);
    tx.objectStore(STORE).clear();
    await finished;
  }
}

/** Open (or create) the database. `indexedDB.open` itself throws a SecurityError on an opaque
 *  origin; that rejection is the caller's reason to have no cache. */
export async function openIdbPackCache(factory: IDBFactory): Promise<IdbPackCache> {
  const req = factory.open(IDB_NAME, VERSION);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
  };
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab holding an older version open'));
  });
  return new IdbPackCache(db);
}
