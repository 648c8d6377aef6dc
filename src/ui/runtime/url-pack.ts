// A URL pack's download: every planned file through download.ts, one at a time (a big pack is
// gigabytes: one stream in flight keeps memory to the files themselves), with progress over the
// whole pack, each file's size and sha256 checked, and a cache (when the hosted mode has one)
// read before and written after. Cancel or any failure leaves nothing behind: no files are
// returned and nothing is written to the cache until every file of the pack has been checked.
import { abortError } from '../../core';
import type { PackFiles } from '../../model/latent/web';
import { downloadFile } from './download';
import type { PackFileCache } from './pack-cache';
import { sidecarFor, type PackPlan } from './pack-plan';
import { record } from './trace';

export interface PackProgress {
  /** bytes of the pack in hand (downloaded or read from the cache) */
  loaded: number;
  total: number;
  /** over the bytes downloaded in this session since the start */
  bytesPerSecond: number;
  /** null while the speed is unknown */
  secondsLeft: number | null;
  /** the file in flight, its 1-based index and the count */
  file: string;
  index: number;
  count: number;
}

export interface PackDownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: PackProgress) => void;
  cache?: PackFileCache;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface DownloadedPack {
  files: PackFiles;
  /** files read from the cache instead of the network */
  fromCache: number;
  /** why the cache did not keep the new files (storage full, …), or null */
  cacheError: string | null;
}

/** Minimum time between two trace records of progress (the panel gets every update). */
const TRACE_EVERY_MS = 200;

/** Download the plan's files. Rejects with a DownloadError, or an AbortError on cancel. */
export async function downloadPack(plan: PackPlan, opts: PackDownloadOptions = {}): Promise<DownloadedPack> {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const files = new Map<string, Uint8Array>(plan.inline);
  const fresh: { sha256: string; bytes: Uint8Array }[] = [];
  let done = [...plan.inline.values()].reduce((n, b) => n + b.byteLength, 0);
  let downloaded = 0;
  let fromCache = 0;
  let traced = -Infinity;
  const count = plan.files.length;
  record({ type: 'pack-download-start', name: plan.name, files: count, bytes: plan.bytes });
  const report = (loaded: number, file: string, index: number, force = false) => {
    const secs = (now() - started) / 1000;
    const bytesPerSecond = secs > 0 ? downloaded / secs : 0;
    const p: PackProgress = { loaded, total: plan.bytes, bytesPerSecond, secondsLeft: bytesPerSecond > 0 ? Math.max(0, (plan.bytes - loaded) / bytesPerSecond) : null, file, index, count };
    opts.onProgress?.(p);
    const t = now();
    if (force || t - traced >= TRACE_EVERY_MS) {
      traced = t;
      record({ type: 'pack-download-progress', loaded: p.loaded, total: p.total, file, index });
    }
  };
  try {
    for (const [i, f] of plan.files.entries()) {
      if (opts.signal?.aborted) throw abortError();
      const kept = f.sha256 && opts.cache ? await opts.cache.get(f.sha256).catch(() => undefined) : undefined;
      if (kept && (f.bytes === undefined || kept.byteLength === f.bytes)) {
        files.set(f.path, kept);
        fromCache++;
        done += kept.byteLength;
        report(done, f.path, i + 1, true);
        continue;
      }
      let fileLoaded = 0;
      const bytes = await downloadFile(f.url, {
        signal: opts.signal,
        fetch: opts.fetch,
        now: opts.now,
        expected: { bytes: f.bytes, sha256: f.sha256 },
        onProgress: (p) => {
          downloaded += p.loaded - fileLoaded;
          fileLoaded = p.loaded;
          report(done + p.loaded, f.path, i + 1);
        },
      });
      files.set(f.path, bytes);
      done += bytes.byteLength;
      if (f.sha256) fresh.push({ sha256: f.sha256, bytes });
      report(done, f.path, i + 1, true);
    }
    if (opts.signal?.aborted) throw abortError();
  } catch (e) {
    record({ type: 'pack-download-end', name: plan.name, status: opts.signal?.aborted ? 'aborted' : 'error', message: (e as Error).message });
    throw opts.signal?.aborted ? abortError() : e;
  }
  if (!files.has('model.json')) {
    const sidecar = sidecarFor(plan);
    if (sidecar) files.set('model.json', sidecar);
  }
  let cacheError: string | null = null;
  if (opts.cache) {
    for (const f of fresh) {
      try {
        await opts.cache.put(f.sha256, f.bytes);
      } catch (e) {
        cacheError = (e as Error).message;
        break;
      }
    }
  }
  record({ type: 'pack-download-end', name: plan.name, status: 'done', fromCache, ms: now() - started });
  return { files, fromCache, cacheError };
}
