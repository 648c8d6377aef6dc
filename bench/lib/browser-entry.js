// Bundled by bench/lib/browser.mjs (esbuild, IIFE, like the UI's worker) with `ort-module`
// aliased to onnxruntime-web/wasm (plain build) or onnxruntime-web/webgpu (asyncify build, the
// one the UI ships). Runs on a page's main thread (globalThis.__bench) or in a classic worker
// (postMessage RPC), so the two can be timed with the same code.
import * as ort from 'ort-module';

let session = null;
const now = () => performance.now();

function feeds(n, size) {
  const x = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.001) * 0.8;
  return { x: new ort.Tensor('float32', x, [n, 3, size, size]), t: new ort.Tensor('float32', new Float32Array(n).fill(250), [n]) };
}

const api = {
  async init({ model, wasm, options }) {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = new Uint8Array(wasm);
    const t0 = now();
    if (session) await session.release();
    session = await ort.InferenceSession.create(new Uint8Array(model), { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...options });
    return { createMs: now() - t0, isolated: globalThis.crossOriginIsolated === true };
  },
  async run({ n, size, reps, warmup }) {
    const f = feeds(n, size);
    const warm = [];
    for (let i = 0; i < warmup; i++) {
      const t0 = now();
      await session.run(f);
      warm.push(now() - t0);
    }
    const times = [];
    let checksum = 0;
    for (let i = 0; i < reps; i++) {
      const t0 = now();
      const out = await session.run(f);
      times.push(now() - t0);
      const d = out[session.outputNames[0]].data;
      checksum = d[0] + d[d.length - 1];
    }
    return { times, warm, checksum };
  },
};

const isWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;
if (isWorker) {
  self.onmessage = async (ev) => {
    const { id, method, args } = ev.data;
    try {
      self.postMessage({ id, ok: true, result: await api[method](args) });
    } catch (e) {
      self.postMessage({ id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  };
} else {
  globalThis.__bench = api;
}
