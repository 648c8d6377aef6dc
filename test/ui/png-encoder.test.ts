// The engine's PNG encoder (src/ui/runtime/png-encoder.ts): the browser's encoder in a worker when
// it can be used, fast-png on the calling thread otherwise. The worker path itself runs in
// Chromium (test/e2e/runtime.test.ts: kept pixels byte for byte, pngEncodedOn 'worker'); here a
// fake Worker checks the choices around it: what is sent, when it falls back, that a broken
// worker is not tried again, and that translucent images never go to the canvas.
import { PNG } from 'pngjs';
import { isOpaque } from '../../src/ui/runtime/image';
import { ENCODE_TIMEOUT_MS, PngEncoder } from '../../src/ui/runtime/png-encoder';

function image(width: number, height: number, alpha = 255) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = (i * 7) & 255;
    data[4 * i + 1] = (i * 13) & 255;
    data[4 * i + 2] = (i * 29) & 255;
    data[4 * i + 3] = alpha;
  }
  return { width, height, data };
}

const decoded = (png: Uint8Array) => PNG.sync.read(Buffer.from(png));

type Reply = (msg: { id: number; width: number; height: number; data: ArrayBuffer }) => unknown;

/** Installs a fake Worker (and an OffscreenCanvas marker) that answers each message with `reply`
 *  (undefined: no answer at all). */
function fakeWorker(reply: Reply) {
  const made: FakeWorker[] = [];
  class FakeWorker {
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    onerror: ((ev: { message: string; preventDefault(): void }) => void) | null = null;
    posted: { id: number; width: number; height: number; data: ArrayBuffer }[] = [];
    terminated = false;
    constructor() {
      made.push(this);
    }
    postMessage(msg: { id: number; width: number; height: number; data: ArrayBuffer }): void {
      this.posted.push(msg);
      const answer = reply(msg);
      if (answer !== undefined) queueMicrotask(() => this.onmessage?.({ data: answer }));
    }
    terminate(): void {
      this.terminated = true;
    }
  }
  const g = globalThis as Record<string, unknown>;
  g.Worker = FakeWorker;
  g.OffscreenCanvas = class {};
  return made;
}

afterEach(() => {
  const g = globalThis as Record<string, unknown>;
  delete g.Worker;
  delete g.OffscreenCanvas;
});

test('isOpaque: only α = 255 everywhere counts', () => {
  expect(isOpaque(image(3, 2).data)).toBe(true);
  const d = image(3, 2).data;
  d[4 * 5 + 3] = 254;
  expect(isOpaque(d)).toBe(false);
});

test('without a Worker it encodes on this thread with fast-png, every byte kept', async () => {
  const enc = new PngEncoder();
  const img = image(9, 5);
  const png = await enc.encode(img);
  expect(enc.lastWhere).toBe('main-thread');
  expect(Buffer.compare(decoded(png).data, Buffer.from(img.data))).toBe(0);
});

test('an opaque image goes to the worker as a copy, and the worker\'s bytes are the result', async () => {
  const fromWorker = new Uint8Array([1, 2, 3]);
  const made = fakeWorker((m) => ({ id: m.id, png: fromWorker.slice().buffer }));
  const enc = new PngEncoder();
  const img = image(4, 3);
  const png = await enc.encode(img, 'preview');
  expect(Array.from(png)).toEqual([1, 2, 3]);
  expect(enc.lastWhere).toBe('worker');
  expect(made).toHaveLength(1);
  const sent = made[0].posted[0];
  expect([sent.width, sent.height]).toEqual([4, 3]);
  expect(Buffer.compare(Buffer.from(sent.data), Buffer.from(img.data))).toBe(0);
  expect(sent.data).not.toBe(img.data.buffer); // the caller keeps its pixels
  await enc.encode(image(2, 2));
  expect(made).toHaveLength(1); // one worker for every encode
  enc.dispose();
  expect(made[0].terminated).toBe(true);
});

test('a worker that fails falls back to this thread, and is not tried again', async () => {
  const made = fakeWorker((m) => ({ id: m.id, error: 'convertToBlob is not supported' }));
  const enc = new PngEncoder();
  const img = image(6, 4);
  const png = await enc.encode(img);
  expect(enc.lastWhere).toBe('main-thread');
  expect(Buffer.compare(decoded(png).data, Buffer.from(img.data))).toBe(0);
  expect(made[0].terminated).toBe(true);
  await enc.encode(image(6, 4));
  expect(made).toHaveLength(1);
  expect(made[0].posted).toHaveLength(1);
});

test('a translucent image never goes to the canvas (premultiplied alpha would change its bytes)', async () => {
  const made = fakeWorker((m) => ({ id: m.id, png: new ArrayBuffer(1) }));
  const enc = new PngEncoder();
  const img = image(5, 5, 128);
  const png = await enc.encode(img);
  expect(enc.lastWhere).toBe('main-thread');
  expect(Buffer.compare(decoded(png).data, Buffer.from(img.data))).toBe(0);
  expect(made.reduce((n, w) => n + w.posted.length, 0)).toBe(0);
});

test('a wrong pixel count is refused', async () => {
  await expect(new PngEncoder().encode({ width: 3, height: 3, data: new Uint8ClampedArray(8) })).rejects.toThrow(/8 bytes for 3×3 RGBA/);
});

test('a worker that never answers is given up after ENCODE_TIMEOUT_MS, and the image is encoded here', async () => {
  jest.useFakeTimers();
  try {
    const made = fakeWorker(() => undefined);
    const enc = new PngEncoder();
    const img = image(3, 3);
    const pending = enc.encode(img);
    await jest.advanceTimersByTimeAsync(ENCODE_TIMEOUT_MS + 1);
    const png = await pending;
    expect(enc.lastWhere).toBe('main-thread');
    expect(Buffer.compare(decoded(png).data, Buffer.from(img.data))).toBe(0);
    expect(made[0].posted).toHaveLength(1);
    expect(made[0].terminated).toBe(true);
  } finally {
    jest.useRealTimers();
  }
});
