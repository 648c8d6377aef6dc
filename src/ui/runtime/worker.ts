// The WASM worker: a classic worker (started from a Blob URL inside the plugin iframe) that owns
// an onnxruntime-web WASM session and runs the SDEdit loop, so the panel stays responsive.
// Workers in the iframe have no navigator.gpu: WebGPU runs on the main thread instead.
import * as ort from 'onnxruntime-web/webgpu';
import { Compute, abortError } from './compute';
import type { FromWorker, ToWorker } from './worker-protocol';

const scope = self as unknown as {
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

let compute: Promise<Compute> | null = null;
const runs = new Map<number, AbortController>();

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'init') {
    compute = Compute.load(ort, { name: msg.name, manifestText: msg.manifestText, files: new Map(msg.files) }, {
      verified: true, // by the main thread (no crypto.subtle in this worker)
      preferWebGPU: false,
      wasmBinary: msg.wasmBinary,
      numThreads: msg.numThreads,
    });
    compute.then(
      (c) => scope.postMessage({ type: 'ready', info: c.info }),
      (e: unknown) => scope.postMessage({ type: 'init-error', message: e instanceof Error ? e.message : String(e) }),
    );
  } else if (msg.type === 'cancel') {
    runs.get(msg.id)?.abort();
  } else if (msg.type === 'run') {
    const ctl = new AbortController();
    runs.set(msg.id, ctl);
    void (async () => {
      try {
        if (!compute) throw new Error('The worker was not initialised.');
        const c = await compute;
        if (ctl.signal.aborted) throw abortError();
        const result = await c.run(
          msg.job,
          (step) => scope.postMessage({ type: 'step', id: msg.id, step }, step.x0 ? [step.x0.buffer as ArrayBuffer] : []),
          ctl.signal,
        );
        scope.postMessage({ type: 'done', id: msg.id, result }, [result.out.buffer as ArrayBuffer]);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        const code = (err as { code?: unknown }).code;
        scope.postMessage({ type: 'error', id: msg.id, name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) });
      } finally {
        runs.delete(msg.id);
      }
    })();
  }
};
