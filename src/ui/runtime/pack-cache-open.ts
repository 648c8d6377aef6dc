// Which pack cache this page gets: the private file system (OPFS) where the page can write and
// rename files there, IndexedDB otherwise, none on an opaque origin (Figma's plugin iframe), with
// the reason in words. Never throws: a page without storage still loads packs, just every time.
import type { PackFileCache } from './pack-cache';
import { openIdbPackCache } from './pack-cache-idb';
import { openOpfsPackCache, type OpfsDirectory } from './pack-cache-opfs';

/** What the browser says about this origin's storage. */
export interface StorageReport {
  /** bytes used by this origin, when the browser says */
  usage: number | null;
  /** bytes this origin may use, when the browser says */
  quota: number | null;
  /** true when the browser promised not to evict this origin's data under storage pressure */
  persisted: boolean;
}

export type PackCacheOpening =
  | { cache: PackFileCache; storage: StorageReport }
  | { cache: null; reason: string };

/** The browser APIs the opening uses; the page's own by default. */
export interface StorageEnv {
  isOpaqueOrigin: boolean;
  storage?: Pick<StorageManager, 'estimate' | 'persist' | 'persisted'> & { getDirectory?: () => Promise<unknown> };
  indexedDB?: IDBFactory;
}

export function pageStorageEnv(): StorageEnv {
  const g = globalThis as { origin?: string; navigator?: Navigator; indexedDB?: IDBFactory };
  let idb: IDBFactory | undefined;
  try {
    idb = g.indexedDB;
  } catch {
    // reading indexedDB throws on some opaque origins
  }
  return { isOpaqueOrigin: g.origin === 'null', storage: g.navigator?.storage, indexedDB: idb };
}

// DOMException is not an Error subclass everywhere (Node's is not), so read its message directly
const message = (e: unknown): string => {
  const m = typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined;
  return typeof m === 'string' && m ? m : String(e);
};

const persistAsked = new WeakMap<object, Promise<boolean>>();

/** Ask the browser once per page to keep this origin's data (it may say no; then it may evict
 *  the cache when the disk runs low, which only costs a new download). Asked when the first file
 *  is stored, not on opening: Firefox asks the user, which only makes sense after a download. */
function askPersist(storage: NonNullable<StorageEnv['storage']>): Promise<boolean> {
  let asked = persistAsked.get(storage);
  if (asked) return asked;
  asked = (async () => {
    try {
      if (await storage.persisted()) return true;
      return await storage.persist();
    } catch {
      return false;
    }
  })();
  persistAsked.set(storage, asked);
  return asked;
}

/** Usage and quota of this origin and whether its data is persistent, as far as the browser tells
 *  (asks nothing of the user). */
export async function storageReport(env: StorageEnv = pageStorageEnv()): Promise<StorageReport> {
  const storage = env.storage;
  if (!storage) return { usage: null, quota: null, persisted: false };
  const persisted = await storage.persisted().catch(() => false);
  try {
    const e = await storage.estimate();
    return { usage: e.usage ?? null, quota: e.quota ?? null, persisted };
  } catch {
    return { usage: null, quota: null, persisted };
  }
}

/** The cache, asking for persistent storage once its first file is kept. */
function persistingOnPut(cache: PackFileCache, storage: StorageEnv['storage']): PackFileCache {
  return {
    kind: cache.kind,
    get: (sha256) => cache.get(sha256),
    async put(sha256, bytes) {
      await cache.put(sha256, bytes);
      if (storage) await askPersist(storage);
    },
  };
}

export async function openPackStorage(env: StorageEnv = pageStorageEnv()): Promise<PackCacheOpening> {
  if (env.isOpaqueOrigin) {
    return {
      cache: null,
      reason: "Figma's plugin window has no storage of its own (an opaque origin), so a downloaded pack lasts until the plugin closes. Hosted mode keeps packs between sessions.",
    };
  }
  const tried: string[] = [];
  let cache: PackFileCache | null = null;
  if (env.storage?.getDirectory) {
    try {
      cache = await openOpfsPackCache((await env.storage.getDirectory()) as OpfsDirectory);
    } catch (e) {
      tried.push(`private file storage: ${message(e)}`);
    }
  } else tried.push('private file storage: not offered by this browser');
  if (!cache && env.indexedDB) {
    try {
      cache = await openIdbPackCache(env.indexedDB);
    } catch (e) {
      tried.push(`IndexedDB: ${message(e)}`);
    }
  } else if (!cache) tried.push('IndexedDB: not offered by this browser');
  if (!cache) return { cache: null, reason: `This browser keeps no pack files for this page (${tried.join('; ')}), so a downloaded pack lasts until the page closes.` };
  return { cache: persistingOnPut(cache, env.storage), storage: await storageReport(env) };
}

/** The page's pack cache, or null where it has none (see openPackStorage for the reason). */
export async function openPackCache(env: StorageEnv = pageStorageEnv()): Promise<PackFileCache | null> {
  return (await openPackStorage(env)).cache;
}

const size = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${Math.round(n / 1e6)} MB` : `${Math.ceil(n / 1e3)} kB`);

/** One sentence for the panel: where packs are kept, how much room there is, whether it lasts. */
export function describePackStorage(opening: PackCacheOpening): string {
  if (!opening.cache) return opening.reason;
  const { usage, quota, persisted } = opening.storage;
  const room = usage !== null && quota !== null ? ` ${size(usage)} used of ${size(quota)} allowed.` : '';
  const lasting = persisted
    ? ' They stay until you clear this site’s data.'
    : ' The browser may remove them if the disk runs low; they are then downloaded again.';
  return `Downloaded packs are kept in ${opening.cache.kind}.${room}${lasting}`;
}
