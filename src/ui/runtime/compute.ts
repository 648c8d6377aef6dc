// The compute side of the runtime: one ONNX session + the core SDEdit loop. Runs either in the
// WASM worker (worker.ts) or on the iframe's main thread (WebGPU, which workers here lack).
// It sees tensors only: PNG decoding and encoding stay with the engine on the main thread.
import type * as Ort from 'onnxruntime-web';
import { DEFAULT_SETTINGS, type SamplerChoice } from '../../protocol';
import type { Denoiser, FastGrid, Shape4, StepInfo } from '../../core/types';
import { parseNoiseLevelTable, sdedit, suggestT0, type NoiseLevelTable } from '../../core';
import { parsePack, scheduleFromPack, unetFile, unetFp16File, verifyFile } from '../../model/pack';
import { classifyWebError, createWebSession, type WebOrt } from '../../model/web';
import type { Backend, ModelInfo } from './engine-api';
import { ResidentSampler } from './resident';
import { record, trace } from './trace';

type OrtModule = typeof Ort;

/** The few-step solvers run on the log-SNR grid (bench/RESULTS.md §4: better than uniform t at
 *  every step count); DDIM and DDPM keep their uniform grid. */
export const fewStepGrid = (s: SamplerChoice): FastGrid | undefined => (s === 'dpmpp2m' || s === 'dpmpp2m-sde' ? 'logsnr' : undefined);


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
  /** send an x̂0 preview every this many steps (and at the last step) */
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
  wasmBinary: ArrayBuffer | Uint8Array;
  numThreads: number;
}

/** An error from the WebGPU execution provider that the engine answers by retrying on WASM. */
export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export const abortError = (): Error => Object.assign(new Error('The run was cancelled.'), { name: 'AbortError' });

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
  const manifest = parsePack(JSON.parse(pack.manifestText));
  const f16 = unetFp16File(manifest);
  for (const file of f16 ? [unetFile(manifest), f16] : [unetFile(manifest)]) {
    const bytes = pack.files.get(file.name);
    if (!bytes) throw new Error(`The embedded model pack lacks ${file.name}: rebuild the plugin.`);
    await verifyFile(bytes, file);
  }
}

export class Compute {
  /** why WebGPU was not used when it was wanted (for the notice) */
  fallbackReason?: string;
  /** WebGPU only: the GPU-resident loop (null when it could not start or has failed once) */
  private resident: ResidentSampler | null = null;
  /** why the resident loop is not used (for the trace) */
  residentReason?: string;

  private constructor(
    readonly backend: Backend,
    readonly info: ModelInfo,
    private readonly denoiser: Denoiser,
    private readonly schedule: ReturnType<typeof scheduleFromPack>,
    private readonly release: () => Promise<void>,
    /** the pack's L(t) table for suggestT0 (model.json noise_level_error), null when absent */
    private readonly noiseTable: NoiseLevelTable | null = null,
  ) {}

  static async load(ort: OrtModule, pack: PackBytes, opts: LoadOptions): Promise<Compute> {
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
      wasmBinary: opts.wasmBinary,
      numThreads: opts.numThreads,
      fp16ModelBytes: f16Bytes,
    });
    const schedule = scheduleFromPack(manifest);
    const info: ModelInfo = {
      name: manifest.name,
      bytes: modelBytes.length,
      source: 'embedded',
      multiple: manifest.multiple || 8,
      sde: manifest.sde.type === 've' ? 've' : 'vp',
    };
    const noiseTable = parseNoiseLevelTable((JSON.parse(pack.manifestText) as Record<string, unknown>).noise_level_error);
    const c = new Compute(web.backend, info, web.denoiser(manifest), schedule, () => web.release(), noiseTable);
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
   *  the CPU-update loop and the resident loop is not used again by this Compute. */
  async run(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal): Promise<ComputeOutput> {
    if (job.autoT0) {
      const s = await suggestT0(this.denoiser, job.guide, [job.channels, job.height, job.width], this.schedule, {
        calibration: this.noiseTable,
        fallbackT0: DEFAULT_SETTINGS.t0,
        mask: job.mask,
        multiple: this.info.multiple,
      });
      record({ type: 'auto-t0', t0: s.t0, source: s.source, evaluations: s.evaluations });
      if (signal.aborted) throw abortError();
      return { ...(await this.run({ ...job, t0: s.t0, autoT0: false }, onStep, signal)), t0: s.t0 };
    }
    const forced = (trace() as { webgpuLoop?: string }).webgpuLoop; // test hook: 'cpu-update' | 'resident'
    const r = this.resident;
    const why = !r ? this.residentReason : forced === 'cpu-update' ? 'forced by __sdeditRuntime.webgpuLoop' : r.unsupported(job.sampler);
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
    return { out: res.out, networkMs: res.networkMs, totalMs: performance.now() - start, readbackBytes: res.readbackBytes };
  }

  private async runCpuUpdate(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal): Promise<ComputeOutput> {
    const start = performance.now();
    let networkMs = 0;
    const inner = this.denoiser;
    const timed: Denoiser = {
      kind: inner.kind,
      async predict(x: Float32Array, shape: Shape4, t: Float32Array) {
        const t1 = performance.now();
        try {
          return await inner.predict(x, shape, t);
        } finally {
          networkMs += performance.now() - t1;
        }
      },
    };
    let last = performance.now();
    const chw = job.channels * job.height * job.width;
    const out = await sdedit(timed, job.guide, [job.channels, job.height, job.width], this.schedule, {
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
        const due = info.step % job.previewEvery === 0 || info.step === info.total;
        onStep({ step: info.step, total: info.total, msPerStep: ms, x0: due ? info.x0.slice(0, chw) : undefined });
        await yieldToEventLoop();
        if (signal.aborted) throw abortError();
      },
    });
    return { out, networkMs, totalMs: performance.now() - start };
  }
}
