// GPU-resident SDEdit: on WebGPU the sample never leaves the GPU between steps. The UNet session
// and the update-graph sessions (update-graph.ts) all return their outputs as GPU buffers
// (`preferredOutputLocation: 'gpu-buffer'`), and each step feeds the previous step's GPU tensors
// straight back in: UNet(x) → ε (GPU) → step graph(x, ε, coef, …) → x' (GPU) → UNet(x') → …
// Uploads per step: the time input, the coefficients (11 floats) and, for η > 0 / DDPM, the
// noise z drawn by core's seeded RNG on the CPU. Per repeat: the initial noise z0. Readbacks:
// x̂0 when a preview is due, and the final sample.
//
// The per-step coefficients are core's (update-graph-plan.ts packs them), and so are the noise
// draws (core's streams: 'init' per repeat, 'step' or 'sde' per step), masks and repeats: the
// results agree with the CPU-update loop to float32 rounding (core computes each update in
// float64 and rounds once; the graph rounds after every Mul/Add).
//
// The same class runs with CPU tensors (`where: 'cpu'`, e.g. onnxruntime-node in the unit tests),
// which checks the loop's bookkeeping without a GPU.
import type * as Ort from 'onnxruntime-web';
import type { NoiseSource, SamplerName, Schedule } from '../../core';
import { abortError, checkRun, checkSeed, clampUnit, editedDraws, keptPixels, previewOverGuide, seededNoise } from '../../core';
import { networkTime } from '../../model/adapter';
import { toHalf } from './float16';
import { previewDue } from './preview-steps';
import { buildInitGraph, buildStepGraph, INIT_IO, STEP_IO, stepGraphKey, type StepGraphOptions } from './update-graph';
import { planResident, residentUnsupported, type Prediction, type ResidentSamplerOptions } from './update-graph-plan';

export { toHalf } from './float16';

type OrtModule = typeof Ort;
type Tensor = Ort.Tensor;
type Session = Ort.InferenceSession;
type NetType = 'float32' | 'float16';

/** What the loop needs to know of the model pack. */
export interface ResidentPack {
  name: string;
  prediction: Prediction;
  time_input: 'index' | 'continuous' | 'sigma';
  inputs: { x: string; t: string };
  outputs: { out: string };
}

/** One edit: the sampler options mean what they mean in core's SDEditOptions. */
export interface ResidentJob extends ResidentSamplerOptions {
  /** guide, C×H×W in [−1, 1] */
  guide: Float32Array;
  shape: [number, number, number];
  /** H×W, 1 = edit; null = edit everything */
  mask: Float32Array | null;
  repeats?: number;
  seed: number;
  batch?: number;
  /** read x̂0 back (item 0, clipped to [−1, 1]) every this many steps, not at the last (previewDue); 0 = never */
  previewEvery?: number;
}

export interface ResidentStep {
  step: number;
  total: number;
  repeat: number;
  /** x̂0 of item 0 (C×H×W, clipped) when a preview was due */
  x0?: Float32Array;
}

export interface ResidentResult {
  /** N×C×H×W */
  out: Float32Array;
  /** time spent in the UNet's session.run calls (on WebGPU: encoding and submitting, not waiting) */
  networkMs: number;
  /** bytes read back from the device (previews and the result) */
  readbackBytes: number;
}

export interface ResidentOptions {
  /** 'gpu': WebGPU EP with GPU-buffer outputs; 'cpu': plain CPU tensors (tests) */
  where: 'gpu' | 'cpu';
  executionProviders?: string[];
  /** run the UNet from an existing session instead of creating one from the bytes */
  unet?: Session;
}

/** The part of a GPUDevice used to upload inputs (typed loosely: no @webgpu/types here). */
interface DeviceLike {
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): { destroy(): void };
  queue: {
    writeBuffer(buffer: unknown, offset: number, data: ArrayBufferLike, dataOffset?: number, size?: number): void;
    onSubmittedWorkDone?(): Promise<void>;
  };
}

// GPUBufferUsage.COPY_SRC | COPY_DST | STORAGE (numbers: the global may not exist in Node)
const STORAGE_USAGE = 0x04 | 0x08 | 0x80;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function metaType(session: Session, name: string): NetType {
  const meta = (session as { inputMetadata?: readonly { name: string; isTensor?: boolean; type?: string }[] }).inputMetadata;
  const m = meta?.find((v) => v.name === name);
  return m && m.isTensor !== false && m.type === 'float16' ? 'float16' : 'float32';
}

/** Session options of the UNet and of the update graphs: GPU-buffer outputs on WebGPU. */
function sessionOptions(opts: ResidentOptions): Ort.InferenceSession.SessionOptions {
  const eps = opts.executionProviders ?? (opts.where === 'gpu' ? ['webgpu'] : ['cpu']);
  return {
    executionProviders: eps as Ort.InferenceSession.SessionOptions['executionProviders'],
    graphOptimizationLevel: 'all',
    ...(opts.where === 'gpu' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
  };
}

export class ResidentSampler {
  private readonly graphs = new Map<string, Promise<Session>>();
  private initGraph: Promise<Session> | null = null;
  private released = false;

  private constructor(
    private readonly ort: OrtModule,
    private readonly unet: Session,
    private readonly ownsUnet: boolean,
    private readonly pack: ResidentPack,
    private readonly schedule: Schedule,
    private readonly opts: ResidentOptions,
    private readonly device: DeviceLike | null,
    /** the network's x/out dtype and its t dtype */
    readonly netType: NetType,
    private readonly tType: NetType,
  ) {}

  /** Create the UNet session with GPU-buffer outputs (or wrap `opts.unet`) and find the device. */
  static async create(ort: OrtModule, modelBytes: Uint8Array | null, pack: ResidentPack, schedule: Schedule, opts: ResidentOptions): Promise<ResidentSampler> {
    if (schedule.type !== 'vp') throw new Error('resident: VE schedules run the CPU-update loop');
    let unet = opts.unet;
    const owns = !unet;
    if (!unet) {
      if (!modelBytes) throw new Error('resident: no model bytes');
      unet = await ort.InferenceSession.create(modelBytes, sessionOptions(opts));
    }
    try {
      for (const n of [pack.inputs.x, pack.inputs.t]) if (!unet.inputNames.includes(n)) throw new Error(`resident: the model has no input "${n}"`);
      if (!unet.outputNames.includes(pack.outputs.out)) throw new Error(`resident: the model has no output "${pack.outputs.out}"`);
      let device: DeviceLike | null = null;
      if (opts.where === 'gpu') {
        const env = ort.env as unknown as { webgpu?: { device?: unknown } };
        device = ((await env.webgpu?.device) as DeviceLike | undefined) ?? null;
        if (!device || typeof device.createBuffer !== 'function') throw new Error('resident: onnxruntime-web exposes no WebGPU device');
      }
      return new ResidentSampler(ort, unet, owns, pack, schedule, opts, device, metaType(unet, pack.inputs.x), metaType(unet, pack.inputs.t));
    } catch (e) {
      if (owns) await unet.release().catch(() => undefined);
      throw e;
    }
  }

  /** Why this job cannot run here (null: it can). */
  unsupported(sampler: SamplerName): string | null {
    return residentUnsupported(this.schedule, sampler, this.pack.prediction);
  }

  private stepGraph(o: StepGraphOptions): Promise<Session> {
    const key = stepGraphKey(o);
    let s = this.graphs.get(key);
    if (!s) {
      s = this.ort.InferenceSession.create(buildStepGraph(o), sessionOptions(this.opts));
      s.catch(() => this.graphs.delete(key));
      this.graphs.set(key, s);
    }
    return s;
  }

  private init(): Promise<Session> {
    this.initGraph ??= this.ort.InferenceSession.create(buildInitGraph(this.netType), sessionOptions(this.opts));
    this.initGraph.catch(() => (this.initGraph = null));
    return this.initGraph;
  }

  /** Build (and compile, by one tiny run) the graphs a job will need, before timing matters. */
  async warmUp(job: Pick<ResidentJob, 'sampler' | 'mask' | 'eta'>): Promise<void> {
    await this.init();
    const base = { mask: !!job.mask, dpm: job.sampler === 'dpmpp2m' || job.sampler === 'dpmpp2m-sde', linearEps: this.pack.prediction !== 'eps', netType: this.netType };
    await this.stepGraph({ ...base, noise: false });
    if (job.sampler === 'ddpm' || job.sampler === 'dpmpp2m-sde' || (job.eta ?? 0) > 0) await this.stepGraph({ ...base, noise: true });
  }

  /** An input tensor: uploaded to a GPU buffer of its own (gpu), or a plain CPU tensor. */
  private upload(data: Float32Array, dims: number[]): Tensor {
    if (!this.device) return new this.ort.Tensor('float32', data, dims);
    const size = Math.ceil(data.byteLength / 16) * 16;
    const buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return this.ort.Tensor.fromGpuBuffer(buffer as unknown as Ort.Tensor.GpuBufferType, {
      dataType: 'float32',
      dims,
      dispose: () => buffer.destroy(),
    }) as Tensor;
  }

  private async read(t: Tensor): Promise<Float32Array> {
    const d = (await t.getData()) as Float32Array;
    return new Float32Array(d);
  }

  /**
   * Run SDEdit on the GPU. `noise` overrides core's seeded RNG (tests). onStep may be async
   * (awaited; the caller yields and checks for cancel there).
   */
  async run(job: ResidentJob, onStep: ((s: ResidentStep) => void | Promise<void>) | null, signal?: AbortSignal, noise?: NoiseSource): Promise<ResidentResult> {
    if (this.released) throw new Error('resident: the sampler was released');
    const why = this.unsupported(job.sampler);
    if (why) throw new Error(`resident: ${why}`);
    const { channels, height, width, itemSize, batch, repeats } = checkRun(job.guide, job.shape, job);
    checkSeed(job.seed);
    const plan = planResident(this.schedule, job, this.pack.prediction);
        const total = batch * itemSize;
    const dims = [batch, channels, height, width];
    const guideN = new Float32Array(total);
    for (let b = 0; b < batch; b++) guideN.set(job.guide, b * itemSize);
    if (plan.steps === 0) return { out: guideN, networkMs: 0, readbackBytes: 0 };
    const src = noise ?? seededNoise(job.seed);
    // a step's noise only where the mask edits (the update graph's mask blend replaces the kept
    // pixels, whatever their z), as on the CPU loop; the repeat's first draw is whole
    const kept = job.mask ? keptPixels(job.mask) : null;
    const edited = kept && src.ranges ? editedDraws(kept, channels) : null;
    const draw = (repeat: number, kind: 'init' | 'step' | 'sde', step: number): Float32Array => {
      const out = new Float32Array(total);
      for (let b = 0; b < batch; b++) {
        const req = { item: b, repeat, kind, step, sub: 0 };
        if (edited && kind !== 'init' && src.ranges) src.ranges(req, out, b * itemSize, edited);
        else src(req, out, b * itemSize, itemSize);
      }
      return out;
    };
    const every = job.previewEvery ?? 0;
    // previews as the CPU loop makes them: the guide at kept pixels (core's previewOverGuide)
    const overGuide = kept && onStep ? previewOverGuide(job.guide, kept) : null;
    const base = { mask: !!job.mask, dpm: plan.dpm, linearEps: plan.linearEps, netType: this.netType };
    const { x: xName, t: tName } = this.pack.inputs;
    const outName = this.pack.outputs.out;
    const tTime = new Float32Array(batch);

    // Every tensor this run holds, so that an error or a cancel frees them all.
    const live = new Set<Tensor>();
    const hold = (t: Tensor): Tensor => {
      live.add(t);
      return t;
    };
    const drop = (t: Tensor | null | undefined): void => {
      if (t && live.delete(t)) t.dispose();
    };
    const held = (r: Record<string, Tensor>): Record<string, Tensor> => {
      for (const t of Object.values(r)) hold(t);
      return r;
    };

    let networkMs = 0;
    let readbackBytes = 0;
    try {
      const initSession = await this.init();
      const mask = job.mask ? hold(this.upload(job.mask, [1, 1, height, width])) : null;
      let g = hold(this.upload(guideN, dims));
      let x: Tensor | null = null;
      let xNet: Tensor | null = null;
      let done = 0;
      const totalSteps = repeats * plan.steps;
      // session.run returns once the GPU work is submitted, not done: without a brake every step
      // would be queued at once (progress racing ahead, a cancel unable to stop queued work). Wait
      // for step j−1's work after submitting step j, so at most two steps are in flight.
      let inflight: Promise<void> | null = null;
      for (let r = 0; r < repeats; r++) {
        const z0 = hold(this.upload(draw(r, 'init', 0), dims));
        const init = held(await initSession.run({ [INIT_IO.g]: g, [INIT_IO.z0]: z0, [INIT_IO.coef]: new this.ort.Tensor('float32', plan.init, [2]) }));
        drop(x); // the previous repeat's result lives on as g
        x = init[INIT_IO.x];
        xNet = init[INIT_IO.xNet] ?? null;
        let d1: Tensor | null = null;
        for (let j = 0; j < plan.steps; j++) {
          if (signal?.aborted) throw abortError();
          tTime.fill(plan.ts[j]);
          const tNet = networkTime(this.schedule, this.pack.time_input, tTime);
          const tTensor = this.tType === 'float16' ? new this.ort.Tensor('float16', toHalf(tNet), [batch]) : new this.ort.Tensor('float32', tNet, [batch]);
          const t1 = now();
          const res = held(await this.unet.run({ [xName]: xNet ?? x, [tName]: tTensor }));
          networkMs += now() - t1;
          const eps = res[outName];
          for (const [k, v] of Object.entries(res)) if (k !== outName) drop(v);
          if (eps.dims.length !== 4 || eps.dims.some((d, i) => d !== dims[i])) {
            throw new Error(`model output "${outName}" has shape [${eps.dims.join(', ')}], expected [${dims.join(', ')}]`);
          }
          const noisy = plan.noisy[j];
          const z = noisy ? hold(this.upload(draw(r, plan.noiseKind, j), dims)) : null;
          const step = await this.stepGraph({ ...base, noise: noisy });
          const feeds: Record<string, Tensor> = {
            [STEP_IO.x]: x,
            [STEP_IO.out]: eps,
            [STEP_IO.coef]: new this.ort.Tensor('float32', plan.coef[j], [plan.coef[j].length]),
          };
          if (z) feeds[STEP_IO.z] = z;
          if (plan.dpm) feeds[STEP_IO.d1] = d1 ?? x; // (C1 = 0 on a repeat's first step)
          if (mask) {
            feeds[STEP_IO.g] = g;
            feeds[STEP_IO.z0] = z0;
            feeds[STEP_IO.m] = mask;
          }
          const upd = held(await step.run(feeds));
          const submitted = this.device?.queue.onSubmittedWorkDone?.() ?? null;
          if (inflight) await inflight;
          inflight = submitted;
          drop(eps);
          drop(z);
          drop(x);
          drop(xNet);
          x = upd[STEP_IO.xNext];
          xNet = upd[STEP_IO.xNet] ?? null;
          const x0 = upd[STEP_IO.x0];
          done++;
          let preview: Float32Array | undefined;
          if (previewDue(done, totalSteps, every)) {
            const all = await this.read(x0);
            readbackBytes += all.byteLength;
            preview = all.slice(0, itemSize);
            clampUnit(preview);
            overGuide?.(preview);
          }
          if (plan.dpm) {
            drop(d1);
            d1 = x0;
          } else drop(x0);
          if (onStep) await onStep({ step: done, total: totalSteps, repeat: r, x0: preview });
        }
        drop(d1);
        drop(z0);
        if (r < repeats - 1) {
          // the result becomes the next repeat's guide (core: g.set(x))
          drop(g);
          g = x as Tensor;
          drop(xNet);
          xNet = null;
          x = null;
        }
      }
      const out = await this.read(x as Tensor);
      readbackBytes += out.byteLength;
      return { out, networkMs, readbackBytes };
    } finally {
      for (const t of live) t.dispose();
      live.clear();
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const all = [...this.graphs.values(), ...(this.initGraph ? [this.initGraph] : [])];
    this.graphs.clear();
    this.initGraph = null;
    for (const p of all) {
      const s = await p.catch(() => null);
      await s?.release().catch(() => undefined);
    }
    if (this.ownsUnet) await this.unet.release().catch(() => undefined);
  }
}
