// Browser side of the model runtime (the plugin's UI iframe): an onnxruntime-web session on
// WebGPU when an adapter exists, else on WASM. The ort module is passed in (the UI bundles
// `onnxruntime-web/webgpu`), so this file imports no runtime and runs under test with a fake.
import type { ModelPack } from './pack';
import { scheduleFromPack } from './pack';
import type { OnnxDenoiserOptions, SessionLike, TensorCtor } from './onnx-denoiser';
import { ModelOutputError, OnnxDenoiser } from './onnx-denoiser';

export type WebBackend = 'webgpu' | 'wasm';

/** The part of the onnxruntime-web module used here. */
export interface WebOrt {
  env: { wasm: { wasmBinary?: ArrayBufferLike | Uint8Array; numThreads?: number; proxy?: boolean } };
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: { executionProviders?: readonly ('webgpu' | 'wasm')[]; graphOptimizationLevel?: 'all' },
    ): Promise<SessionLike & { release(): Promise<void> }>;
  };
  Tensor: unknown;
}

/** The part of `navigator.gpu` used here. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<unknown>;
}

/** 'invalid-model': the file is not a model ORT can run; 'invalid-output': it ran and returned
 *  NaN/±Inf (ModelOutputError; its message names the pack and t). */
export type WebErrorCode = 'no-webgpu' | 'no-adapter' | 'device-lost' | 'out-of-memory' | 'csp-wasm' | 'invalid-model' | 'invalid-output' | 'unknown';

/** A runtime error with a code and a message a designer can act on; the original is `cause`. */
export class WebRuntimeError extends Error {
  constructor(
    readonly code: WebErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebRuntimeError';
  }
}

const MESSAGES: Record<Exclude<WebErrorCode, 'unknown' | 'invalid-output'>, string> = {
  'no-webgpu': 'This Figma window has no WebGPU, so the model runs on the CPU (slower).',
  'no-adapter': 'No graphics card is available to Figma (no WebGPU adapter), so the model runs on the CPU (slower).',
  'device-lost': 'The graphics card stopped responding (WebGPU device lost). The plugin can continue on the CPU.',
  'out-of-memory': 'Not enough memory for this image. Try a smaller size or fewer variations.',
  'csp-wasm':
    "This window's security policy blocks WebAssembly (it needs 'wasm-unsafe-eval' in its Content-Security-Policy), so the model cannot run here.",
  'invalid-model': 'The model file is damaged or is not an ONNX model this plugin can run.',
};

const PATTERNS: [Exclude<WebErrorCode, 'unknown' | 'no-webgpu' | 'invalid-output'>, RegExp][] = [
  ['csp-wasm', /wasm-unsafe-eval|unsafe-eval|content[- ]security[- ]policy|refused to compile or instantiate webassembly|wasm code generation disallowed/i],
  ['device-lost', /device (was |is |has been )?lost|devicelost|gpu device.*(destroyed|lost)|context lost/i],
  ['out-of-memory', /out of memory|\boom\b|failed to allocate|could not allocate|allocation failed|cannot allocate|array buffer allocation|gpuoutofmemory/i],
  ['no-adapter', /no (available |suitable )?(gpu )?adapter|requestadapter|failed to get (a )?gpu adapter|webgpu is not supported|webgpu.*not available/i],
  ['invalid-model', /protobuf|failed to load model|invalid model|model_path|parse.*model|unsupported model ir version|invalid_graph|invalid_protobuf/i],
];

const messageOf = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Classify an error from session creation or a run into a WebRuntimeError. */
export function classifyWebError(e: unknown): WebRuntimeError {
  if (e instanceof WebRuntimeError) return e;
  if (e instanceof ModelOutputError) return new WebRuntimeError('invalid-output', e.message, { cause: e });
  const text = messageOf(e);
  for (const [code, re] of PATTERNS) {
    if (re.test(text)) return new WebRuntimeError(code, MESSAGES[code], { cause: e });
  }
  const first = text.split('\n')[0].slice(0, 200);
  return new WebRuntimeError('unknown', `The model could not run: ${first}`, { cause: e });
}

export interface WebSessionOptions {
  /** try WebGPU first when an adapter exists */
  preferWebGPU: boolean;
  /** the ORT wasm binary bundled with the UI (sets env.wasm.wasmBinary) */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** wanted WASM threads (default: wasmThreads' choice); 1 unless the page is cross-origin isolated */
  numThreads?: number;
  /** an adapter probe already made by the caller (probeWebGPU), so that it is asked once */
  webgpu?: WebGpuProbe;
  /** override navigator.gpu (tests); null = no WebGPU */
  gpu?: GpuLike | null;
  /** override globalThis.crossOriginIsolated (tests) */
  crossOriginIsolated?: boolean;
  /** the pack's fp16 UNet (role "unet_fp16"), tried first on adapters with `shader-f16` */
  fp16ModelBytes?: Uint8Array;
}

export type WebPrecision = 'fp32' | 'fp16';

export interface WebSession {
  session: SessionLike & { release(): Promise<void> };
  backend: WebBackend;
  /** which copy of the UNet runs: fp16 only on WebGPU with `shader-f16` and a pack that has one */
  precision: WebPrecision;
  /** why the fp16 copy was not used although the adapter has shader-f16 (fp32 ran instead) */
  fp16FallbackReason?: string;
  /** why WebGPU was not used (when it was wanted), in words for the designer */
  fallbackReason?: string;
  fallbackCode?: WebErrorCode;
  /** WASM threads in use (1 on a page that is not cross-origin isolated) */
  numThreads: number;
  /** A Denoiser for this pack; run errors come out classified (WebRuntimeError). */
  denoiser(pack: ModelPack, opts?: OnnxDenoiserOptions): OnnxDenoiser;
  release(): Promise<void>;
}

function defaultGpu(): GpuLike | null {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu ?? null;
}

/** The adapter limits that bound one tensor's GPU buffer (bytes). */
export interface GpuBufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** What asking for a WebGPU adapter found: whether it has `shader-f16`, its buffer limits and
 *  whether it is a software (fallback) adapter when the browser says, or why there is none. */
export type WebGpuProbe =
  | { available: true; shaderF16: boolean; limits?: GpuBufferLimits; fallbackAdapter?: boolean; description?: string }
  | { available: false; reason: WebRuntimeError };

interface AdapterLike {
  features?: { has?(f: string): boolean };
  limits?: { maxBufferSize?: unknown; maxStorageBufferBindingSize?: unknown };
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

const positive = (v: unknown): number | null => (typeof v === 'number' && v > 0 ? v : null);

function describeAdapter(adapter: AdapterLike): Omit<Extract<WebGpuProbe, { available: true }>, 'available'> {
  const shaderF16 = typeof adapter.features?.has === 'function' && adapter.features.has('shader-f16');
  const maxBuffer = positive(adapter.limits?.maxBufferSize);
  const maxBinding = positive(adapter.limits?.maxStorageBufferBindingSize);
  const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter;
  const i = adapter.info;
  const description = i ? [i.vendor, i.architecture, i.description].filter((s) => typeof s === 'string' && s !== '').join(' ') : '';
  return {
    shaderF16,
    ...(maxBuffer !== null && maxBinding !== null ? { limits: { maxBufferSize: maxBuffer, maxStorageBufferBindingSize: maxBinding } } : {}),
    ...(typeof fallback === 'boolean' ? { fallbackAdapter: fallback } : {}),
    ...(description ? { description } : {}),
  };
}

/** Ask for a WebGPU adapter (navigator.gpu unless `gpu` is given; null = no WebGPU). */
export async function probeWebGPU(gpu: GpuLike | null = defaultGpu()): Promise<WebGpuProbe> {
  const none = (code: 'no-webgpu' | 'no-adapter', cause?: unknown): WebGpuProbe => ({ available: false, reason: new WebRuntimeError(code, MESSAGES[code], { cause }) });
  if (!gpu || typeof gpu.requestAdapter !== 'function') return none('no-webgpu');
  try {
    const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as AdapterLike | null;
    if (!adapter) return none('no-adapter');
    return { available: true, ...describeAdapter(adapter) };
  } catch (e) {
    return none('no-adapter', e);
  }
}

/** Most WASM threads a session asks for: more gain little on the UNet and take cores from Figma. */
const MAX_WASM_THREADS = 4;

/** WASM threads for a session: 1 on a page that is not cross-origin isolated (threads need
 *  SharedArrayBuffer), else `wanted` (default: the cores, at most MAX_WASM_THREADS). */
export function wasmThreads(wanted?: number, isolated: boolean = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true): number {
  if (!isolated) return 1;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1;
  return Math.max(1, Math.floor(wanted ?? Math.min(MAX_WASM_THREADS, cores)) || 1);
}

/** Create the session: WebGPU when wanted and available, else WASM. */
export async function createWebSession(ort: WebOrt, modelBytes: Uint8Array, opts: WebSessionOptions): Promise<WebSession> {
  const numThreads = wasmThreads(opts.numThreads, opts.crossOriginIsolated);
  ort.env.wasm.numThreads = numThreads;
  ort.env.wasm.proxy = false;
  if (opts.wasmBinary) ort.env.wasm.wasmBinary = opts.wasmBinary;

  let fallback: WebRuntimeError | undefined;
  let session: (SessionLike & { release(): Promise<void> }) | undefined;
  let backend: WebBackend = 'wasm';
  let precision: WebPrecision = 'fp32';
  let fp16Fallback: string | undefined;
  if (opts.preferWebGPU) {
    const probe = opts.webgpu ?? (await probeWebGPU(opts.gpu === undefined ? defaultGpu() : opts.gpu));
    if (!probe.available) fallback = probe.reason;
    else {
      // fp16 halves memory traffic on GPUs that run f16 shaders; any failure to build it (an
      // operator without an f16 kernel, a driver quirk) falls back to the fp32 copy, still on WebGPU.
      if (probe.shaderF16 && opts.fp16ModelBytes) {
        try {
          session = await ort.InferenceSession.create(opts.fp16ModelBytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
          backend = 'webgpu';
          precision = 'fp16';
        } catch (e) {
          fp16Fallback = `the fp16 model could not start on this GPU (${classifyWebError(e).message}); using fp32`;
        }
      }
      if (!session) {
        try {
          session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
          backend = 'webgpu';
        } catch (e) {
          const err = classifyWebError(e);
          // A CSP block or a broken model fails on WASM too: say so now instead of retrying.
          if (err.code === 'csp-wasm' || err.code === 'invalid-model') throw err;
          fallback = err.code === 'unknown' ? new WebRuntimeError('unknown', `WebGPU could not start (${err.message}); the model runs on the CPU.`, { cause: e }) : err;
        }
      }
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      backend = 'wasm';
    } catch (e) {
      throw classifyWebError(e);
    }
  }
  const s = session;
  const Tensor = ort.Tensor as TensorCtor;
  return {
    session: s,
    backend,
    precision,
    fp16FallbackReason: fp16Fallback,
    fallbackReason: fallback?.message,
    fallbackCode: fallback?.code,
    numThreads,
    denoiser: (pack, dopts = {}) => new OnnxDenoiser(s, Tensor, pack, scheduleFromPack(pack), { wrapError: classifyWebError, ...dopts }),
    release: () => s.release(),
  };
}
