// The streamed pack-file download: progress, size and sha256 checks, cancel, plain errors.
import { createHash } from 'node:crypto';
import { DownloadError, downloadFile, type DownloadProgress } from '../../src/ui/runtime/download';

const body = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
const sha = createHash('sha256').update(body).digest('hex');

/** A fetch answering `bytes` in chunks of `chunk`, with a clock that moves 100 ms a chunk. */
function server(bytes: Uint8Array, opts: { status?: number; chunk?: number; onPull?: (n: number) => void } = {}) {
  let t = 0;
  const chunk = opts.chunk ?? 1000;
  const fetch = (async () => {
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        opts.onPull?.(at);
        if (at >= bytes.length) return c.close();
        t += 100;
        c.enqueue(bytes.slice(at, at + chunk));
        at += chunk;
      },
    });
    return new Response(opts.status === 404 ? 'nope' : stream, { status: opts.status ?? 200, headers: { 'content-length': String(bytes.length) } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, now: () => t };
}

test('streams with progress (bytes, speed, time left) and checks size and sha256', async () => {
  const s = server(body);
  const seen: DownloadProgress[] = [];
  const out = await downloadFile('https://huggingface.co/x/resolve/main/unet/model.onnx', { ...s, expected: { bytes: body.length, sha256: sha }, onProgress: (p) => seen.push(p) });
  expect(Buffer.from(out).equals(Buffer.from(body))).toBe(true);
  expect(seen.map((p) => p.loaded)).toEqual([1000, 2000, 3000]);
  expect(seen[0]).toMatchObject({ total: 3000, bytesPerSecond: 10000, secondsLeft: 0.2 });
  expect(seen[2].secondsLeft).toBe(0);
});

test('a wrong sha256 or size is refused, naming the file', async () => {
  await expect(downloadFile('https://h.co/a.onnx', { ...server(body), expected: { sha256: '0'.repeat(64) } })).rejects.toMatchObject({ code: 'sha256' });
  await expect(downloadFile('https://h.co/a.onnx', { ...server(body), expected: { bytes: 2999 } })).rejects.toMatchObject({ code: 'size', message: expect.stringContaining('a.onnx') });
  await expect(downloadFile('https://h.co/a.onnx', { ...server(body), expected: { bytes: 4000 } })).rejects.toThrow('incomplete');
});

test('404 and an unreachable host in words', async () => {
  await expect(downloadFile('https://h.co/missing', { ...server(body, { status: 404 }) })).rejects.toMatchObject({ code: 'not-found' });
  const failing = (async () => {
    throw new TypeError('Failed to fetch');
  }) as unknown as typeof fetch;
  const e = await downloadFile('https://cdn.example.org/a', { fetch: failing }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(DownloadError);
  expect((e as DownloadError).message).toContain('cdn.example.org could not be reached');
  expect((e as DownloadError).message).toContain('CORS');
});

test('cancel mid-download rejects with an AbortError and reads no further', async () => {
  const ctrl = new AbortController();
  const pulls: number[] = [];
  const s = server(body, { onPull: (n) => pulls.push(n) });
  const p = downloadFile('https://h.co/a', { ...s, signal: ctrl.signal, onProgress: (pr) => pr.loaded >= 1000 && ctrl.abort() });
  await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  expect(Math.max(...pulls)).toBeLessThan(3000);
});

/** A host whose first answer breaks off after `breakAt` bytes; later answers follow `mode`
 *  ('range': 206 from the asked offset, 'whole': 200 with the whole file). Records each request. */
function flaky(bytes: Uint8Array, opts: { breakAt: number; acceptRanges: boolean; mode: 'range' | 'whole'; breaks?: number }) {
  const requests: { range: string | null }[] = [];
  let broken = 0;
  const fetch = (async (_url: string, init?: RequestInit) => {
    const range = new Headers(init?.headers).get('range');
    requests.push({ range });
    const from = range && opts.mode === 'range' ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
    const part = bytes.slice(from);
    const breakHere = broken < (opts.breaks ?? 1);
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (breakHere && from + at >= opts.breakAt) {
          broken++;
          return c.error(new TypeError('network error'));
        }
        if (at >= part.length) return c.close();
        const n = breakHere ? Math.min(500, opts.breakAt - from - at) : 500;
        c.enqueue(part.slice(at, at + n));
        at += n;
      },
    });
    const headers: Record<string, string> = { 'content-length': String(part.length) };
    if (opts.acceptRanges) headers['accept-ranges'] = 'bytes';
    if (from > 0) headers['content-range'] = `bytes ${from}-${bytes.length - 1}/${bytes.length}`;
    return new Response(stream, { status: from > 0 ? 206 : 200, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

test('a download that breaks off resumes with Range: bytes=N- where the host serves ranges (206)', async () => {
  const host = flaky(body, { breakAt: 1500, acceptRanges: true, mode: 'range' });
  const seen: number[] = [];
  const out = await downloadFile('https://h.co/a.onnx', { fetch: host.fetch, expected: { bytes: body.length, sha256: sha }, onProgress: (p) => seen.push(p.loaded) });
  expect(Buffer.from(out).equals(Buffer.from(body))).toBe(true);
  expect(host.requests.map((r) => r.range)).toEqual([null, 'bytes=1500-']);
  // the bytes already there are kept: progress goes on from 1500, never back to 0
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(seen.at(-1)).toBe(3000);
});

test('a host that answers the Range request with 200 gives the whole file again: it starts over', async () => {
  const host = flaky(body, { breakAt: 1500, acceptRanges: true, mode: 'whole' });
  const out = await downloadFile('https://h.co/a.onnx', { fetch: host.fetch, expected: { bytes: body.length, sha256: sha } });
  expect(Buffer.from(out).equals(Buffer.from(body))).toBe(true);
  expect(host.requests.map((r) => r.range)).toEqual([null, 'bytes=1500-']);
});

test('without Accept-Ranges the retry is a fresh download; too many breaks is an error in words', async () => {
  const host = flaky(body, { breakAt: 1000, acceptRanges: false, mode: 'range' });
  const out = await downloadFile('https://h.co/a.onnx', { fetch: host.fetch, expected: { sha256: sha } });
  expect(Buffer.from(out).equals(Buffer.from(body))).toBe(true);
  expect(host.requests.map((r) => r.range)).toEqual([null, null]);

  const bad = flaky(body, { breakAt: 1000, acceptRanges: true, mode: 'range', breaks: 10 });
  const e = await downloadFile('https://h.co/a.onnx', { fetch: bad.fetch, retries: 2 }).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'unreachable', message: expect.stringContaining('broke off after 1000 bytes') });
  expect(bad.requests.length).toBe(3);
});

test('a file of unknown size (no Content-Length, no catalogue size) arrives whole', async () => {
  const fetch = (async () => {
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= body.length) return c.close();
        c.enqueue(body.slice(at, at + 700));
        at += 700;
      },
    });
    return new Response(stream, { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  const seen: DownloadProgress[] = [];
  const out = await downloadFile('https://h.co/a.onnx', { fetch, expected: { sha256: sha }, onProgress: (p) => seen.push(p) });
  expect(Buffer.from(out).equals(Buffer.from(body))).toBe(true);
  expect(seen.at(-1)).toMatchObject({ loaded: 3000, total: null, secondsLeft: null });
});
