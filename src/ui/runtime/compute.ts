// The compute side of the runtime: SDEditSession, a model pack's ONNX session with the core SDEdit
// loop around it. Runs either in the WASM worker (worker.ts) or on the iframe's main thread
// (WebGPU, which workers here lack). It sees tensors only: PNG decoding and encoding stay with
// the engine on the main thread.
import type * as Ort from 'onnxruntime-web';
import { DEFAULT_SETTINGS, type SamplerChoice } from '../../protocol';
import type { StepInfo } from '../../core/types';
import { abortError, fewStepGrid, parseNoiseLevelTable, sdedit, suggestT0, type NoiseLevelTable } from '../../core';
import { ModelOutputError, firstNonFinite, type OnnxDenoiser } from '../../model/onnx-denoiser';
import { parsePack, scheduleFromPack, unetFile, unetFp16File, verifyPackFiles } from '../../model/pack';
import { classifyWebError, createWebSession, type WebGpuProbe, type WebOrt } from '../../model/web';
import type { Backend, ModelInfo } from './engine-api';
import { previewDue } from './preview-steps';
import { ResidentSampler } from './resident';
import { record } from './trace';

type OrtModule = typeof Ort;



export interface PackBytes {
  name: string;
  manifestText: string;
  files: Map<string, Uint8Array>;
}

export interface ComputeJob {
  /** guide, CHW in [−1, 1] at the working size */
  guide: Float32Array;
  channels: number;
  height: number;
  width: number;
  /** H×W in [0, 1], 1 = edit; null = edit everything */
  mask: Float32Array | null;
  t0: number;
  steps: number;
  sampler: SamplerChoice;
  repeats: number;
  seed: number;
  variations: number;
  /** send an x̂0 preview every this many steps, not at the last (previewDue) */
  previewEvery: number;
  /** choose t0 from the guide first (core's suggestT0; packs without a noise-level table get
   *  the default t0, DEFAULT_SETTINGS.t0) and run at it; the output's `t0` holds the choice */
  autoT0?: boolean;
}

export interface ComputeStep {
  step: number;
  total: number;
  msPerStep: number;
  /** x̂0 of the first variation, CHW, when a preview is due */
  x0?: Float32Array;
}

export interface ComputeOutput {
  /** N×C×H×W in [−1, 1] */
  out: Float32Array;
  networkMs: number;
  totalMs: number;
  /** the t0 the run used, when the job asked for autoT0 */
  t0?: number;
}

export interface LoadOptions {
  /** skip the sha256 check (already done on the iframe's main thread: blob workers in the
   *  opaque-origin iframe are not a secure context and have no crypto.subtle) */
  verified?: boolean;
  preferWebGPU: boolean;
  /** the adapter probe the caller already made (probeWebGPU), so that WebGPU is asked once */
  webgpu?: WebGpuProbe;
  wasmBinary: ArrayBuffer | Uint8Array;
  /** WASM threads (default: model/web's wasmThreads) */
  numThreads?: number;
}

/** Which loop a WebGPU run uses: 'auto' (the resident loop when it can take the job, else the
 *  CPU-update loop), or one of them alone ('resident' also means: no fallback when it fails). */
export type WebGpuLoop = 'auto' | 'resident' | 'cpu-update';

export interface RunOptions {
  webgpuLoop?: WebGpuLoop;
}

/** Whether `e` is a cancel (core's abortError, or one rebuilt from a worker message): the engine
 *  ends the run quietly instead of reporting it or retrying on WASM. */
export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** Give the event loop a macrotask (messages, input, cancel) between steps. */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Check the pack's model.json and its network files' (fp32 and fp16 UNet) size and sha256 (needs crypto.subtle). */
export async function verifyPack(pack: PackBytes): Promise<void> {
  await verifyPackFiles(parsePack(JSON.parse(pack.manifestText)), pack.files, { missing: (f) => `The embedded model pack lacks ${f.name}: rebuild the plugin.` });
}

export class SDEditSession {
  /** why WebGPU was not used when it was wanted (for the notice) */
  fallbackReason?: string;
  /** WebGPU only: the GPU-resident loop (null when it could not start or has failed once) */
  private resident: ResidentSampler | null = null;
  /** why the resident loop is not used (for the trace) */
  residentReason?: string;

  private constructor(
    readonly backend: Backend,
    readonly info: ModelInfo,
    private readonly denoiser: OnnxDenoiser,
    private readonly schedule: ReturnType<typeof scheduleFromPack>,
    private readonly release: () => Promise<void>,
    /** the pack's L(t) table for suggestT0 (model.json noise_level_error), null when absent */
    private readonly noiseTable: NoiseLevelTable | null = null,
  ) {}

  static async load(ort: OrtModule, pack: PackBytes, opts: LoadOptions): Promise<SDEditSession> {
    const manifest = parsePack(JSON.parse(pack.manifestText));
    const file = unetFile(manifest);
    const modelBytes = pack.files.get(file.name);
    if (!modelBytes) throw new Error(`The embedded model pack lacks ${file.name}: rebuild the plugin.`);
    if (!opts.verified) await verifyPack(pack);
    // The fp16 copy (if the pack has one) is offered to WebGPU adapters with shader-f16.
    const f16File = unetFp16File(manifest);
    const f16Bytes = f16File ? pack.files.get(f16File.name) : undefined;
    const web = await createWebSession(ort as unknown as WebOrt, modelBytes, {
      preferWebGPU: opts.preferWebGPU,
      webgpu: opts.webgpu,
      wasmBinary: opts.wasmBinary,
      numThreads: opts.numThreads,
      fp16ModelBytes: f16Bytes,
    });
    const schedule = scheduleFromPack(manifest);
    const info: ModelInfo = {
      name: manifest.name,
      bytes: modelBytes.length,
      source: 'embedded',
      multiple: manifest.multiple,
      sde: manifest.sde.type === 've' ? 've' : 'vp',
    };
    const noiseTable = parseNoiseLevelTable((JSON.parse(pack.manifestText) as Record<string, unknown>).noise_level_error);
    const c = new SDEditSession(web.backend, info, web.denoiser(manifest), schedule, () => web.release(), noiseTable);
    c.fallbackReason = web.fallbackReason;
    if (web.backend === 'webgpu') {
      // A second UNet session with GPU-buffer outputs for the resident loop; any failure leaves
      // the CPU-update loop (the session above) in charge.
      try {
        // the same copy of the UNet as the CPU-update session (fp16 where web.ts chose it)
        const bytes = (web.precision === 'fp16' && f16Bytes) || modelBytes;
        c.resident = await ResidentSampler.create(ort, bytes, manifest, schedule, { where: 'gpu' });
      } catch (e) {
        c.residentReason = `the GPU-resident loop could not start: ${(e as Error).message}`;
        record({ type: 'webgpu-loop', loop: 'cpu-update', reason: c.residentReason });
      }
    }
    return c;
  }

  async dispose(): Promise<void> {
    const r = this.resident;
    this.resident = null;
    await r?.release().catch(() => undefined);
    await this.release();
  }

  /** WebGPU runs go through the GPU-resident loop when it can take the job; if it fails (other
   *  than a cancel, an error of the caller's onStep, or a lost device), the run starts again on
   *  the CPU-update loop and the resident loop is not used again by this session. */
  async run(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal, opts: RunOptions = {}): Promise<ComputeOutput> {
    if (job.autoT0) {
      const s = await suggestT0(this.denoiser, job.guide, [job.channels, job.height, job.width], this.schedule, {
        calibration: this.noiseTable,
        fallbackT0: DEFAULT_SETTINGS.t0,
        mask: job.mask,
        multiple: this.info.multiple,
      });
      record({ type: 'auto-t0', t0: s.t0, source: s.source, evaluations: s.evaluations });
      if (signal.aborted) throw abortError();
      return { ...(await this.run({ ...job, t0: s.t0, autoT0: false }, onStep, signal, opts)), t0: s.t0 };
    }
    const forced = opts.webgpuLoop ?? 'auto';
    const r = this.resident;
    const why = !r ? this.residentReason : forced === 'cpu-update' ? 'the CPU-update loop was asked for' : r.unsupported(job.sampler);
    if (this.backend === 'webgpu' && r && !why) {
      let callerError: unknown = undefined;
      try {
        const out = await this.runResident(r, job, onStep, signal, (e) => (callerError = e));
        record({ type: 'webgpu-loop', loop: 'resident', readbackBytes: out.readbackBytes });
        return out;
      } catch (e) {
        if (isAbort(e) || (callerError !== undefined && e === callerError)) throw e;
        const err = classifyWebError(e);
        if (err.code === 'device-lost' || forced === 'resident') throw err;
        this.resident = null;
        this.residentReason = `the GPU-resident loop failed: ${(e as Error).message}`;
        await r.release().catch(() => undefined);
      }
    }
    if (this.backend === 'webgpu') record({ type: 'webgpu-loop', loop: 'cpu-update', reason: why ?? this.residentReason });
    return this.runCpuUpdate(job, onStep, signal);
  }

  private async runResident(
    r: ResidentSampler,
    job: ComputeJob,
    onStep: (s: ComputeStep) => void,
    signal: AbortSignal,
    callerFailed: (e: unknown) => void,
  ): Promise<ComputeOutput & { readbackBytes: number }> {
    const start = performance.now();
    let last = start;
    const res = await r.run(
      {
        guide: job.guide,
        shape: [job.channels, job.height, job.width],
        mask: job.mask,
        sampler: job.sampler,
        grid: fewStepGrid(job.sampler),
        t0: job.t0,
        steps: job.steps,
        repeats: job.repeats,
        seed: job.seed,
        batch: job.variations,
        previewEvery: job.previewEvery,
      },
      async (s) => {
        const now = performance.now();
        const ms = now - last;
        last = now;
        try {
          onStep({ step: s.step, total: s.total, msPerStep: ms, x0: s.x0 });
        } catch (e) {
          callerFailed(e);
          throw e;
        }
        await yieldToEventLoop();
        if (signal.aborted) throw abortError();
      },
      signal,
    );
    // The resident loop reads no ε back, so a NaN would first show here; the CPU-update loop
    // that the caller falls back to then names the step (OnnxDenoiser's own check).
    if (firstNonFinite(res.out) >= 0) throw new ModelOutputError(`the model "${this.info.name}" returned NaN/Inf values (GPU-resident loop)`);
    return { out: res.out, networkMs: res.networkMs, totalMs: performance.now() - start, readbackBytes: res.readbackBytes };
  }

  private async runCpuUpdate(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal): Promise<ComputeOutput> {
    const start = performance.now();
    const networkBefore = this.denoiser.networkMs;
    let last = performance.now();
    const chw = job.channels * job.height * job.width;
    const out = await sdedit(this.denoiser, job.guide, [job.channels, job.height, job.width], this.schedule, {
      sampler: job.sampler,
      grid: fewStepGrid(job.sampler),
      t0: job.t0,
      steps: job.steps,
      repeats: job.repeats,
      mask: job.mask,
      seed: job.seed,
      batch: job.variations,
      signal,
      onStep: async (info: StepInfo) => {
        const now = performance.now();
        const ms = now - last;
        last = now;
        const due = previewDue(info.step, info.total, job.previewEvery);
        onStep({ step: info.step, total: info.total, msPerStep: ms, x0: due ? info.x0.slice(0, chw) : undefined });
        await yieldToEventLoop();
        if (signal.aborted) throw abortError();
      },
    });
    return { out, networkMs: this.denoiser.networkMs - networkBefore, totalMs: performance.now() - start };
  }
}
