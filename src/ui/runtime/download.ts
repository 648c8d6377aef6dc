// One pack file over https: streamed (progress in bytes, speed and time left), cancellable,
// checked against the catalogue's size and sha256 before anyone uses it, and its failures in a
// designer's words (a blocked or unreachable host, a missing file, a corrupted download). A
// download that breaks off is taken up where it stopped when the host serves byte ranges.
import { abortError } from '../../core';
import { webDigest } from '../../model/pack';

export interface DownloadProgress {
  loaded: number;
  /** Content-Length or the catalogue's size; null when neither is known */
  total: number | null;
  bytesPerSecond: number;
  /** null while the total or the speed is unknown */
  secondsLeft: number | null;
}

export type DownloadErrorCode = 'unreachable' | 'not-found' | 'http' | 'size' | 'sha256';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  signal?: AbortSignal;
  expected?: { bytes?: number; sha256?: string };
  onProgress?: (p: DownloadProgress) => void;
  fetch?: typeof fetch;
  now?: () => number;
  /** how many times a download that broke off is taken up again (default 3): from where it
   *  stopped (`Range: bytes=N-`) when the host said `Accept-Ranges: bytes`, else from the start */
  retries?: number;
}


const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** The first byte a 206 answer starts at (its Content-Range), or null when the header is not
 *  readable (a cross-origin answer exposes it only when the host lists it in Expose-Headers). */
function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-/i.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

/** The file's bytes as they arrive: written into one buffer when the size is known (a 1.7 GB
 *  UNet must not be held twice, as chunks and then joined), else kept as chunks. */
class Received {
  private buf: Uint8Array | null = null;
  private chunks: Uint8Array[] = [];
  loaded = 0;

  /** start over (a fresh answer of `total` bytes, or of an unknown size) */
  reset(total: number | null): void {
    this.loaded = 0;
    this.chunks = [];
    this.buf = total === null ? null : this.buf?.length === total ? this.buf : new Uint8Array(total);
  }

  /** the caller has checked that `v` fits in the known size */
  add(v: Uint8Array): void {
    if (this.buf) this.buf.set(v, this.loaded);
    else this.chunks.push(v);
    this.loaded += v.byteLength;
  }

  bytes(): Uint8Array {
    if (this.buf) return this.loaded === this.buf.length ? this.buf : this.buf.slice(0, this.loaded);
    const out = new Uint8Array(this.loaded);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

/** The file's bytes; rejects with a DownloadError, or an AbortError when `signal` aborts. */
export async function downloadFile(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? (() => performance.now());
  const retries = opts.retries ?? 3;
  const host = hostOf(url);
  /** when the first answer arrived: the speed is the transfer's, not the connection set-up's */
  let started: number | null = null;
  const got = new Received();
  let total: number | null = opts.expected?.bytes ?? null;
  let ranges = false;
  let breaks = 0;
  const report = () => {
    const secs = (now() - (started ?? now())) / 1000;
    const loaded = got.loaded;
    const bytesPerSecond = secs > 0 ? loaded / secs : 0;
    opts.onProgress?.({ loaded, total, bytesPerSecond, secondsLeft: total !== null && bytesPerSecond > 0 ? Math.max(0, (total - loaded) / bytesPerSecond) : null });
  };
  for (;;) {
    const resume = got.loaded > 0 && ranges;
    let res: Response;
    try {
      // no Referer: some storage hosts behind the Hub's redirects refuse requests that carry one
      res = await doFetch(url, { signal: opts.signal, redirect: 'follow', referrerPolicy: 'no-referrer', ...(resume ? { headers: { Range: `bytes=${got.loaded}-` } } : {}) });
    } catch (e) {
      if (opts.signal?.aborted) throw abortError();
      if (breaks > 0 && breaks <= retries) {
        breaks++;
        continue;
      }
      // fetch says nothing more for CORS, CSP and network failures, by design
      throw new DownloadError('unreachable', `${host} could not be reached (${(e as Error).message}): you may be offline, or the host is not allowed from the plugin (CORS or the manifest's allowed domains).`);
    }
    started ??= now();
    if (res.status === 404) throw new DownloadError('not-found', `${url} was not found (404): the catalogue entry may be out of date.`);
    if (!res.ok) throw new DownloadError('http', `${host} answered ${res.status} ${res.statusText} for ${url}.`);
    if (resume && res.status === 206 && rangeStart(res) !== null && rangeStart(res) !== got.loaded) {
      // a range other than the one asked for: start over without ranges
      void res.body?.cancel().catch(() => undefined);
      ranges = false;
      got.reset(total);
      continue;
    }
    if (res.status !== 206) {
      // the whole file (again, when a Range request got a 200)
      ranges = /\bbytes\b/i.test(res.headers.get('accept-ranges') ?? '');
      const header = Number(res.headers.get('content-length'));
      total = opts.expected?.bytes ?? (Number.isFinite(header) && header > 0 ? header : null);
      got.reset(total);
    }
    const reader = res.body?.getReader();
    if (!reader) throw new DownloadError('http', `${host} sent no body for ${url}.`);
    const onAbort = () => void reader.cancel().catch(() => undefined);
    opts.signal?.addEventListener('abort', onAbort);
    let broke: Error | null = null;
    try {
      for (;;) {
        if (opts.signal?.aborted) throw abortError();
        const { done, value } = await reader.read();
        if (opts.signal?.aborted) throw abortError();
        if (done) break;
        if (total !== null && got.loaded + value.byteLength > total) throw new DownloadError('size', `${url} is larger than the ${total} bytes expected: the download is not the catalogue's file.`);
        got.add(value);
        report();
      }
    } catch (e) {
      if (opts.signal?.aborted) throw abortError();
      if (e instanceof DownloadError) throw e;
      broke = e as Error;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (!broke) break;
    if (breaks >= retries) throw new DownloadError('unreachable', `The download of ${url} broke off after ${got.loaded} bytes (${broke.message}).`);
    breaks++;
  }
  if (opts.expected?.bytes !== undefined && got.loaded !== opts.expected.bytes) {
    throw new DownloadError('size', `${url} has ${got.loaded} bytes, ${opts.expected.bytes} expected: the download is incomplete or not the catalogue's file.`);
  }
  const bytes = got.bytes();
  const want = opts.expected?.sha256?.toLowerCase();
  if (want) {
    const hash = await webDigest(bytes);
    if (hash !== want) throw new DownloadError('sha256', `${url} does not match its sha256 (got ${hash.slice(0, 12)}…, expected ${want.slice(0, 12)}…): the file is corrupted or was changed; it was not used.`);
  }
  return bytes;
}
