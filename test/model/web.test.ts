import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parsePack } from '../../src/model/pack';
import { WebRuntimeError, classifyWebError, createWebSession, probeWebGPU, wasmThreads, type GpuLike, type WebOrt } from '../../src/model/web';
import { firstNonFinite, type SessionLike, type TensorLike } from '../../src/model/onnx-denoiser';

const pack = parsePack(readFileSync(path.join(__dirname, '../fixtures/tiny-model/model.json'), 'utf8'));

class FakeTensor implements TensorLike {
  disposed = false;
  constructor(
    readonly type: string,
    readonly data: Float32Array,
    readonly dims: readonly number[],
    readonly location = 'cpu',
    /** a pinned buffer that the backend frees (here: zeroes) on dispose */
    private readonly freedOnDispose = false,
  ) {}
  dispose() {
    this.disposed = true;
    if (this.freedOnDispose) this.data.fill(0);
  }
}

interface FakeOpts {
  /** per execution provider: an error to throw at create */
  createError?: Partial<Record<'webgpu' | 'wasm', Error>>;
  runError?: Error;
  /** output dims override */
  outDims?: number[];
  /** creating a session from exactly these bytes throws this error */
  failBytes?: [Uint8Array, Error];
  /** output value written at index `[1]` of every output (NaN, ±Inf) */
  badValue?: [number, number];
  /** outputs in pinned memory that dispose frees */
  pinnedOutputs?: boolean;
}

function fakeOrt(o: FakeOpts = {}) {
  const calls: string[] = [];
  const models: Uint8Array[] = [];
  const lastOutputs: FakeTensor[] = [];
  const ort = {
    env: { wasm: {} as { wasmBinary?: ArrayBufferLike | Uint8Array; numThreads?: number; proxy?: boolean } },
    Tensor: FakeTensor,
    InferenceSession: {
      async create(model: Uint8Array, options?: { executionProviders?: readonly string[] }) {
        const ep = options?.executionProviders?.[0] as 'webgpu' | 'wasm';
        calls.push(ep);
        models.push(model);
        if (o.failBytes && model === o.failBytes[0]) throw o.failBytes[1];
        const err = o.createError?.[ep];
        if (err) throw err;
        const session: SessionLike & { release(): Promise<void>; released: boolean } = {
          inputNames: ['x', 't'],
          outputNames: ['eps'],
          released: false,
          async run(feeds) {
            if (o.runError) throw o.runError;
            const x = feeds.x as FakeTensor;
            // ε = 2x + t (t is the index input)
            const t = (feeds.t as FakeTensor).data;
            const per = x.data.length / t.length;
            const out = x.data.map((v, i) => 2 * v + t[Math.floor(i / per)]);
            if (o.badValue) out[o.badValue[1]] = o.badValue[0];
            const eps = o.pinnedOutputs ? new FakeTensor('float32', out, o.outDims ?? x.dims, 'cpu-pinned', true) : new FakeTensor('float32', out, o.outDims ?? x.dims);
            lastOutputs.push(eps);
            return { eps };
          },
          async release() {
            this.released = true;
          },
        };
        return session;
      },
    },
  };
  return { ort: ort as WebOrt, env: ort.env, calls, models, lastOutputs };
}

const adapter = (a: unknown): GpuLike => ({ requestAdapter: async () => a });
const bytes = new Uint8Array([1, 2, 3]);

describe('createWebSession backend choice', () => {
  it('uses WebGPU when an adapter exists', async () => {
    const { ort, calls } = fakeOrt();
    const s = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 4, gpu: adapter({}), crossOriginIsolated: false });
    expect(s.backend).toBe('webgpu');
    expect(s.fallbackReason).toBeUndefined();
    expect(calls).toEqual(['webgpu']);
  });
  it('falls back to WASM when there is no navigator.gpu / no adapter, with the reason', async () => {
    for (const [gpu, code] of [[null, 'no-webgpu'], [adapter(null), 'no-adapter'], [{ requestAdapter: () => Promise.reject(new Error('boom')) }, 'no-adapter']] as const) {
      const { ort, calls } = fakeOrt();
      const s = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, gpu });
      expect(s.backend).toBe('wasm');
      expect(s.fallbackCode).toBe(code);
      expect(s.fallbackReason).toMatch(/runs on the CPU/);
      expect(calls).toEqual(['wasm']);
    }
  });
  it('skips WebGPU when not preferred', async () => {
    const { ort, calls } = fakeOrt();
    const s = await createWebSession(ort, bytes, { preferWebGPU: false, numThreads: 1, gpu: adapter({}) });
    expect(s.backend).toBe('wasm');
    expect(s.fallbackReason).toBeUndefined();
    expect(calls).toEqual(['wasm']);
  });
  it('falls back to WASM when the WebGPU session fails (device lost, OOM, other)', async () => {
    const cases: [Error, string, RegExp][] = [
      [new Error('GPUDevice was lost: reason unknown'), 'device-lost', /stopped responding/],
      [new Error('Failed to allocate buffer of size 123'), 'out-of-memory', /Not enough memory/],
      [new Error('something odd'), 'unknown', /WebGPU could not start .*something odd.*on the CPU/],
    ];
    for (const [err, code, re] of cases) {
      const { ort, calls } = fakeOrt({ createError: { webgpu: err } });
      const s = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, gpu: adapter({}) });
      expect(s.backend).toBe('wasm');
      expect(s.fallbackCode).toBe(code);
      expect(s.fallbackReason).toMatch(re);
      expect(calls).toEqual(['webgpu', 'wasm']);
    }
  });
  it('reports a CSP block on WebAssembly clearly and does not retry', async () => {
    const csp = new Error(
      "no available backend found. ERR: [wasm] RuntimeError: Aborted(CompileError: WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script in the following Content Security Policy directive",
    );
    const { ort, calls } = fakeOrt({ createError: { webgpu: csp, wasm: csp } });
    const err = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, gpu: adapter({}) }).catch((e) => e);
    expect(err).toBeInstanceOf(WebRuntimeError);
    expect(err.code).toBe('csp-wasm');
    expect(err.message).toMatch(/blocks WebAssembly .*'wasm-unsafe-eval'/);
    expect(err.cause).toBe(csp);
    expect(calls).toEqual(['webgpu']);
    const wasmOnly = fakeOrt({ createError: { wasm: csp } });
    await expect(createWebSession(wasmOnly.ort, bytes, { preferWebGPU: false, numThreads: 1 })).rejects.toMatchObject({ code: 'csp-wasm' });
  });
  it('reports a broken model', async () => {
    const { ort } = fakeOrt({ createError: { wasm: new Error("Can't create a session. ERROR_CODE: 7, ERROR_MESSAGE: Failed to load model because protobuf parsing failed.") } });
    await expect(createWebSession(ort, bytes, { preferWebGPU: false, numThreads: 1 })).rejects.toMatchObject({ code: 'invalid-model', message: expect.stringMatching(/damaged/) });
  });
  it('sets the wasm binary, and threads only on a cross-origin-isolated page', async () => {
    const bin = new Uint8Array([0, 97, 115, 109]);
    const a = fakeOrt();
    const s1 = await createWebSession(a.ort, bytes, { preferWebGPU: false, numThreads: 4, wasmBinary: bin, crossOriginIsolated: false });
    expect(a.env.wasm.wasmBinary).toBe(bin);
    expect(a.env.wasm.numThreads).toBe(1);
    expect(s1.numThreads).toBe(1);
    const b = fakeOrt();
    const s2 = await createWebSession(b.ort, bytes, { preferWebGPU: false, numThreads: 4, crossOriginIsolated: true });
    expect(b.env.wasm.numThreads).toBe(4);
    expect(s2.numThreads).toBe(4);
  });
});

describe('one WebGPU probe, one thread rule', () => {
  it('uses the probe the caller made instead of asking for an adapter again', async () => {
    let asked = 0;
    const gpu: GpuLike = { requestAdapter: async () => (asked++, { features: new Set(['shader-f16']) }) };
    const probe = await probeWebGPU(gpu);
    expect(probe).toEqual({ available: true, shaderF16: true });
    const { ort, calls } = fakeOrt();
    const s = await createWebSession(ort, bytes, { preferWebGPU: true, webgpu: probe, gpu, fp16ModelBytes: new Uint8Array([16]) });
    expect([s.backend, s.precision]).toEqual(['webgpu', 'fp16']);
    expect(calls).toEqual(['webgpu']);
    expect(asked).toBe(1);
  });
  it('the probe reports the adapter buffer limits, whether it is a fallback adapter, and what it is', async () => {
    const gpu: GpuLike = {
      requestAdapter: async () => ({
        features: new Set<string>(),
        limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxTextureDimension2D: 8192 },
        info: { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: true },
      }),
    };
    expect(await probeWebGPU(gpu)).toEqual({
      available: true,
      shaderF16: false,
      limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728 },
      fallbackAdapter: true,
      description: 'google swiftshader',
    });
  });
  it('a probe that found no adapter gives WASM with its reason', async () => {
    const probe = await probeWebGPU(null);
    expect(probe.available).toBe(false);
    const { ort, calls } = fakeOrt();
    const s = await createWebSession(ort, bytes, { preferWebGPU: true, webgpu: probe, gpu: adapter({}) });
    expect([s.backend, s.fallbackCode]).toEqual(['wasm', 'no-webgpu']);
    expect(calls).toEqual(['wasm']);
  });
  it('threads: 1 unless cross-origin isolated; then the wanted count, else the cores up to 4', () => {
    expect(wasmThreads(8, false)).toBe(1);
    expect(wasmThreads(undefined, false)).toBe(1);
    expect(wasmThreads(3, true)).toBe(3);
    expect(wasmThreads(0, true)).toBe(1);
    const cores = Math.min(4, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1);
    expect(wasmThreads(undefined, true)).toBe(cores);
  });
});

describe('fp16 copy of the UNet', () => {
  const fp16 = new Uint8Array([16, 16]);
  const withFeatures = (...f: string[]) => adapter({ features: new Set(f) });

  it('runs the fp16 model on WebGPU when the adapter has shader-f16', async () => {
    const { ort, calls, models } = fakeOrt();
    const s = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, gpu: withFeatures('shader-f16'), fp16ModelBytes: fp16 });
    expect([s.backend, s.precision]).toEqual(['webgpu', 'fp16']);
    expect(calls).toEqual(['webgpu']);
    expect(models).toEqual([fp16]);
  });
  it('keeps fp32 without shader-f16, without an fp16 file, and on WASM', async () => {
    for (const [gpu, f16, prefer] of [
      [withFeatures('timestamp-query'), fp16, true],
      [adapter({}), fp16, true],
      [withFeatures('shader-f16'), undefined, true],
      [withFeatures('shader-f16'), fp16, false],
    ] as const) {
      const { ort, models } = fakeOrt();
      const s = await createWebSession(ort, bytes, { preferWebGPU: prefer, numThreads: 1, gpu, fp16ModelBytes: f16 });
      expect(s.precision).toBe('fp32');
      expect(models).toEqual([bytes]);
    }
  });
  it('falls back to the fp32 model on WebGPU when the fp16 one fails to start, and says why', async () => {
    const { ort, calls, models } = fakeOrt({ failBytes: [fp16, new Error('Program Transpose requires f16 but the device does not support it')] });
    const s = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, gpu: withFeatures('shader-f16'), fp16ModelBytes: fp16 });
    expect([s.backend, s.precision]).toEqual(['webgpu', 'fp32']);
    expect(s.fp16FallbackReason).toMatch(/fp16 model could not start .*requires f16.*using fp32/);
    expect(s.fallbackReason).toBeUndefined();
    expect(calls).toEqual(['webgpu', 'webgpu']);
    expect(models).toEqual([fp16, bytes]);
  });
});

describe('web denoiser', () => {
  it('runs through the session with the index time input and releases', async () => {
    const { ort } = fakeOrt();
    const s = await createWebSession(ort, bytes, { preferWebGPU: false, numThreads: 1 });
    const d = s.denoiser(pack);
    expect(d.kind).toBe('eps');
    const x = Float32Array.from({ length: 2 * 3 * 4 * 4 }, (_, i) => i / 100);
    const out = await d.predict(x, [2, 3, 4, 4], new Float32Array([0.5, 1]));
    expect(out[0]).toBeCloseTo(499, 3);
    expect(out[48 + 1]).toBeCloseTo(2 * x[49] + 999, 3);
    await s.release();
    expect((s.session as unknown as { released: boolean }).released).toBe(true);
  });
  it("keeps a 'cpu' output's array (disposed, not copied) and copies one that dispose frees", async () => {
    const x = Float32Array.from({ length: 48 }, (_, i) => i / 100);
    const t = new Float32Array([0.5]);
    const plain = fakeOrt();
    const s1 = await createWebSession(plain.ort, bytes, { preferWebGPU: false, numThreads: 1 });
    const out1 = await s1.denoiser(pack).predict(x, [1, 3, 4, 4], t);
    expect(plain.lastOutputs[0].disposed).toBe(true);
    expect(out1).toBe(plain.lastOutputs[0].data);
    const pinned = fakeOrt({ pinnedOutputs: true });
    const s2 = await createWebSession(pinned.ort, bytes, { preferWebGPU: false, numThreads: 1 });
    const out2 = await s2.denoiser(pack).predict(x, [1, 3, 4, 4], t);
    expect(pinned.lastOutputs[0].disposed).toBe(true);
    expect(Array.from(out2)).toEqual(Array.from(out1));
    expect(out2[1]).toBeCloseTo(2 * x[1] + 499, 3);
  });
  it('a wrong output shape is a clear error', async () => {
    const { ort } = fakeOrt({ outDims: [1, 3, 2, 2] });
    const s = await createWebSession(ort, bytes, { preferWebGPU: false, numThreads: 1 });
    await expect(s.denoiser(pack).predict(new Float32Array(48), [1, 3, 4, 4], new Float32Array([0.5]))).rejects.toThrow(
      'model output "eps" has shape [1, 3, 2, 2], expected [1, 3, 4, 4]',
    );
  });
  it('run errors come out classified (device lost mid-run)', async () => {
    const { ort } = fakeOrt({ runError: new Error('[WebGPU] Device was lost') });
    const s = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, gpu: adapter({}) });
    await expect(s.denoiser(pack).predict(new Float32Array(48), [1, 3, 4, 4], new Float32Array([0.5]))).rejects.toMatchObject({ code: 'device-lost' });
  });
});

describe('web denoiser: NaN or ±Inf from the network', () => {
  it.each([[NaN], [Infinity], [-Infinity]])('%s is a classified error naming the pack and t', async (bad) => {
    const { ort } = fakeOrt({ badValue: [bad, 50] });
    const s = await createWebSession(ort, bytes, { preferWebGPU: false, numThreads: 1 });
    const err = await s.denoiser(pack).predict(new Float32Array(96), [2, 3, 4, 4], new Float32Array([0.25, 0.75])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebRuntimeError);
    expect((err as WebRuntimeError).code).toBe('invalid-output');
    // value 50 is in the second item of the batch (48 values each): its t is named
    expect((err as Error).message).toMatch(/^the model "tiny-test" returned NaN\/Inf values at t=0\.750/);
  });
});

describe('classifyWebError', () => {
  it.each([
    ['RangeError: Array buffer allocation failed', 'out-of-memory'],
    ['WebAssembly.Module(): Wasm code generation disallowed by embedder', 'csp-wasm'],
    ['Failed to get GPU adapter', 'no-adapter'],
    ['weird', 'unknown'],
  ])('%s → %s', (msg, code) => {
    expect(classifyWebError(new Error(msg)).code).toBe(code);
  });
});

describe('firstNonFinite', () => {
  it('finds the first NaN or ±Inf at any position (also in the tail past a multiple of 4), else −1', () => {
    for (const n of [1, 3, 4, 7, 64, 1001]) {
      const v = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 3e38 * Math.sin(i + 1));
      expect(firstNonFinite(v)).toBe(-1);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, n - 1, Math.floor(n / 2)]) {
          const w = v.slice();
          w[at] = bad;
          if (at < n - 1) w[n - 1] = NaN;
          expect(firstNonFinite(w)).toBe(at);
        }
      }
    }
  });
});
