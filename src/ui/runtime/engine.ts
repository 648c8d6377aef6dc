// The in-iframe runtime behind the panel: decode the guide and mask, pick a backend, run the
// SDEdit loop (worker or main thread), stream progress and x̂0 previews, and return PNGs at the
// guide's own size with kept pixels untouched.
import * as ort from 'onnxruntime-web/webgpu';
import { workingSize, type RunParams } from '../../protocol';
import { abortError, chwToRgba, maskCoverage, padToMultiple, paddedSize, rgbaToChw } from '../../core';
import { probeWebGPU, wasmThreads } from '../../model/web';
import { ASSET_IDS, hasAsset, readAsset, readAssetText, readEmbeddedPack } from './assets';
import { isAbort, verifyPack, yieldToEventLoop, type ComputeJob, type ComputeStep, type PackBytes } from './compute';
import { EngineError, type Backend, type Engine, type ModelInfo, type PackSource, type RunProgress, type RunRequest, type RunResult, type RuntimeNotice } from './engine-api';
import { compositeOverGuide, decodePng, resizeRgba, type Rgba } from './image';
import { PngEncoder } from './png-encoder';
import { prepareMasks, type PanelMasks } from './mask';
import { planPanelRun } from './memory-budget';
import { checkRunRequest, toEngineError } from './request-checks';
import { MainThreadRunner, WorkerRunner, type Runner } from './runners';
import { record } from './trace';
import { LatentSession } from './latent-session';
import { readDeviceFacts } from './device-facts';

/** Live preview: working size and step cap. */
export const PREVIEW_SIZE = 64;
export const PREVIEW_MAX_STEPS = 8;

export class EmptyMaskError extends EngineError {
  override name = 'EmptyMaskError';
  constructor(message: string) {
    super('empty-mask', message);
  }
}

/** The live preview's working size: the job's, shrunk to PREVIEW_SIZE by the same rule. */
function previewSize(req: RunRequest, multiple: number): { width: number; height: number } {
  const size = Math.min(PREVIEW_SIZE, Math.max(req.workWidth, req.workHeight));
  const s = workingSize(req.workWidth, req.workHeight, size, multiple);
  return s.ok ? s : { width: req.workWidth, height: req.workHeight };
}

interface Loaded {
  runner: Runner;
  pack: PackBytes;
  wasm: Uint8Array;
}

export class RuntimeEngine implements Engine {
  private readonly listeners: ((n: RuntimeNotice) => void)[] = [];
  private loading: Promise<Loaded> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** the active latent pack; null while the embedded pack is active */
  private latent: LatentSession | null = null;
  /** previews and results: off this thread where the browser allows (png-encoder.ts) */
  private readonly png = new PngEncoder();

  onNotice(listener: (n: RuntimeNotice) => void): void {
    this.listeners.push(listener);
  }

  private notice(n: RuntimeNotice): void {
    record({ type: 'notice', ...n });
    for (const l of this.listeners) l(n);
  }

  async load(): Promise<{ backend: Backend; model: ModelInfo }> {
    this.loading ??= this.doLoad();
    this.loading.catch(() => (this.loading = null));
    try {
      const { runner } = await this.loading;
      return { backend: runner.backend, model: runner.info };
    } catch (e) {
      throw toEngineError(e);
    }
  }

  private async doLoad(): Promise<Loaded> {
    const t = performance.now();
    const [pack, wasm] = await Promise.all([readEmbeddedPack(), readAsset(ASSET_IDS.wasm)]);
    await verifyPack(pack);
    let runner: Runner | null = null;
    const webgpu = await probeWebGPU();
    if (webgpu.available) {
      try {
        const r = await MainThreadRunner.create(ort, pack, { verified: true, preferWebGPU: true, webgpu, wasmBinary: wasm });
        if (r.backend === 'webgpu') runner = r;
        else {
          if (r.fallbackReason) this.notice({ level: 'warning', message: r.fallbackReason });
          await r.dispose();
        }
      } catch (e) {
        this.notice({ level: 'warning', message: `WebGPU could not start (${(e as Error).message}); using WASM instead.` });
      }
    }
    runner ??= await this.wasmRunner(pack, wasm);
    record({ type: 'load', backend: runner.backend, where: runner.where, ms: performance.now() - t });
    return { runner, pack, wasm };
  }

  private async wasmRunner(pack: PackBytes, wasm: Uint8Array): Promise<Runner> {
    if (hasAsset(ASSET_IDS.worker)) {
      try {
        const script = await readAssetText(ASSET_IDS.worker);
        return await WorkerRunner.create(script, pack, wasm);
      } catch (e) {
        // One step is one ONNX Runtime call that cannot be split: on this thread it blocks the
        // panel for its whole length (1.3 s measured at 128 px on a loaded 2-core machine by the
        // panel-layout e2e; more at larger sizes). The engine yields between steps, so Cancel
        // and the progress bar still get through between them.
        record({ type: 'worker-failed', message: (e as Error).message });
        this.notice({
          level: 'warning',
          message:
            'No background worker can run here, so the panel freezes while each step runs (often a second or more). ' +
            'Cancel acts between steps; a smaller working size shortens the freezes.',
        });
      }
    }
    return MainThreadRunner.create(ort, pack, { verified: true, preferWebGPU: false, wasmBinary: wasm });
  }

  usePack(source: PackSource): Promise<{ backend: Backend; model: ModelInfo }> {
    // after the run in progress (it keeps the pack it started with)
    const p = this.queue.then(async () => {
      if (source.kind === 'embedded') {
        this.latent = null;
        return this.load();
      }
      // The built-in pack may still be starting on this thread's onnxruntime-web (on WebGPU its
      // start takes seconds): its session creation and ORT's one-time wasm set-up must not see
      // the env change under them, so a pack picked early waits for that start to end.
      await this.loading?.catch(() => undefined);
      const t = performance.now();
      // the main thread's onnxruntime-web (WebGPU or WASM), from the bundled binary (no network)
      ort.env.wasm.wasmBinary = await readAsset(ASSET_IDS.wasm);
      ort.env.wasm.numThreads = wasmThreads();
      ort.env.wasm.proxy = false;
      const device = await readDeviceFacts();
      const session = await LatentSession.load(ort, source.name, source.files, { device, origin: source.origin, notice: (message) => this.notice({ level: 'warning', message }) });
      this.latent = session;
      record({ type: 'load', backend: session.backend, where: 'main-thread', latent: true, ms: performance.now() - t, whyNotGpu: session.info.latent.whyNotGpu });
      return { backend: session.backend, model: session.info };
    });
    this.queue = p.catch(() => undefined);
    return p.catch((e: unknown) => {
      throw toEngineError(e);
    });
  }

  run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult> {
    // One run at a time: a new run waits for the previous one to finish or honour its cancel.
    const p = this.queue.then(() => this.runNow(req, onProgress, signal));
    this.queue = p.catch(() => undefined);
    return p.catch((e: unknown) => {
      throw toEngineError(e);
    });
  }

  private async runLatent(session: LatentSession, req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal, started: number): Promise<RunResult> {
    record({ type: 'run-start', jobId: req.jobId, preview: req.preview, mode: req.mode, width: req.workWidth, height: req.workHeight, steps: req.settings.steps, variations: req.settings.variations, seed: req.seed, latent: true });
    try {
      const res = await session.run(
        req,
        (p) => {
          record({ type: 'progress', jobId: req.jobId, step: p.step, total: p.total, msPerStep: p.msPerStep, preview: false });
          onProgress(p);
        },
        signal,
        this.png,
      );
      record({ type: 'run-end', jobId: req.jobId, status: 'done', ms: performance.now() - started, networkMs: res.timings.networkMs, backend: res.backend, pngEncodedOn: this.png.lastWhere });
      return res;
    } catch (e) {
      record({ type: 'run-end', jobId: req.jobId, status: isAbort(e) ? 'aborted' : 'error', ms: performance.now() - started, message: (e as Error).message });
      throw e;
    }
  }

  private async runNow(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult> {
    const started = performance.now();
    if (signal.aborted) throw abortError();
    checkRunRequest(req);
    if (this.latent) return this.runLatent(this.latent, req, onProgress, signal, started);
    const loaded = await (this.loading ??= this.doLoad());
    const info = loaded.runner.info;
    const s = req.settings;

    const guide = await decodePng(req.guidePng);
    // a live preview on WebGPU is fast enough at the working size, and can then be applied as it is
    const atWorkingSize = !req.preview || loaded.runner.backend === 'webgpu';
    const work = atWorkingSize ? { width: req.workWidth, height: req.workHeight } : previewSize(req, info.multiple);
    const steps = req.preview ? Math.min(s.steps, PREVIEW_MAX_STEPS) : s.steps;
    const variations = req.preview ? 1 : s.variations;
    const repeats = req.preview ? 1 : s.repeats;

    // before anything of the run's size is allocated: split the variations or refuse
    const net = paddedSize(work.height, work.width, info.multiple);
    const memory = planPanelRun({ width: net.w, height: net.h, multiple: info.multiple }, variations, info.bytes);
    if (!memory.ok) throw new EngineError('too-large', memory.message);

    // Mask: full resolution (for the final composite) and working resolution (for the sampler).
    let masks: PanelMasks | null = null;
    if (req.maskPng && req.mode !== 'synthesis') {
      const m = await decodePng(req.maskPng, { width: guide.width, height: guide.height });
      masks = prepareMasks(m.data, guide, work, { silhouette: req.maskIsSilhouette, dilation: s.dilation, feather: s.feather });
      if (maskCoverage(masks.work) === 0) {
        throw new EmptyMaskError(
          'The mask is empty: nothing would change. Make the "Mask" layers (or the selected layers) cover part of the frame, or select the whole frame to re-synthesise it.',
        );
      }
    }
    if (signal.aborted) throw abortError();

    // The network takes multiples of the model's multiple: pad (reflect) and crop the results back.
    const guideWork = resizeRgba(guide, work.width, work.height);
    const padded = padToMultiple(rgbaToChw(guideWork.data, work.width, work.height), 3, work.height, work.width, info.multiple);
    const job: ComputeJob = {
      guide: padded.data,
      channels: 3,
      height: padded.h,
      width: padded.w,
      mask: masks ? padToMultiple(masks.work, 1, work.height, work.width, info.multiple).data : null,
      t0: s.t0,
      steps,
      sampler: s.sampler,
      repeats,
      seed: req.seed,
      variations,
      // a designer wants to see the picture form: every sixth of the run, but at least every 5 steps
      previewEvery: req.preview ? 2 : Math.max(1, Math.min(5, Math.round(steps / 6))),
      ...(req.autoT0 ? { autoT0: true } : {}),
    };
    const toRgba = (chw: Float32Array): Rgba => ({ width: work.width, height: work.height, data: chwToRgba(chw, work.width, work.height) });
    record({
      type: 'run-start',
      jobId: req.jobId,
      preview: req.preview,
      mode: req.mode,
      width: work.width,
      height: work.height,
      steps,
      variations,
      seed: req.seed,
      maskCoverage: masks ? maskCoverage(masks.work) : 1,
    });

    // Progress is delivered in order; preview PNGs are encoded on the way.
    let delivery: Promise<void> = Promise.resolve();
    const onStep = (st: ComputeStep) => {
      delivery = delivery.then(async () => {
        const previewPng = st.x0 ? await this.png.encode(toRgba(padded.crop(st.x0, 3)), 'preview') : undefined;
        record({ type: 'progress', jobId: req.jobId, step: st.step, total: st.total, msPerStep: st.msPerStep, preview: !!previewPng });
        onProgress({ step: st.step, total: st.total, msPerStep: st.msPerStep, ...(previewPng ? { previewPng } : {}) });
      });
    };

    let runner = loaded.runner;
    const runBatch = async (part: ComputeJob, onPartStep: (st: ComputeStep) => void) => {
      try {
        return await runner.run(part, onPartStep, signal);
      } catch (e) {
        if (isAbort(e) || runner.backend !== 'webgpu') throw e;
        // WebGPU failed (device lost, out of memory, …): continue on WASM, same job.
        this.notice({ level: 'warning', message: `WebGPU failed (${(e as Error).message}). Continuing on WASM (slower); the run is retried.` });
        await runner.dispose().catch(() => undefined);
        runner = await this.wasmRunner(loaded.pack, loaded.wasm);
        loaded.runner = runner;
        return runner.run(part, onPartStep, signal);
      }
    };
    const output: { out: Float32Array; networkMs: number; t0?: number } = { out: new Float32Array(variations * job.channels * job.height * job.width), networkMs: 0 };
    try {
      // variations that do not fit in memory at once run as consecutive batches (seed + offset,
      // so the images are the ones one batch would have made); progress counts over all of them
      let first = 0;
      for (const [k, count] of memory.batches.entries()) {
        const part: ComputeJob = { ...job, variations: count, seed: job.seed + first };
        const res = await runBatch(part, (st) => onStep({ ...st, step: k * st.total + st.step, total: memory.batches.length * st.total }));
        output.out.set(res.out, first * job.channels * job.height * job.width);
        output.networkMs += res.networkMs;
        if (res.t0 !== undefined) output.t0 = res.t0; // auto t0: the same guide and seed in every batch
        first += count;
      }
      await delivery;
    } catch (e) {
      record({ type: 'run-end', jobId: req.jobId, status: isAbort(e) ? 'aborted' : 'error', ms: performance.now() - started, message: (e as Error).message });
      throw e;
    }
    await yieldToEventLoop();

    const images = padded.crop(output.out, 3);
    const per = 3 * work.width * work.height;
    const pngs: Uint8Array[] = [];
    const params: RunParams[] = [];
    for (let i = 0; i < variations; i++) {
      const gen = resizeRgba(toRgba(images.subarray(i * per, (i + 1) * per)), guide.width, guide.height);
      pngs.push(await this.png.encode(compositeOverGuide(guide, gen, masks ? masks.full : null)));
      params.push({ t0: output.t0 ?? s.t0, steps, sampler: s.sampler, repeats, seed: req.seed + i, size: Math.max(work.width, work.height), model: info.name, mode: req.mode });
    }
    const totalMs = performance.now() - started;
    record({ type: 'run-end', jobId: req.jobId, status: 'done', ms: totalMs, networkMs: output.networkMs, backend: runner.backend, pngEncodedOn: this.png.lastWhere });
    return {
      jobId: req.jobId,
      pngs,
      width: guide.width,
      height: guide.height,
      params,
      backend: runner.backend,
      timings: { totalMs, networkMs: output.networkMs },
      atWorkingSize,
    };
  }
}
