// PNG encoding off the iframe's main thread: a small Blob-URL worker encodes with
// OffscreenCanvas.convertToBlob, the browser's own PNG encoder (row filters, native zlib). In a
// worker it is not an idle task (on the main thread Chromium held every such encode for ≈ 1 s,
// see image.ts's encodePng), and measured in headless Chromium on this machine it is 4–5× faster
// than fast-png with about half the bytes: 256² 6–11 ms and 89 KB against 38 ms and 188 KB,
// 1024² 68–97 ms and 1.4 MB against 423 ms and 3.0 MB (bench/RESULTS.md §11). The main thread
// stays free for the panel while previews and results are encoded.
//
// fast-png on this thread (encodePng) remains the fallback, and is used: when no worker or no
// OffscreenCanvas is available, after the worker has failed once, and for images with translucent
// pixels (a 2D canvas stores premultiplied alpha, so bytes with α < 255 would not survive it;
// opaque bytes do, and the composite's kept pixels must stay the guide's bytes).
import { checkRgba, encodePng, isOpaque, type PngUse, type Rgba } from './image';
import { record } from './trace';

/** The worker's whole script (it runs from a Blob URL, so it imports nothing). */
const ENCODER_SCRIPT = `
onmessage = async (ev) => {
  const { id, width, height, data } = ev.data;
  try {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D context in the worker');
    ctx.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const png = await blob.arrayBuffer();
    postMessage({ id, png }, [png]);
  } catch (e) {
    postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
`;

type Reply = { id: number; png: ArrayBuffer } | { id: number; error: string };

/** A worker that has not answered by then is taken for stuck and the encode falls back (the
 *  browser's encoder takes ≈ 0.2 s for 2048² here: this is a hang, not a slow image). */
export const ENCODE_TIMEOUT_MS = 30_000;


export class PngEncoder {
  private worker: Worker | null = null;
  private url: string | null = null;
  /** why the worker is not used (set once it failed or could not start) */
  private broken: string | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (png: Uint8Array) => void; reject: (e: Error) => void }>();

  /** where the last encode ran, for the trace and the tests */
  lastWhere: 'worker' | 'main-thread' | null = null;

  /** PNG bytes of `img` (its pixels are copied to the worker, so a failed worker can still fall
   *  back to this thread). */
  async encode(img: Rgba, use: PngUse = 'result'): Promise<Uint8Array> {
    checkRgba(img);
    const worker = isOpaque(img.data) ? this.start() : null;
    if (worker) {
      try {
        const png = await this.viaWorker(worker, img);
        this.lastWhere = 'worker';
        return png;
      } catch (e) {
        this.fail(`the PNG worker failed: ${(e as Error).message}`);
      }
    }
    this.lastWhere = 'main-thread';
    return encodePng(img, use);
  }

  dispose(): void {
    this.broken ??= 'the encoder was disposed'; // not a failure: nothing for the trace
    this.fail(this.broken);
  }

  private start(): Worker | null {
    if (this.worker || this.broken) return this.worker;
    if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') {
      this.fail('no Worker or OffscreenCanvas here');
      return null;
    }
    try {
      this.url = URL.createObjectURL(new Blob([ENCODER_SCRIPT], { type: 'text/javascript' }));
      const w = new Worker(this.url, { name: 'sdedit-png' });
      w.onmessage = (ev: MessageEvent<Reply>) => {
        const p = this.pending.get(ev.data.id);
        if (!p) return;
        this.pending.delete(ev.data.id);
        if ('png' in ev.data) p.resolve(new Uint8Array(ev.data.png));
        else p.reject(new Error(ev.data.error));
      };
      w.onerror = (ev) => {
        ev.preventDefault();
        this.fail(`the PNG worker stopped: ${ev.message || 'blocked by the page'}`);
      };
      this.worker = w;
    } catch (e) {
      this.fail(`the PNG worker could not start: ${(e as Error).message}`);
    }
    return this.worker;
  }

  private viaWorker(worker: Worker, img: Rgba): Promise<Uint8Array> {
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer in ${ENCODE_TIMEOUT_MS / 1000} s`));
      }, ENCODE_TIMEOUT_MS);
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      const data = img.data.slice().buffer;
      worker.postMessage({ id, width: img.width, height: img.height, data }, [data]);
    });
  }

  private fail(why: string): void {
    // the first reason is the cause (for diagnosis, beside the run-end's pngEncodedOn)
    if (!this.broken) record({ type: 'png-worker-failed', message: why });
    this.broken ??= why;
    this.worker?.terminate();
    this.worker = null;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    const err = new Error(why);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
