// The pack cache's logic on an in-memory private file system (jsdom and node have neither OPFS
// nor IndexedDB; test/e2e/hosted-cache.test.ts runs both for real in Chromium).
import { createHash } from 'node:crypto';
import { checkSha256Key } from '../../src/ui/runtime/pack-cache';
import { OPFS_FOLDER, STALE_PARTIAL_MS, openOpfsPackCache } from '../../src/ui/runtime/pack-cache-opfs';
import { describePackStorage, openPackStorage, type StorageEnv } from '../../src/ui/runtime/pack-cache-open';
import { FakeOpfsDirectory, type FakeOpfsFaults } from './fake-opfs';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesA = new Uint8Array([1, 2, 3, 4, 5, 250]);
const bytesB = new Uint8Array(1000).map((_, i) => (i * 7) & 255);

async function cacheOn(faults: FakeOpfsFaults = {}, now = () => 1_000_000) {
  const root = new FakeOpfsDirectory(faults, now);
  const cache = await openOpfsPackCache(root, { now, tempSuffix: () => 'tmp' });
  return { root, dir: root.dirs.get(OPFS_FOLDER)!, cache };
}

describe('OPFS pack cache', () => {
  test('put then get gives the same bytes back, under the sha256 as the file name', async () => {
    const { dir, cache } = await cacheOn();
    await cache.put(sha(bytesA), bytesA);
    await cache.put(sha(bytesB), bytesB);
    expect(await cache.get(sha(bytesA))).toEqual(bytesA);
    expect(await cache.get(sha(bytesB))).toEqual(bytesB);
    expect([...dir.files.keys()].sort()).toEqual([sha(bytesA), sha(bytesB)].sort());
    expect(await cache.list()).toEqual([sha(bytesA), sha(bytesB)].sort());
    expect(await cache.get(sha(new Uint8Array([9])))).toBeUndefined();
  });

  test('a file is written under a temporary name and moved to its key only after the write closed', async () => {
    const { dir, cache } = await cacheOn();
    const key = sha(bytesA);
    dir.log.length = 0;
    await cache.put(key, bytesA);
    expect(dir.log).toEqual([`create ${key}.partial-tmp`, `close ${key}.partial-tmp`, `move ${key}.partial-tmp -> ${key}`]);
  });

  test('a write that fails (a full disk) leaves neither the key nor a temporary file', async () => {
    const { dir, cache } = await cacheOn({ failNextWrite: true });
    await expect(cache.put(sha(bytesA), bytesA)).rejects.toMatchObject({ name: 'QuotaExceededError' });
    expect([...dir.files.keys()]).toEqual([]);
    expect(await cache.get(sha(bytesA))).toBeUndefined();
    // the next try works
    await cache.put(sha(bytesA), bytesA);
    expect(await cache.get(sha(bytesA))).toEqual(bytesA);
  });

  test('a rename that fails leaves no temporary file and no entry under the key', async () => {
    const { dir, cache } = await cacheOn({ failNextMove: true });
    await expect(cache.put(sha(bytesB), bytesB)).rejects.toThrow('move failed');
    expect([...dir.files.keys()]).toEqual([]);
  });

  test('a file already kept is not written again', async () => {
    const { dir, cache } = await cacheOn();
    await cache.put(sha(bytesA), bytesA);
    dir.log.length = 0;
    await cache.put(sha(bytesA), bytesA);
    expect(dir.log).toEqual([]);
  });

  test('keys are lowercase sha256 hex; anything else is refused in words, never used as a name', async () => {
    const { dir, cache } = await cacheOn();
    await cache.put(sha(bytesA).toUpperCase(), bytesA);
    expect(await cache.get(sha(bytesA))).toEqual(bytesA);
    for (const bad of ['../model.onnx', 'abc', `${sha(bytesA)}x`, '']) {
      await expect(cache.put(bad, bytesA)).rejects.toThrow('is not a sha256 (64 hex digits)');
      await expect(cache.get(bad)).rejects.toThrow('is not a sha256 (64 hex digits)');
    }
    expect([...dir.files.keys()]).toEqual([sha(bytesA)]);
    expect(() => checkSha256Key('g'.repeat(64))).toThrow('not a sha256');
  });

  test('opening removes stale temporary files of unfinished writes and keeps recent ones', async () => {
    const now = 10 * STALE_PARTIAL_MS;
    const root = new FakeOpfsDirectory({}, () => now);
    const dir = await root.getDirectoryHandle(OPFS_FOLDER, { create: true });
    const key = sha(bytesA);
    dir.plant(key, bytesA, 0);
    dir.plant(`${sha(bytesB)}.partial-old`, bytesB.subarray(0, 10), now - STALE_PARTIAL_MS - 1);
    dir.plant(`${sha(bytesB)}.partial-new`, bytesB.subarray(0, 10), now - 1000);
    const cache = await openOpfsPackCache(root, { now: () => now });
    expect([...dir.files.keys()].sort()).toEqual([key, `${sha(bytesB)}.partial-new`].sort());
    expect(await cache.list()).toEqual([key]);
    expect(await cache.get(sha(bytesB))).toBeUndefined();
  });

  test('clear drops every file', async () => {
    const { dir, cache } = await cacheOn();
    await cache.put(sha(bytesA), bytesA);
    await cache.clear();
    expect([...dir.files.keys()]).toEqual([]);
    expect(await cache.get(sha(bytesA))).toBeUndefined();
  });
});

function storageEnv(root: FakeOpfsDirectory | Error | null, extra: Partial<StorageEnv> = {}) {
  const calls = { persist: 0, persisted: 0 };
  const storage = {
    estimate: async () => ({ usage: 1.5e9, quota: 60e9 }),
    persisted: async () => {
      calls.persisted++;
      return false;
    },
    persist: async () => {
      calls.persist++;
      return true;
    },
    ...(root ? { getDirectory: async () => (root instanceof FakeOpfsDirectory ? root : Promise.reject(root)) } : {}),
  };
  const env: StorageEnv = { isOpaqueOrigin: false, storage, ...extra };
  return { env, calls };
}

const throwingIdb = (message: string): IDBFactory =>
  ({
    open: () => {
      throw new DOMException(message, 'SecurityError');
    },
  }) as unknown as IDBFactory;

describe('openPackStorage', () => {
  test("Figma's opaque-origin iframe: no cache, and the reason says hosted mode keeps packs", async () => {
    const { env } = storageEnv(new FakeOpfsDirectory());
    const opening = await openPackStorage({ ...env, isOpaqueOrigin: true });
    expect(opening.cache).toBeNull();
    expect(describePackStorage(opening)).toMatch(/opaque origin.*until the plugin closes.*Hosted mode keeps packs/);
  });

  test('a real origin with a writable private file system gets the OPFS cache and its quota; persistence is asked once, at the first file kept', async () => {
    const { env, calls } = storageEnv(new FakeOpfsDirectory());
    const opening = await openPackStorage(env);
    expect(opening.cache?.kind).toContain('OPFS');
    expect(opening).toMatchObject({ storage: { usage: 1.5e9, quota: 60e9, persisted: false } });
    expect(calls.persist).toBe(0);
    expect(describePackStorage(opening)).toBe(
      "Downloaded packs are kept in this browser's private file storage (OPFS). 1.5 GB used of 60.0 GB allowed. The browser may remove them if the disk runs low; they are then downloaded again.",
    );
    await opening.cache!.put(sha(bytesA), bytesA);
    await opening.cache!.put(sha(bytesB), bytesB);
    const again = await openPackStorage(env);
    await again.cache!.put(sha(bytesB), bytesB);
    expect(calls.persist).toBe(1);
    expect(await again.cache!.get(sha(bytesA))).toEqual(bytesA);
  });

  test('persistent storage granted: the sentence says the packs stay; sizes under a megabyte in kB', async () => {
    const { env } = storageEnv(new FakeOpfsDirectory());
    env.storage = { ...env.storage!, persisted: async () => true, estimate: async () => ({ usage: 21_790, quota: 10.7e9 }) };
    const opening = await openPackStorage(env);
    expect(describePackStorage(opening)).toBe(
      "Downloaded packs are kept in this browser's private file storage (OPFS). 22 kB used of 10.7 GB allowed. They stay until you clear this site’s data.",
    );
  });

  test('no usable storage at all: null with every reason, never a throw', async () => {
    const denied = new DOMException('The request was denied.', 'SecurityError');
    const a = await openPackStorage(storageEnv(denied, { indexedDB: throwingIdb('access denied') }).env);
    expect(a.cache).toBeNull();
    expect(describePackStorage(a)).toMatch(/private file storage: The request was denied.*IndexedDB: access denied.*until the page closes/);

    const b = await openPackStorage(storageEnv(new FakeOpfsDirectory({ noWritable: true })).env);
    expect(b.cache).toBeNull();
    expect(describePackStorage(b)).toMatch(/createWritable\/move missing.*IndexedDB: not offered/);

    const c = await openPackStorage({ isOpaqueOrigin: false });
    expect(describePackStorage(c)).toMatch(/private file storage: not offered.*IndexedDB: not offered/);
  });
});
